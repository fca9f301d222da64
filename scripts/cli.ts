// Argument parsing shared by the scripts: strict, and a bad argument prints usage and exits 2.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { reportError } from '../local/errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses process.argv for a script; on a bad argument prints the message and usage, then exits 2. */
export function parseCli<T extends Options>(usage: string, options: T, allowPositionals = false) {
  try {
    const parsed = parseArgs({ args: process.argv.slice(2), options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
    if ((parsed.values as { help?: boolean }).help) {
      console.log(usage);
      process.exit(0);
    }
    return parsed;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
}

/** Runs a script's main function, turning errors into a message and an exit status. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => process.exit(reportError(error)),
  );
}

/** Resolves with the first SIGINT or SIGTERM: a script serving until it is stopped. */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    // on, not once: Ctrl-C under npm delivers SIGINT twice (the group, then run.mjs forwarding it).
    process.on('SIGINT', resolve);
    process.on('SIGTERM', resolve);
  });
}

/** Exits 2 with usage unless every name is one of `allowed` (scenarios, suites...). */
export function requireKnown(names: string[], allowed: readonly string[], what: string, usage: string): void {
  const unknown = names.find((name) => !allowed.includes(name));
  if (unknown === undefined) return;
  console.error(`unknown ${what} "${unknown}"\n\n${usage}`);
  process.exit(2);
}
