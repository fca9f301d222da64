#!/usr/bin/env node
// Entry point behind every npm script: makes sure npm dependencies are installed (a fresh clone has
// none, and tsx is one of them), then runs scripts/<name>.ts under tsx with the remaining arguments.
// package.json runs it with `exec`, so npm's child is this process rather than a shell: npm forwards
// SIGTERM to its child, and a shell in between would die of it and leave the script running.
import { spawn, spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const signalNumbers = constants.signals;
const [name, ...args] = process.argv.slice(2);
const script = name ? join(root, 'scripts', `${name}.ts`) : '';

if (!name || !existsSync(script)) {
  console.error(`usage: node scripts/run.mjs <script> [args...]\nunknown script: ${name ?? '(none)'}`);
  process.exit(2);
}

ensureNodeModules();
// tsx as a loader in the script's own Node process rather than tsx's CLI: the CLI adds a process that
// relays signals and SIGKILLs a script that does not acknowledge a repeated signal within 30 ms,
// which cuts an orderly shutdown short.
const loader = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const child = spawn(process.execPath, ['--import', loader, script, ...args], { stdio: 'inherit', cwd: root });
// A signal sent to this process alone (SIGTERM from a supervisor) must reach the script, which owns
// the cleanup; a terminal's Ctrl-C reaches both (scripts ignore the repeat), and the script's exit
// decides ours.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.once('error', (error) => {
  console.error(`could not run ${script}: ${error.message}`);
  process.exit(1);
});
child.once('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (signalNumbers[signal] ?? 1) : 0)));

/** Installs npm dependencies when node_modules is missing or older than the lockfile. */
function ensureNodeModules() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  const fresh = existsSync(marker) && existsSync(join(root, 'node_modules', '.bin', 'tsx')) &&
    (!existsSync(lock) || statSync(marker).mtimeMs >= statSync(lock).mtimeMs);
  if (fresh) return;
  const useCi = existsSync(lock) && JSON.parse(readFileSync(lock, 'utf8')).lockfileVersion >= 2;
  const command = useCi ? 'ci' : 'install';
  console.log(`installing npm dependencies (npm ${command})...`);
  const install = spawnSync('npm', [command, '--no-audit', '--no-fund'], { stdio: 'inherit', cwd: root });
  if (install.status !== 0) {
    console.error(`npm ${command} failed (exit ${install.status}); fix the error above and run again`);
    process.exit(1);
  }
}
