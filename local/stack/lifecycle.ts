// The parts npm start has running and their orderly end: stopped in reverse order of start on the
// first Ctrl-C / SIGTERM / SIGHUP (or when starting fails), each part's state for GET /health.
export interface Part {
  name: string;
  stop: () => Promise<void> | void;
  /** What GET /health reports for it; parts without one (a database client) are not listed. */
  health?: () => unknown;
}

export interface Lifecycle {
  add(part: Part): void;
  isShuttingDown(): boolean;
  /** Aborted as stopping begins: for start-up commands (migrations, the build) that are no part yet. */
  readonly stopping: AbortSignal;
  /** Each part's health, in start order. */
  health(): Record<string, unknown>;
  /** Stops every part once, newest first; resolves true when every stop succeeded. */
  stopAll(): Promise<boolean>;
  /**
   * The first of these signals stops everything and exits (0, or 1 if a part failed to stop).
   * A repeat within a second is the same Ctrl-C arriving twice (the terminal and npm both deliver
   * it) and is ignored; a later one exits at once, for a user who does not want to wait.
   */
  exitOnSignals(exit?: (code: number) => void): void;
}

const REPEAT_WINDOW_MS = 1_000;

export function createLifecycle(print: (line: string) => void = console.log): Lifecycle {
  const parts: Part[] = [];
  let stopping: Promise<boolean> | undefined;
  const interrupt = new AbortController();

  const stopAll = (): Promise<boolean> => {
    if (!stopping) {
      interrupt.abort();
      stopping = stopEach(parts, print);
    }
    return stopping;
  };

  return {
    add: (part) => void parts.push(part),
    isShuttingDown: () => stopping !== undefined,
    stopping: interrupt.signal,
    health: () => Object.fromEntries(parts.filter((part) => part.health).map((part) => [part.name, part.health!()])),
    stopAll,
    exitOnSignals(exit = (code) => process.exit(code)) {
      let firstAt = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        if (firstAt === 0) {
          firstAt = Date.now();
          print(`\n${signal}: stopping...`);
          void stopAll().then((clean) => {
            print(clean ? 'stopped' : 'stopped, but a part failed to stop (see above)');
            exit(clean ? 0 : 1);
          });
        } else if (Date.now() - firstAt > REPEAT_WINDOW_MS) {
          print(`${signal} again: exiting without waiting; check for leftover processes`);
          exit(130);
        }
      };
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
    },
  };
}

async function stopEach(parts: Part[], print: (line: string) => void): Promise<boolean> {
  let clean = true;
  for (const part of [...parts].reverse()) {
    try {
      await part.stop();
    } catch (error) {
      clean = false;
      print(`! stopping ${part.name} failed: ${(error as Error).message}`);
    }
  }
  return clean;
}
