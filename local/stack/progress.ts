// The console side of `npm start`: one line per step with how long it took, a heartbeat line every
// few seconds while a long step runs, and dead-service reports with the tail of the service's log.
import { describeTail } from '../service-log.ts';
import type { ChildExit } from '../supervised-child.ts';

export interface Progress {
  /** Prints one step line: the step's name, what it did, and its duration when given its start time. */
  step(name: string, detail: string, startedAt?: number): void;
  /** Runs a step; while it lasts longer than a few seconds, prints "still <doing>" lines. */
  run<T>(name: string, doing: string, work: () => Promise<T>, done: (result: T) => string): Promise<T>;
  /** Reports a service that exited on its own, with the end of its log. */
  serviceDied(exit: ChildExit): void;
}

const NAME_WIDTH = 14;

export function createProgress(print: (line: string) => void = console.log, heartbeatMs = 5_000): Progress {
  const step = (name: string, detail: string, startedAt?: number) =>
    print(`${name.padEnd(NAME_WIDTH)} ${detail}${startedAt === undefined ? '' : ` (${seconds(Date.now() - startedAt)})`}`);
  return {
    step,
    async run(name, doing, work, done) {
      const startedAt = Date.now();
      const heartbeat = setInterval(() => step(name, `${doing}... ${seconds(Date.now() - startedAt)}`), heartbeatMs);
      try {
        const result = await work();
        step(name, done(result), startedAt);
        return result;
      } finally {
        clearInterval(heartbeat);
      }
    },
    serviceDied(exit) {
      const how = exit.signal ? `was killed by ${exit.signal}` : exit.code !== null ? `exited with code ${exit.code}` : 'stopped running';
      const next = exit.restartInMs === undefined ? '' : `; restarting in ${seconds(exit.restartInMs)}`;
      print(`! ${exit.name} ${how}${next}. ${describeTail(exit.logPath, exit.tail)}`);
    },
  };
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
