// Bucket folding: live 1-minute candles folded into the 5m/15m/1h candle that holds them. Each minute's
// latest version is kept as its contribution, so a repeated update of a minute replaces what it added
// before instead of adding to it; the bucket is then re-derived from at most step/1m contributions.
import { bucketStart, MINUTE_MS, type Candle } from './candle.ts';

/** Supplies the 1m candles already known for a bucket the folder has not seen yet. */
export type BucketSeed = (bucketTime: number, step: number) => Iterable<Candle>;

export interface FolderOptions {
  /** Buckets whose contributions are kept (the current one and a few before it, for late events). */
  keep?: number;
  seed?: BucketSeed;
}

interface BucketState {
  time: number;
  minutes: Map<number, Candle>;
}

/** Folds 1m candles into buckets of `step` ms (a multiple of a minute). */
export class BucketFolder {
  readonly step: number;
  readonly #keep: number;
  readonly #seed: BucketSeed;
  readonly #buckets = new Map<number, BucketState>();

  constructor(step: number, options: FolderOptions = {}) {
    if (step % MINUTE_MS !== 0 || step <= 0) throw new RangeError(`bucket step must be whole minutes, got ${step} ms`);
    this.step = step;
    this.#keep = options.keep ?? 3;
    this.#seed = options.seed ?? (() => []);
  }

  /** Folds one minute; returns the bucket candle it changed, or null when the minute changed nothing. */
  fold(minute: Candle): Candle | null {
    const time = bucketStart(minute.time, this.step);
    const created = !this.#buckets.has(time);
    const bucket = this.#bucketFor(time);
    // A bucket just seeded may already hold this minute (the seed read it): it still changed the view.
    if (!applyMinute(bucket, minute) && !created) return null;
    return aggregate(bucket, this.step);
  }

  /** The bucket candle as folded so far, if the folder holds that bucket. */
  bucket(time: number): Candle | null {
    const bucket = this.#buckets.get(time);
    return bucket && bucket.minutes.size > 0 ? aggregate(bucket, this.step) : null;
  }

  #bucketFor(time: number): BucketState {
    let bucket = this.#buckets.get(time);
    if (bucket) return bucket;
    bucket = { time, minutes: new Map() };
    for (const minute of this.#seed(time, this.step)) applyMinute(bucket, minute);
    this.#buckets.set(time, bucket);
    this.#evict();
    return bucket;
  }

  /** Keeps only the newest `keep` buckets: older ones no longer receive live minutes. */
  #evict(): void {
    if (this.#buckets.size <= this.#keep) return;
    const times = [...this.#buckets.keys()].sort((a, b) => a - b);
    for (const time of times.slice(0, times.length - this.#keep)) this.#buckets.delete(time);
  }
}

/** Stores a minute's contribution if it is newer than the one held; reports whether it changed. */
function applyMinute(bucket: BucketState, minute: Candle): boolean {
  if (bucketStart(minute.time, MINUTE_MS) !== minute.time) return false;
  const held = bucket.minutes.get(minute.time);
  if (held && held.eventTime >= minute.eventTime) return false;
  bucket.minutes.set(minute.time, minute);
  return true;
}

/** open = first minute's open, close = last minute's close, extremes and sums over the minutes. */
function aggregate(bucket: BucketState, step: number): Candle {
  let first: Candle | undefined;
  let last: Candle | undefined;
  let high = -Infinity;
  let low = Infinity;
  let volume = 0;
  let trades = 0;
  let eventTime = 0;
  let allClosed = true;
  for (const minute of bucket.minutes.values()) {
    if (!first || minute.time < first.time) first = minute;
    if (!last || minute.time > last.time) last = minute;
    if (minute.high > high) high = minute.high;
    if (minute.low < low) low = minute.low;
    volume += minute.volume;
    trades += minute.trades;
    if (minute.eventTime > eventTime) eventTime = minute.eventTime;
    allClosed &&= minute.closed;
  }
  const lastMinute = bucket.time + step - MINUTE_MS;
  return {
    time: bucket.time,
    open: (first as Candle).open,
    high,
    low,
    close: (last as Candle).close,
    volume,
    trades,
    closed: allClosed && (last as Candle).time === lastMinute,
    eventTime,
  };
}
