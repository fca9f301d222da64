// Reconnect delays: exponential backoff with full jitter, capped, so a fleet of clients that lost the
// exchange at once does not reconnect in lockstep.

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000, random: Math.random };

/** The delay before reconnect attempt `attempt` (0 for the first retry): uniform in [ceiling/2, ceiling]. */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (options.random() * ceiling) / 2);
}
