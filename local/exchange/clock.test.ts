import { describe, expect, it } from 'vitest';
import { createSimClock, floorMinute } from './clock.ts';

/** A wall clock the test moves by hand. */
function fakeWall(start: number) {
  let now = start;
  return { now: () => now, advance: (ms: number) => { now += ms; } };
}

const WALL = Date.UTC(2025, 7, 1, 12, 0, 0);

describe('createSimClock', () => {
  it('starts at its origin and runs speed times faster than the wall clock', () => {
    const wall = fakeWall(WALL);
    const clock = createSimClock({ origin: WALL - 3_600_000, speed: 60, wallNow: wall.now });
    expect(clock.now()).toBe(WALL - 3_600_000);
    wall.advance(1_000);
    expect(clock.now()).toBe(WALL - 3_600_000 + 60_000);
  });

  it('never runs ahead of the wall clock, then keeps real time', () => {
    const wall = fakeWall(WALL);
    const clock = createSimClock({ origin: WALL - 60_000, speed: 600, wallNow: wall.now });
    for (let i = 0; i < 50; i++) {
      wall.advance(37);
      expect(clock.now()).toBeLessThanOrEqual(wall.now());
    }
    expect(clock.now()).toBe(wall.now());
    wall.advance(5_000);
    expect(clock.now()).toBe(wall.now());
  });

  it('runs slower than real time below speed 1', () => {
    const wall = fakeWall(WALL);
    const clock = createSimClock({ origin: WALL, speed: 0.5, wallNow: wall.now });
    wall.advance(10_000);
    expect(clock.now()).toBe(WALL + 5_000);
  });

  it('never goes backwards when the wall clock steps back', () => {
    const wall = fakeWall(WALL);
    const clock = createSimClock({ origin: WALL, speed: 1, wallNow: wall.now });
    wall.advance(10_000);
    const before = clock.now();
    wall.advance(-5_000);
    expect(clock.now()).toBe(before);
  });

  it('tells how many wall ms remain until a simulated time, capped by real time', () => {
    const wall = fakeWall(WALL);
    const clock = createSimClock({ origin: WALL - 600_000, speed: 100, wallNow: wall.now });
    expect(clock.wallDelayUntil(WALL - 600_000 + 50_000)).toBe(500);
    expect(clock.wallDelayUntil(WALL - 600_000)).toBe(0);
    // Catching up with the wall clock takes ~6 s; beyond it the simulated clock keeps real time.
    expect(clock.wallDelayUntil(WALL + 10_000)).toBe(10_000);
  });
});

describe('floorMinute', () => {
  it('gives the open time of the minute containing a time', () => {
    expect(floorMinute(WALL + 59_999)).toBe(WALL);
    expect(floorMinute(WALL + 60_000)).toBe(WALL + 60_000);
  });
});
