// The ingestion path end to end, all real: the exchange simulator, the exchange-stream Edge Function
// under Deno behind the local gateway, Postgres with ingest_klines; and the watchdog through pg_cron
// and the local pg_net worker.
import { afterAll, expect, it } from 'vitest';
import { startNetWorker } from '../local/net-worker.ts';
import { connectTestDatabase, describeWithDatabase, testDatabaseUrl } from './support/database.ts';
import { compareWithSimulator, forgetSymbol, startIngestionStack } from './support/ingestion-stack.ts';

describeWithDatabase('ingestion end to end (simulator → Deno Edge Function → ingest_klines)', () => {
  const sql = connectTestDatabase();
  afterAll(() => sql.end());

  it('ten simulated minutes at high speed land in the table exactly as the simulator emitted them', async () => {
    await forgetSymbol(sql, 'E2ETENMIN');
    const stack = await startIngestionStack({
      databaseUrl: testDatabaseUrl!, simulator: { symbols: ['E2ETENMIN'], speed: 120, seed: 11 }, budgetSeconds: 8, streamName: 'e2e-ten-minutes',
    });
    try {
      const { status, body } = await stack.invoke();
      expect(status).toBe(200);
      expect(body).toMatchObject({ status: 'completed', rejected: 0 });
      const { compared, differences } = await compareWithSimulator(sql, stack.simulator, 'E2ETENMIN');
      expect(differences).toEqual([]);
      expect(compared).toBeGreaterThanOrEqual(10);
    } finally {
      await stack.stop();
    }
  }, 90_000);

  it('loses no candle when the exchange drops the connection five times at random points', async () => {
    await forgetSymbol(sql, 'E2EDROPS');
    const stack = await startIngestionStack({
      databaseUrl: testDatabaseUrl!, simulator: { symbols: ['E2EDROPS'], speed: 60, seed: 12 }, budgetSeconds: 14, streamName: 'e2e-drops',
    });
    try {
      const invocation = stack.invoke();
      for (let drop = 0; drop < 5; drop++) {
        await sleep(1_000 + Math.random() * 1_000);
        stack.simulator.faults.dropConnections();
      }
      const { status, body } = await invocation;
      expect(status).toBe(200);
      expect(body.reconnects).toBeGreaterThanOrEqual(5);
      const { compared, differences } = await compareWithSimulator(sql, stack.simulator, 'E2EDROPS');
      expect(differences).toEqual([]);
      expect(compared).toBeGreaterThanOrEqual(10);
    } finally {
      await stack.stop();
    }
  }, 90_000);

  it('counts malformed frames as rejected and duplicated or reordered ones as stale, the table still exact', async () => {
    await forgetSymbol(sql, 'E2EFAULTS');
    const stack = await startIngestionStack({
      databaseUrl: testDatabaseUrl!, simulator: { symbols: ['E2EFAULTS'], speed: 60, seed: 13 }, budgetSeconds: 8, streamName: 'e2e-faults',
    });
    try {
      const invocation = stack.invoke();
      await sleep(2_000);
      for (let i = 0; i < 3; i++) stack.simulator.faults.sendMalformed();
      stack.simulator.faults.duplicateNext(5);
      await sleep(500);
      stack.simulator.faults.reorderNext(3);
      const { status, body } = await invocation;
      expect(status).toBe(200);
      expect(body.malformed).toBe(3);
      expect(body.rejected).toBe(3);
      expect(body.stale).toBeGreaterThanOrEqual(5);
      const rejects = await sql`
        select reason, event from public.ingest_rejects
        where source = 'simulated' and reason = 'not_an_object' and received_at > now() - interval '1 minute'`;
      expect(rejects.filter((r) => typeof r.event === 'string').length).toBeGreaterThanOrEqual(3);
      const { differences } = await compareWithSimulator(sql, stack.simulator, 'E2EFAULTS');
      expect(differences).toEqual([]);
    } finally {
      await stack.stop();
    }
  }, 90_000);

  it('lets exactly one of two concurrent invocations write; the other answers already-running', async () => {
    await forgetSymbol(sql, 'E2ETWICE');
    const stack = await startIngestionStack({
      databaseUrl: testDatabaseUrl!, simulator: { symbols: ['E2ETWICE'], speed: 10, seed: 14 }, budgetSeconds: 4, streamName: 'e2e-twice',
    });
    try {
      const answers = await Promise.all([stack.invoke(), stack.invoke()]);
      const statuses = answers.map((a) => a.body.status).sort();
      expect(statuses).toEqual(['already-running', 'completed']);
      expect(answers.every((a) => a.status === 200)).toBe(true);
    } finally {
      await stack.stop();
    }
  }, 60_000);

  it('refuses an invocation without the service role key', async () => {
    await forgetSymbol(sql, 'E2EAUTH');
    const stack = await startIngestionStack({
      databaseUrl: testDatabaseUrl!, simulator: { symbols: ['E2EAUTH'], speed: 1, seed: 15 }, budgetSeconds: 2, streamName: 'e2e-auth',
    });
    try {
      const { status, body } = await stack.invoke('not-the-service-role-key');
      expect(status).toBe(401);
      expect(body.error).toBe('unauthorized');
    } finally {
      await stack.stop();
    }
  }, 60_000);

  it('hands the stream to the next invocation at the end of each budget, with no pause in the writes', async () => {
    await forgetSymbol(sql, 'E2EHANDOFF');
    const stack = await startIngestionStack({
      databaseUrl: testDatabaseUrl!, simulator: { symbols: ['E2EHANDOFF'], speed: 1, seed: 17 }, budgetSeconds: 8, streamName: 'e2e-handoff', handOff: true,
    });
    try {
      const first = await stack.invoke();
      expect(first.body).toMatchObject({ status: 'completed' });
      // Two more budgets' worth: each session hands off to the next as it ends.
      const holders = new Set<string>([String(first.body.holder)]);
      let worstAgeMs = 0;
      const until = Date.now() + 18_000;
      while (Date.now() < until) {
        const [row] = await sql`
          select (extract(epoch from now() - s.last_accepted_at) * 1000)::int as age_ms, l.holder
          from public.stream_status s left join public.stream_leases l on l.stream = 'e2e-handoff'
          where s.symbol = 'E2EHANDOFF'`;
        worstAgeMs = Math.max(worstAgeMs, Number(row?.age_ms ?? Infinity));
        if (row?.holder) holders.add(String(row.holder));
        await sleep(200);
      }
      console.info(`hand-off: ${holders.size} holders, writes never older than ${worstAgeMs} ms`);
      expect(holders.size).toBeGreaterThanOrEqual(3);
      // The simulator emits once a second and a batch waits up to 250 ms: a hand-off adds about a second.
      expect(worstAgeMs).toBeLessThan(3_000);
      const { differences } = await compareWithSimulator(sql, stack.simulator, 'E2EHANDOFF');
      expect(differences).toEqual([]);
    } finally {
      await stack.stop();
    }
  }, 60_000);

  it('the pg_cron watchdog revives a stream with no writer: its request reaches the function through the pg_net worker', async () => {
    await forgetSymbol(sql, 'E2EWATCHDOG');
    const stack = await startIngestionStack({
      databaseUrl: testDatabaseUrl!, simulator: { symbols: ['E2EWATCHDOG'], speed: 1, seed: 16 }, budgetSeconds: 20, streamName: 'e2e-watchdog',
    });
    const worker = await startNetWorker({ databaseUrl: testDatabaseUrl!, log: () => {} });
    try {
      await sql`select private.set_setting('stream_name', 'e2e-watchdog')`;
      await sql`select private.set_setting('service_role_key', ${stack.serviceRoleKey})`;
      await sql`select private.set_setting('exchange_stream_url', ${`${stack.gateway.url}/functions/v1/exchange-stream`})`;
      const deadline = Date.now() + 150_000;
      let candles = 0;
      while (Date.now() < deadline && candles === 0) {
        await sleep(2_000);
        [{ candles }] = (await sql`select count(*)::int as candles from public.live_candles_1m where symbol = 'E2EWATCHDOG'`) as unknown as [{ candles: number }];
      }
      expect(candles).toBeGreaterThan(0);
      const [decision] = await sql`select decision, request_id from private.watchdog_log where decision = 'invoked' order by id desc limit 1`;
      expect(decision?.request_id).toBeTruthy();
    } finally {
      await sql`delete from private.settings where key in ('exchange_stream_url', 'service_role_key')`;
      await sql`select private.set_setting('stream_name', 'exchange-stream')`;
      await worker.stop();
      await stack.stop();
    }
  }, 200_000);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
