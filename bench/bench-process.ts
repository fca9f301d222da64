// A benchmark's helper process (simulator, subscribers, probe, Realtime server): a TypeScript entry
// point in its own Node process, so producing load never shares an event loop with what is measured.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../local/paths.ts';

export interface BenchProcess {
  child: ChildProcess;
  /** The stdout line that said it was ready, matched against `ready`. */
  readyMatch: RegExpMatchArray;
  /** SIGTERM, wait for the exit, and everything it printed on stdout. */
  stop(): Promise<string[]>;
}

/** Runs script under tsx's loader; resolves once a stdout line matches `ready`, rejects if it exits first. */
export function startBenchProcess(script: string, args: string[], ready: RegExp, env: Record<string, string> = {}): Promise<BenchProcess> {
  const loader = pathToFileURL(join(projectRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', loader, script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    return lines;
  };
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const match = line.match(ready);
      if (match) resolve({ child, readyMatch: match, stop });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
}
