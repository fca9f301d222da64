import { describe, expect, it } from 'vitest';
import { MINUTE_MS } from './candle.ts';
import { BucketFolder } from './bucket-folder.ts';
import { candleAt, T0 } from './test-candles.ts';

const FIVE = 5 * MINUTE_MS;

describe('BucketFolder.fold', () => {
  it('takes open from the first minute, close from the last, extremes and sums across minutes', () => {
    const folder = new BucketFolder(FIVE);
    folder.fold(candleAt(0, { open: 100, high: 120, low: 95, close: 110, volume: 2, trades: 3 }));
    folder.fold(candleAt(2, { open: 110, high: 115, low: 80, close: 90, volume: 1.5, trades: 4 }));
    const bucket = folder.fold(candleAt(1, { open: 110, high: 130, low: 105, close: 112, volume: 0.5, trades: 1 }));
    expect(bucket).toMatchObject({ time: T0, open: 100, high: 130, low: 80, close: 90, volume: 4, trades: 8, closed: false });
  });

  it('replaces a minute’s old contribution when that minute updates again', () => {
    const folder = new BucketFolder(FIVE);
    folder.fold(candleAt(0, { volume: 2, trades: 5 }));
    folder.fold(candleAt(1, { volume: 1, trades: 1, eventTime: T0 + MINUTE_MS + 1 }));
    folder.fold(candleAt(1, { volume: 3, trades: 4, eventTime: T0 + MINUTE_MS + 2 }));
    const bucket = folder.fold(candleAt(1, { volume: 4, trades: 6, high: 150, eventTime: T0 + MINUTE_MS + 3 }));
    expect(bucket).toMatchObject({ volume: 6, trades: 11, high: 150 });
  });

  it('lowers the high again when the minute that held it is corrected downwards', () => {
    const folder = new BucketFolder(FIVE);
    folder.fold(candleAt(0, { high: 110 }));
    folder.fold(candleAt(1, { high: 200, eventTime: T0 + MINUTE_MS + 1 }));
    expect(folder.fold(candleAt(1, { high: 120, eventTime: T0 + MINUTE_MS + 2 }))?.high).toBe(120);
  });

  it('ignores an older or duplicate update of a minute', () => {
    const folder = new BucketFolder(FIVE);
    folder.fold(candleAt(0, { volume: 5, eventTime: T0 + 9 }));
    expect(folder.fold(candleAt(0, { volume: 1, eventTime: T0 + 8 }))).toBeNull();
    expect(folder.fold(candleAt(0, { volume: 5, eventTime: T0 + 9 }))).toBeNull();
    expect(folder.bucket(T0)?.volume).toBe(5);
  });

  it('starts a new bucket at the boundary and still folds a late minute into the previous one', () => {
    const folder = new BucketFolder(FIVE);
    folder.fold(candleAt(3, { volume: 1 }));
    expect(folder.fold(candleAt(5, { volume: 7 }))).toMatchObject({ time: T0 + FIVE, volume: 7 });
    const late = folder.fold(candleAt(4, { volume: 2, closed: true, eventTime: T0 + FIVE - 1 }));
    expect(late).toMatchObject({ time: T0, volume: 3 });
  });

  it('closes a bucket only when its last minute is closed and every minute is', () => {
    const folder = new BucketFolder(FIVE);
    for (let m = 0; m < 4; m++) folder.fold(candleAt(m, { closed: true }));
    expect(folder.fold(candleAt(4, { closed: false }))?.closed).toBe(false);
    expect(folder.fold(candleAt(4, { closed: true, eventTime: T0 + FIVE - 1 }))?.closed).toBe(true);
  });

  it('seeds a new bucket from the minutes already known, so a live minute does not erase them', () => {
    const known = [candleAt(0, { open: 90, volume: 2 }), candleAt(1, { volume: 3 })];
    const folder = new BucketFolder(FIVE, { seed: (time, step) => known.filter((c) => c.time >= time && c.time < time + step) });
    const bucket = folder.fold(candleAt(2, { close: 101, volume: 1 }));
    expect(bucket).toMatchObject({ open: 90, close: 101, volume: 6 });
  });

  it('keeps a bounded number of buckets', () => {
    const folder = new BucketFolder(FIVE, { keep: 2 });
    for (let b = 0; b < 5; b++) folder.fold(candleAt(b * 5));
    expect(folder.bucket(T0)).toBeNull();
    expect(folder.bucket(T0 + 4 * FIVE)).not.toBeNull();
  });
});
