// The simulated clock: runs `speed` times faster than the wall clock from its origin, but never ahead
// of the wall clock (the database refuses events from the future), so once it catches up it runs at
// real time.

export interface SimClock {
  readonly speed: number;
  /** Simulated time, epoch ms; never decreases, never exceeds the wall clock. */
  now(): number;
  /** Wall ms until the simulated clock reaches `simTime` (0 when it already has). */
  wallDelayUntil(simTime: number): number;
}

export interface SimClockOptions {
  /** Simulated time at the moment the clock is created, epoch ms. */
  origin: number;
  /** Simulated ms per wall ms, > 0. */
  speed: number;
  /** The wall clock, epoch ms. */
  wallNow: () => number;
}

/** Starts a simulated clock at `origin`, now. */
export function createSimClock({ origin, speed, wallNow }: SimClockOptions): SimClock {
  const wallStart = wallNow();
  let last = Number.NEGATIVE_INFINITY;
  const fast = (wall: number) => origin + (wall - wallStart) * speed;
  const now = () => {
    const wall = wallNow();
    // Monotonic even if the wall clock steps back (NTP), so event times never go backwards.
    last = Math.max(last, Math.floor(Math.min(fast(wall), wall)));
    return last;
  };
  return {
    speed,
    now,
    wallDelayUntil(simTime) {
      if (now() >= simTime) return 0;
      // The first wall instant at which both the fast clock and the wall clock have reached simTime.
      const reachedAt = Math.max(wallStart + (simTime - origin) / speed, simTime);
      return Math.max(0, Math.ceil(reachedAt - wallNow()));
    },
  };
}

/** The start of the minute containing `time`, epoch ms. */
export function floorMinute(time: number): number {
  return Math.floor(time / 60_000) * 60_000;
}
