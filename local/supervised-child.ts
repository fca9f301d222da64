// A long-running child process under supervision: its output goes to its service log; when it exits
// without being asked to, the exit is reported (with the tail of its log) and it is restarted with
// backoff. Used for the Edge Functions under Deno and the dashboard server.
import { spawn, type ChildProcess } from 'node:child_process';
import { backoffDelay } from '../supabase/functions/_shared/backoff.ts';
import { stopChild } from './process.ts';
import { openServiceLog, tailLines } from './service-log.ts';

export type ChildState = 'starting' | 'up' | 'restarting' | 'stopped';

export interface ChildExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  logPath: string;
  /** The last lines of its log at the time it exited. */
  tail: string[];
  /** When it will be started again. */
  restartInMs?: number;
}

export interface SupervisedChildOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logPath: string;
  /** Resolves true once the child serves (its port answers...); false if it never does. */
  ready: (child: ChildProcess) => Promise<boolean>;
  onUnexpectedExit: (exit: ChildExit) => void;
  /** Exits while this returns true are expected (a Ctrl-C reaches the whole process group): not reported, no restart. */
  isShuttingDown?: () => boolean;
}

export interface SupervisedChild {
  state(): ChildState;
  pid(): number | undefined;
  /** Resolves with the first start's readiness. */
  started: Promise<boolean>;
  stop(): Promise<void>;
}

export function superviseChild(options: SupervisedChildOptions): SupervisedChild {
  let state: ChildState = 'starting';
  let child: ChildProcess | undefined;
  let restarts = 0;
  let stopped = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let drained: Promise<unknown> = Promise.resolve();
  const log = openServiceLog(options.name, options.logPath);

  const launch = (): Promise<boolean> => {
    log.write(`starting: ${options.command} ${options.args.join(' ')}`);
    const current = spawn(options.command, options.args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = current;
    current.stdout?.pipe(log.stream, { end: false });
    current.stderr?.pipe(log.stream, { end: false });
    current.once('error', (error) => log.write(`could not start: ${error.message}`));
    current.once('exit', (code, signal) => onExit(current, code, signal));
    // 'close' comes after 'exit' once the output pipes are drained into the log.
    drained = new Promise((resolve) => current.once('close', resolve));
    const exited = new Promise<boolean>((resolve) => current.once('exit', () => resolve(false)));
    return Promise.race([options.ready(current), exited]).then((up) => {
      if (up && child === current && state !== 'stopped') {
        state = 'up';
        restarts = 0;
      }
      return up;
    });
  };

  const onExit = (exited: ChildProcess, code: number | null, signal: NodeJS.Signals | null) => {
    log.write(`exited (${signal ?? `code ${code}`})`);
    if (exited !== child || stopped) return;
    const halted = () => stopped || (options.isShuttingDown?.() ?? false);
    if (halted()) return void (state = 'stopped');
    const restartInMs = backoffDelay(restarts++);
    state = 'restarting';
    // The log stream may still hold the child's last lines: report once they are on disk.
    log.stream.write('', () => {
      if (!halted()) options.onUnexpectedExit({ name: options.name, code, signal, logPath: log.path, tail: tailLines(log.path), restartInMs });
    });
    restartTimer = setTimeout(() => void (!halted() && launch()), restartInMs);
  };

  return {
    state: () => state,
    pid: () => child?.pid,
    started: launch(),
    async stop() {
      stopped = true;
      state = 'stopped';
      clearTimeout(restartTimer);
      await stopChild(child);
      await drained;
      await log.close();
    },
  };
}
