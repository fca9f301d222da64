// Benchmark: events/s through public.ingest_klines in batches of 1, 100 and 1,000 (1 and 100
// symbols), and, in the same run against the same server, the seed's approach: one
// `insert ... on conflict do update` round trip per message.
import type postgres from 'postgres';
import { MINUTE_MS, type KlineEvent } from '../supabase/functions/_shared/kline-event.ts';
import type { BenchContext, Metric } from './metrics.ts';
import { generateStream } from './stream-events.ts';

const UPDATES_PER_MINUTE = 6;

export async function benchIngest(ctx: BenchContext): Promise<Metric[]> {
  const { sql, quick } = ctx;
  const metrics: Metric[] = [];
  const byBatch = new Map<number, number[]>();
  for (const symbols of [1, 100]) {
    for (const batch of [1, 100, 1000]) {
      const count = batch === 1 ? (quick ? 1_000 : 3_000) : quick ? 10_000 : 30_000;
      const eps = await measureBatched(sql, batch, symbols, count);
      byBatch.set(batch, [...(byBatch.get(batch) ?? []), eps]);
      metrics.push({ name: `ingest_batch${batch}_${symbols}sym_eps`, value: eps, unit: 'events/s' });
      ctx.log(`ingest: batch ${batch}, ${symbols} symbol(s): ${Math.round(eps)} events/s`);
    }
  }
  const perMessage = await measurePerMessage(sql, quick ? 1_000 : 3_000);
  ctx.log(`ingest: seed-style per-message upsert: ${Math.round(perMessage)} events/s`);

  // Headline figures are the slower of the 1- and 100-symbol runs: a goal must hold for both.
  for (const [batch, values] of byBatch) {
    metrics.push({
      name: `ingest_batch${batch}_eps`,
      value: Math.min(...values),
      unit: 'events/s',
      ...(batch === 1000 ? { goal: '>= 25000', peer: { name: 'ingest_per_message_eps', value: perMessage } } : {}),
    });
  }
  metrics.push({ name: 'ingest_per_message_eps', value: perMessage, unit: 'events/s' });
  metrics.push({ name: 'ingest_batch1000_vs_per_message', value: Math.min(...byBatch.get(1000)!) / perMessage, unit: 'x', goal: '>= 10' });
  return metrics;
}

async function measureBatched(sql: postgres.Sql, batch: number, symbols: number, count: number): Promise<number> {
  await resetCandles(sql);
  const events = generateStream({ symbols, updatesPerMinute: UPDATES_PER_MINUTE, startMinute: startMinute(count, symbols), prefix: 'B', seed: batch * 1000 + symbols }, count);
  const payloads: string[] = [];
  for (let i = 0; i < events.length; i += batch) payloads.push(JSON.stringify(events.slice(i, i + batch)));
  await sql`select public.ingest_klines(${payloads[0]!}::text::jsonb)`; // warm-up: plan caches, first pages
  const started = performance.now();
  let accepted = 0;
  for (const payload of payloads.slice(1)) {
    const [row] = await sql`select public.ingest_klines(${payload}::text::jsonb) as result`;
    accepted += (row!.result as { accepted: number }).accepted;
  }
  const seconds = (performance.now() - started) / 1000;
  const measured = events.length - Math.min(batch, events.length);
  if (accepted !== measured) throw new Error(`ingest bench: expected ${measured} accepted events, got ${accepted}`);
  return measured / seconds;
}

/** The seed: every message becomes one parameterised upsert and one round trip, no guard, no batching. */
async function measurePerMessage(sql: postgres.Sql, count: number): Promise<number> {
  await resetCandles(sql);
  const events = generateStream({ symbols: 1, updatesPerMinute: UPDATES_PER_MINUTE, startMinute: startMinute(count, 1), prefix: 'S', seed: 7 }, count);
  await upsertOne(sql, events[0]!);
  const started = performance.now();
  for (const event of events.slice(1)) await upsertOne(sql, JSON.parse(JSON.stringify(event)) as KlineEvent);
  return (events.length - 1) / ((performance.now() - started) / 1000);
}

function upsertOne(sql: postgres.Sql, event: KlineEvent) {
  const k = event.k;
  return sql`
    insert into public.live_candles_1m (symbol, "timestamp", "open", high, low, "close", volume, quote_volume, trades, is_closed, event_time)
    values (${k.s}, ${new Date(k.t)}, ${k.o}, ${k.h}, ${k.l}, ${k.c}, ${k.v}, ${k.q}, ${k.n}, ${k.x}, ${new Date(event.E)})
    on conflict (symbol, "timestamp") do update
      set "open" = excluded."open", high = excluded.high, low = excluded.low, "close" = excluded."close",
          volume = excluded.volume, quote_volume = excluded.quote_volume, trades = excluded.trades,
          is_closed = excluded.is_closed, event_time = excluded.event_time`;
}

/** The traffic ends a little before now, so no event is "in the future" and none is rejected. */
function startMinute(count: number, symbols: number): number {
  const minutes = Math.ceil(count / (symbols * UPDATES_PER_MINUTE)) + 2;
  return Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - minutes * MINUTE_MS;
}

async function resetCandles(sql: postgres.Sql): Promise<void> {
  await sql`truncate public.live_candles_1m, public.stream_status, public.ingest_rejects`;
  await sql`vacuum analyze public.live_candles_1m`;
}
