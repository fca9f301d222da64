// Child processes for scripts: run a command to completion (async, so signal handlers still run),
// capturing its output while echoing it; stop a child; find free ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { LocalStackError } from './errors.ts';

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/**
 * Runs a command, echoing its output live (unless quiet) and returning it with the exit status.
 * Aborting `signal` sends the command SIGTERM and rejects once it has exited (a stack stopped while
 * it starts must not leave it running).
 */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; quiet?: boolean; signal?: AbortSignal } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal });
    const chunks: Buffer[] = [];
    const collect = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
      chunks.push(chunk);
      if (!options.quiet) stream.write(chunk);
    };
    child.stdout.on('data', collect(process.stdout));
    child.stderr.on('data', collect(process.stderr));
    let aborted: Error | undefined;
    child.once('error', (error) => {
      if (error.name === 'AbortError') aborted = error;
      else reject(error);
    });
    child.once('close', (status, signal) => {
      if (aborted) reject(aborted);
      else resolve({ status, signal, output: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

/** Asks `probe` every intervalMs until it answers true (→ true) or timeoutMs has passed (→ false). */
export async function pollUntil(probe: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves true once something accepts connections on 127.0.0.1:port, false after timeoutMs. */
export function waitForPort(port: number, timeoutMs: number): Promise<boolean> {
  return pollUntil(() => accepts(port), timeoutMs);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Asks the kernel for a port nobody listens on (there is a small race until it is used; fine locally). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether nothing listens on 127.0.0.1:port (tried by listening on it for a moment). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Throws PORT_IN_USE (exit 2) naming the port and the variable that changes it, unless the port is free. */
export async function assertPortFree(port: number, variable: string): Promise<void> {
  if (!(await isPortFree(port))) throw portInUse(port, variable);
}

/** The error every service gives when its port is taken: the port and the variable that changes it. */
export function portInUse(port: number, variable: string): LocalStackError {
  return new LocalStackError('PORT_IN_USE', `port ${port} is already in use on 127.0.0.1; stop what listens there or set ${variable} to another port`, 2);
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the child has exited (at once if it already has). */
export function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
