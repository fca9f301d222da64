// What the page draws, kept consistent as live minutes arrive: the 1m series (merge module) and, for
// a larger interval, the bucket series that live minutes are folded into. Pure, so it is tested alone.
import { BucketFolder } from '../candles/bucket-folder.ts';
import { MINUTE_MS, stepOf, type Candle, type Interval } from '../candles/candle.ts';
import { CandleSeries, type MergeOutcome } from '../candles/candle-series.ts';
import type { Gap } from '../candles/gaps.ts';

export interface MinuteResult {
  /** What changed in the drawn series. */
  outcome: MergeOutcome;
  /** Minutes missing before this one: fetch them. */
  gap: Gap | null;
  /** A minute newer than any held: above 1m the 24 h reference has moved on (see reference24hSince). */
  newMinute: boolean;
}

const DAY_MS = 24 * 60 * MINUTE_MS;

export class MarketView {
  readonly interval: Interval;
  readonly minutes: CandleSeries;
  /** The drawn series: the 1m series itself, or the buckets of the interval. */
  readonly drawn: CandleSeries;
  readonly #folder: BucketFolder | null;
  #reference24h: number | null;

  /**
   * `reference24h`: the open of the minute 24 h before the newest one, for intervals above 1m (whose
   * buckets are too coarse to find it), kept current with setReference24h as minutes arrive; at 1m it
   * is read from the minutes, rolling with them.
   */
  constructor(interval: Interval, drawnCandles: Iterable<Candle>, minuteCandles: Iterable<Candle> = [], reference24h: number | null = null) {
    this.interval = interval;
    this.#reference24h = reference24h;
    if (interval === '1m') {
      this.minutes = CandleSeries.from(drawnCandles, MINUTE_MS);
      this.drawn = this.minutes;
      this.#folder = null;
      return;
    }
    const step = stepOf(interval);
    this.minutes = CandleSeries.from(minuteCandles, MINUTE_MS, { maxLength: 600 });
    this.drawn = CandleSeries.from(drawnCandles, step);
    const minutes = this.minutes;
    this.#folder = new BucketFolder(step, {
      seed: (time, bucketStep) => minutes.slice(minutes.lowerBound(time), minutes.lowerBound(time + bucketStep)),
    });
  }

  /** Merges one live 1m candle and folds it into its bucket. */
  applyMinute(candle: Candle): MinuteResult {
    const merged = this.minutes.upsert(candle);
    const gap = merged.kind === 'appended' ? merged.gap : null;
    const newMinute = merged.kind === 'appended';
    if (!this.#folder || merged.kind === 'ignored') return { outcome: merged, gap, newMinute };
    const bucket = this.#folder.fold(candle);
    return { outcome: bucket ? this.drawn.put(bucket) : { kind: 'ignored', reason: 'duplicate' }, gap, newMinute };
  }

  /**
   * Above 1m: where the 24 h reference minute starts now (the first stored minute at or after it is
   * the reference, as the server reads it); null at 1m, which needs no fetch, or with no minute held.
   */
  reference24hSince(): number | null {
    const last = this.lastMinuteTime();
    return this.interval === '1m' || last === null ? null : last + MINUTE_MS - DAY_MS;
  }

  /** The open of the minute reference24hSince() points at, fetched for the newest minute. */
  setReference24h(open: number | null): void {
    this.#reference24h = open;
  }

  /** The open time of the newest minute held: where a backfill starts. */
  lastMinuteTime(): number | null {
    return this.minutes.last()?.time ?? this.drawn.last()?.time ?? null;
  }

  /** The newest exchange event time held. */
  lastEventTime(): number | null {
    const a = this.minutes.last()?.eventTime ?? null;
    const b = this.drawn.last()?.eventTime ?? null;
    return a === null ? b : b === null ? a : Math.max(a, b);
  }

  /** Last close against the open 24 h before the last candle, or null without 24 h of history. */
  change24h(): { ratio: number; from: number } | null {
    const last = this.drawn.last();
    if (this.interval !== '1m') {
      const from = this.#reference24h;
      return last && from !== null && from > 0 ? { ratio: last.close / from - 1, from } : null;
    }
    const series = this.minutes;
    const first = series.first();
    if (!last || !first) return null;
    const since = last.time + series.step - DAY_MS;
    if (first.time > since) return null;
    const reference = series.at(series.lowerBound(since));
    if (!reference || reference.open <= 0) return null;
    return { ratio: last.close / reference.open - 1, from: reference.open };
  }
}
