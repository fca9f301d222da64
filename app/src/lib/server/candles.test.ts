import { afterAll, beforeAll, expect, it } from 'vitest';
import { readCandles, readFeedStatus, readFoldingMinutes, readOpen24hAgo, readSymbols } from './candles.ts';
import { connectReadOnly } from './db.ts';
import { connectAsOwner, describeWithDatabase, ingest, klineEvent, removeSymbol, testDatabaseUrl } from './test-database.ts';

const SYMBOL = `ZZ${process.pid}`;
const MINUTE = 60_000;
const T0 = Math.floor((Date.now() - 3 * 3_600_000) / 3_600_000) * 3_600_000;

describeWithDatabase('server reads', () => {
  const owner = connectAsOwner();
  const sql = connectReadOnly(testDatabaseUrl ?? '');

  beforeAll(async () => {
    const events = Array.from({ length: 12 }, (_, m) => klineEvent(SYMBOL, T0 + m * MINUTE, 100 + m, { closed: m < 11 }));
    events.splice(5, 1); // minute 5 is missing
    await ingest(owner, events, 'simulated');
  });

  afterAll(async () => {
    await removeSymbol(owner, SYMBOL);
    await Promise.all([owner.end(), sql.end()]);
  });

  it('reads the latest candles oldest first, as numbers', async () => {
    const candles = await readCandles(sql, { symbol: SYMBOL, interval: '1m', since: null, limit: 3 });
    expect(candles.map((c) => c.time)).toEqual([T0 + 9 * MINUTE, T0 + 10 * MINUTE, T0 + 11 * MINUTE]);
    expect(candles[2]).toMatchObject({ close: 111, high: 113, low: 108, volume: 1.5, trades: 12, closed: false, eventTime: T0 + 11 * MINUTE + 30_000 });
  });

  it('reads from a time onward for a backfill', async () => {
    const candles = await readCandles(sql, { symbol: SYMBOL, interval: '1m', since: T0 + 9 * MINUTE, limit: 1440 });
    expect(candles).toHaveLength(3);
  });

  it('aggregates intervals in the database', async () => {
    const [first] = await readCandles(sql, { symbol: SYMBOL, interval: '5m', since: T0, limit: 1 });
    expect(first).toMatchObject({ time: T0, open: 99, close: 104, volume: 7.5, closed: true });
  });

  it('reads the minutes of the current and previous bucket for folding', async () => {
    const minutes = await readFoldingMinutes(sql, SYMBOL, '5m');
    expect(minutes.map((c) => (c.time - T0) / MINUTE)).toEqual([6, 7, 8, 9, 10, 11]);
  });

  it('reads the open 24 h before the newest minute (the oldest held here)', async () => {
    expect(await readOpen24hAgo(sql, SYMBOL)).toBe(99);
    expect(await readOpen24hAgo(sql, 'ZZNONE')).toBeNull();
  });

  it('lists the symbol and its feed source', async () => {
    expect(await readSymbols(sql)).toContain(SYMBOL);
    expect(await readFeedStatus(sql, SYMBOL)).toMatchObject({ source: 'simulated' });
    expect(await readFeedStatus(sql, 'ZZNONE')).toBeNull();
  });
});
