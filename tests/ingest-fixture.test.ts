// A real week of Binance BTCUSDT candles through public.ingest_klines and back out of get_candles,
// checked against aggregates computed here from the dump itself.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildKlineEvent, type KlineEvent } from '../supabase/functions/_shared/kline-event.ts';
import { connectTestDatabase, describeWithDatabase } from './support/database.ts';
import { parseDecimal, rescale } from '../local/decimal.ts';
import { describeWithBinanceWeek, readBinanceWeek, type DumpRow } from './support/fixtures.ts';

// Its own symbol, so this file shares the test database with others without interference.
const SYMBOL = 'FIXTUREWEEK';

describeWithDatabase('ingest_klines with a real week of Binance candles', () => {
  describeWithBinanceWeek('replaying BTCUSDT-1m-2025-08-01_07.csv', () => {
    const sql = connectTestDatabase();
    let rows: DumpRow[] = [];
    let events: KlineEvent[] = [];
    let firstPass = { accepted: 0, stale: 0, rejected: 0 };

    beforeAll(async () => {
      rows = readBinanceWeek();
      events = rows.map(closedEvent);
      firstPass = await ingestInBatches(sql, events, 1000);
    });
    afterAll(() => sql.end());

    it('accepts all 10,080 closed candles and rejects none', () => {
      expect(rows).toHaveLength(10_080);
      expect(firstPass).toEqual({ accepted: 10_080, stale: 0, rejected: 0 });
    });

    it('counts a second replay of the same events as stale, changing nothing', async () => {
      const [before] = await sql`select max(ingested_at) as at from public.live_candles_1m where symbol = ${SYMBOL}`;
      expect(await ingestInBatches(sql, events, 1000)).toEqual({ accepted: 0, stale: 10_080, rejected: 0 });
      const [after] = await sql`select max(ingested_at) as at from public.live_candles_1m where symbol = ${SYMBOL}`;
      expect(after!.at).toEqual(before!.at);
    });

    it('aggregates every hour of 2025-08-03 exactly as the dump adds up', async () => {
      const day = Date.UTC(2025, 7, 3);
      const got = await sql`
        select extract(epoch from "timestamp") * 1000 as open_time, "open"::text, high::text, low::text, "close"::text,
               volume::text, quote_volume::text, trades::int, is_closed
        from public.get_candles(${SYMBOL}, '1h', ${new Date(day)}, 24)`;
      expect(got).toHaveLength(24);
      got.forEach((bucket, hour) => {
        const minutes = rows.filter((r) => r.openTime >= day + hour * 3_600_000 && r.openTime < day + (hour + 1) * 3_600_000);
        expect(minutes).toHaveLength(60);
        expect(Number(bucket.open_time)).toBe(day + hour * 3_600_000);
        expect(toScaled(bucket.open)).toBe(toScaled(minutes[0]!.open));
        expect(toScaled(bucket.close)).toBe(toScaled(minutes.at(-1)!.close));
        expect(toScaled(bucket.high)).toBe(maxScaled(minutes.map((m) => m.high)));
        expect(toScaled(bucket.low)).toBe(minScaled(minutes.map((m) => m.low)));
        expect(toScaled(bucket.volume)).toBe(sumDecimals(minutes.map((m) => m.volume)));
        expect(toScaled(bucket.quote_volume)).toBe(sumDecimals(minutes.map((m) => m.quoteVolume)));
        expect(bucket.trades).toBe(minutes.reduce((n, m) => n + m.trades, 0));
        expect(bucket.is_closed).toBe(true);
      });
    });

    it('returns the week as seven closed UTC days, oldest first', async () => {
      const days = await sql`select "timestamp", is_closed from public.get_candles(${SYMBOL}, '1d', null, 30)`;
      expect(days.map((d) => (d.timestamp as Date).toISOString())).toEqual(
        [1, 2, 3, 4, 5, 6, 7].map((d) => `2025-08-0${d}T00:00:00.000Z`),
      );
      expect(days.every((d) => d.is_closed)).toBe(true);
    });

    it('returns the latest 1,440 minutes by default, ending at the last candle', async () => {
      const latest = await sql`select "timestamp" from public.get_candles(${SYMBOL})`;
      expect(latest).toHaveLength(1440);
      expect((latest.at(-1)!.timestamp as Date).getTime()).toBe(rows.at(-1)!.openTime);
      expect((latest[0]!.timestamp as Date).getTime()).toBe(rows.at(-1440)!.openTime);
    });
  });
});

function closedEvent(row: DumpRow): KlineEvent {
  return buildKlineEvent({
    symbol: SYMBOL, openTime: row.openTime, eventTime: row.closeTime, open: row.open, high: row.high, low: row.low,
    close: row.close, volume: row.volume, quoteVolume: row.quoteVolume, trades: row.trades, closed: true,
  });
}

async function ingestInBatches(sql: ReturnType<typeof connectTestDatabase>, events: KlineEvent[], size: number) {
  const total = { accepted: 0, stale: 0, rejected: 0 };
  for (let i = 0; i < events.length; i += size) {
    const [row] = await sql`select public.ingest_klines(${sql.json(events.slice(i, i + size) as never)}) as result`;
    const result = row!.result as typeof total;
    total.accepted += result.accepted;
    total.stale += result.stale;
    total.rejected += result.rejected;
  }
  return total;
}

/** Exact comparison with Postgres numeric: every value at 18 decimals (more would throw, never round). */
const SCALE = 18;

function toScaled(value: string): bigint {
  return rescale(parseDecimal(value), SCALE);
}

function sumDecimals(values: string[]): bigint {
  return values.reduce((sum, value) => sum + toScaled(value), 0n);
}

function maxScaled(values: string[]): bigint {
  return values.map(toScaled).reduce((a, b) => (b > a ? b : a));
}

function minScaled(values: string[]): bigint {
  return values.map(toScaled).reduce((a, b) => (b < a ? b : a));
}
