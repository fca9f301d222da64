// Loads 1,440 synthetic candles ending now for a symbol into DATABASE_URL, for trying the dashboard
// by hand: npx tsx app/tests/support/seed-demo.ts [SYMBOL] [source]
import postgres from 'postgres';
import { ingestCandles, syntheticCandles } from './market.ts';

const symbol = process.argv[2] ?? 'BTCUSDT';
const source = process.argv[3] ?? 'binance';
const sql = postgres(process.env.DATABASE_URL ?? 'postgresql://postgres:postgres@127.0.0.1:54322/postgres', { onnotice: () => {} });
try {
  const candles = syntheticCandles(1_440);
  await ingestCandles(sql, symbol, candles, source);
  console.log(`seeded ${candles.length} candles of ${symbol} (source ${source}), last close ${candles.at(-1)?.close}`);
} finally {
  await sql.end();
}
