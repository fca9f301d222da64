// The one error type local tooling throws: a stable code, a sentence, and the exit status it implies.

export class LocalStackError extends Error {
  readonly code: string;
  /** 2 for "the user must do something" (usage, a missing package without root), 1 otherwise. */
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode = 1) {
    super(message);
    this.name = 'LocalStackError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Prints an error the way every script does and returns the exit status to use. */
export function reportError(error: unknown): number {
  if (error instanceof LocalStackError) {
    console.error(`error [${error.code}]: ${error.message}`);
    return error.exitCode;
  }
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return 1;
}

/** An error's message, or the thrown value as text when it is not an Error. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
