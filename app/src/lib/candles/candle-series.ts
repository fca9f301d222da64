// The merge module: candles keyed by open time, kept sorted, where a newer event_time wins and
// out-of-order or duplicate events are harmless. The tail (the live case) costs O(1); anything else
// a binary search plus, for an older missing candle, one splice.
import type { Candle } from './candle.ts';
import { gapBetween, type Gap } from './gaps.ts';

export type MergeOutcome =
  | { kind: 'appended'; index: number; gap: Gap | null; trimmed: number }
  | { kind: 'replaced'; index: number }
  | { kind: 'inserted'; index: number }
  | { kind: 'ignored'; reason: 'older' | 'duplicate' | 'misaligned' };

export interface SeriesOptions {
  /** Candles kept; past this (plus a slack, so trimming is rare) the oldest are dropped. */
  maxLength?: number;
}

/** A sorted, bounded series of candles of one step. */
export class CandleSeries {
  readonly step: number;
  readonly maxLength: number;
  #candles: Candle[] = [];

  constructor(step: number, options: SeriesOptions = {}) {
    this.step = step;
    this.maxLength = options.maxLength ?? 10_000;
  }

  /** A series holding the given candles (any order, duplicates resolved by event time). */
  static from(candles: Iterable<Candle>, step: number, options: SeriesOptions = {}): CandleSeries {
    const series = new CandleSeries(step, options);
    for (const candle of candles) series.upsert(candle);
    return series;
  }

  get length(): number {
    return this.#candles.length;
  }

  at(index: number): Candle | undefined {
    return this.#candles[index];
  }

  first(): Candle | undefined {
    return this.#candles[0];
  }

  last(): Candle | undefined {
    return this.#candles[this.#candles.length - 1];
  }

  /** The candles in [start, end) by index, oldest first (a copy of the array, not of the candles). */
  slice(start: number, end?: number): Candle[] {
    return this.#candles.slice(start, end);
  }

  /** The index of the candle opening at `time`, or -(insertion point) - 1 when there is none. */
  indexOf(time: number): number {
    const candles = this.#candles;
    const lastIndex = candles.length - 1;
    if (lastIndex >= 0 && (candles[lastIndex] as Candle).time === time) return lastIndex;
    let low = 0;
    let high = lastIndex;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const midTime = (candles[mid] as Candle).time;
      if (midTime === time) return mid;
      if (midTime < time) low = mid + 1;
      else high = mid - 1;
    }
    return -low - 1;
  }

  /** The index of the first candle opening at or after `time`. */
  lowerBound(time: number): number {
    const index = this.indexOf(time);
    return index >= 0 ? index : -index - 1;
  }

  /** Merges one candle: appended at the tail, replaced in place if newer, inserted where it belongs. */
  upsert(candle: Candle): MergeOutcome {
    if (candle.time % this.step !== 0) return { kind: 'ignored', reason: 'misaligned' };
    const candles = this.#candles;
    const last = candles[candles.length - 1];
    if (!last || candle.time > last.time) {
      candles.push(candle);
      const gap = last ? gapBetween(last.time, candle.time, this.step) : null;
      const trimmed = this.#trim();
      return { kind: 'appended', index: candles.length - 1, gap, trimmed };
    }
    const index = this.indexOf(candle.time);
    if (index < 0) {
      const at = -index - 1;
      candles.splice(at, 0, candle);
      return { kind: 'inserted', index: at };
    }
    const held = candles[index] as Candle;
    if (candle.eventTime < held.eventTime) return { kind: 'ignored', reason: 'older' };
    if (candle.eventTime === held.eventTime) return { kind: 'ignored', reason: 'duplicate' };
    candles[index] = candle;
    return { kind: 'replaced', index };
  }

  /**
   * Stores a candle whatever its event time: for series whose candles are derived (folded buckets),
   * where the folder has already decided per minute what is newer.
   */
  put(candle: Candle): MergeOutcome {
    const index = this.indexOf(candle.time);
    if (index < 0 || candle.time % this.step !== 0) return this.upsert(candle);
    this.#candles[index] = candle;
    return { kind: 'replaced', index };
  }

  /** Drops the oldest candles once the series is a slack past its bound; returns how many. */
  #trim(): number {
    const slack = Math.max(1, Math.floor(this.maxLength / 10));
    if (this.#candles.length <= this.maxLength + slack) return 0;
    const excess = this.#candles.length - this.maxLength;
    this.#candles.splice(0, excess);
    return excess;
  }
}
