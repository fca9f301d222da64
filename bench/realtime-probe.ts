// Benchmark probe: the unmodified supabase-js client in its own process, subscribed last, timing each
// change from its commit (the row's ingested_at, set by the writing transaction) to this callback.
// Prints "ready" once SUBSCRIBED, then on SIGTERM one line of JSON: the latencies in ms.
import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';

const { url, anonKey, symbol } = JSON.parse(process.argv[2] ?? '{}') as { url: string; anonKey: string; symbol: string };
const latencies: number[] = [];
const client = createClient(url, anonKey, { realtime: { transport: WebSocket as never } });

client
  .channel('probe')
  .on('postgres_changes', { event: '*', schema: 'public', table: 'live_candles_1m', filter: `symbol=eq.${symbol}` }, (payload) => {
    const arrived = Date.now();
    const committed = Date.parse(String((payload.new as { ingested_at?: string }).ingested_at));
    if (Number.isFinite(committed)) latencies.push(arrived - committed);
  })
  .subscribe((status) => {
    if (status === 'SUBSCRIBED') console.log('ready');
  });

process.once('SIGTERM', () => {
  console.log(JSON.stringify(latencies));
  process.exit(0);
});
