-- Privileges and RLS: anon and authenticated read candles and status and nothing else; only
-- service_role ingests; nobody writes the tables directly.
begin;
create extension if not exists pgtap with schema extensions;
select plan(84);

-- pg_temp.kline(...): a Binance kline event as the exchange sends it.
\ir ../helpers/kline.psql

set local candlestream.source = 'simulated';

-- as postgres: one candle for the readers, one reject they must not see
select is(
  public.ingest_klines(pg_temp.kline('READUSDT', '2024-02-03 04:05:00+00', '2024-02-03 04:05:30+00', 42000, 42100, 41900, 42050)),
  '{"accepted": 1, "stale": 0, "rejected": 0}',
  'The readers'' candle is ingested.'
);
select is(
  public.ingest_klines('[{"e": "kline", "s": "READUSDT", "note": "secret operator detail"}]'),
  '{"accepted": 0, "stale": 0, "rejected": 1}',
  'An event the readers must not see is rejected.'
);

-- row level security
select ok((select relrowsecurity from pg_class where oid = 'public.live_candles_1m'::regclass), 'RLS is enabled on live_candles_1m.');
select ok((select relrowsecurity from pg_class where oid = 'public.ingest_rejects'::regclass), 'RLS is enabled on ingest_rejects.');
select ok((select relrowsecurity from pg_class where oid = 'public.stream_status'::regclass), 'RLS is enabled on stream_status.');
select ok((select relrowsecurity from pg_class where oid = 'public.stream_leases'::regclass), 'RLS is enabled on stream_leases.');
select ok((select relrowsecurity from pg_class where oid = 'private.settings'::regclass), 'RLS is enabled on private.settings.');
select ok((select relrowsecurity from pg_class where oid = 'private.watchdog_log'::regclass), 'RLS is enabled on private.watchdog_log.');
select is_empty(
  $$select relname from pg_class
     where relnamespace in ('public'::regnamespace, 'private'::regnamespace)
       and relkind in ('r', 'p') and not relrowsecurity$$,
  'No table in public or private is left without RLS.'
);
select policies_are('public', 'live_candles_1m', array['Candles are readable by everyone'],
  'Candles have only the read policy.');
select policies_are('public', 'stream_status', array['Stream status is readable by everyone'],
  'Stream status has only the read policy.');
select policies_are('public', 'ingest_rejects', array[]::name[],
  'Ingest rejects have no policy, so no API role sees a row.');

-- table grants
select table_privs_are('public', 'live_candles_1m', 'anon', array['SELECT'], 'anon may only select candles.');
select table_privs_are('public', 'live_candles_1m', 'authenticated', array['SELECT'], 'authenticated may only select candles.');
select table_privs_are('public', 'live_candles_1m', 'service_role', array['SELECT'], 'service_role may only select candles (writes go through ingest_klines).');
select table_privs_are('public', 'stream_status', 'anon', array['SELECT'], 'anon may only select stream status.');
select table_privs_are('public', 'stream_status', 'authenticated', array['SELECT'], 'authenticated may only select stream status.');
select table_privs_are('public', 'stream_status', 'service_role', array['SELECT'], 'service_role may only select stream status.');
select table_privs_are('public', 'ingest_rejects', 'anon', array[]::text[], 'anon has no privilege on ingest rejects.');
select table_privs_are('public', 'ingest_rejects', 'authenticated', array[]::text[], 'authenticated has no privilege on ingest rejects.');
select table_privs_are('public', 'ingest_rejects', 'service_role', array['SELECT'], 'service_role may only select ingest rejects.');
select table_privs_are('public', 'stream_leases', 'anon', array[]::text[], 'anon has no privilege on stream leases.');
select table_privs_are('public', 'stream_leases', 'authenticated', array[]::text[], 'authenticated has no privilege on stream leases.');
select table_privs_are('public', 'stream_leases', 'service_role', array['SELECT'], 'service_role may only select stream leases.');

-- function grants
select function_privs_are('public', 'ingest_klines', array['jsonb'], 'anon', array[]::text[], 'anon may not execute ingest_klines.');
select function_privs_are('public', 'ingest_klines', array['jsonb'], 'authenticated', array[]::text[], 'authenticated may not execute ingest_klines.');
select function_privs_are('public', 'ingest_klines', array['jsonb'], 'service_role', array['EXECUTE'], 'service_role may execute ingest_klines.');
select function_privs_are('public', 'get_candles', array['text', 'text', 'timestamp with time zone', 'integer'], 'anon', array['EXECUTE'], 'anon may execute get_candles.');
select function_privs_are('public', 'get_candles', array['text', 'text', 'timestamp with time zone', 'integer'], 'authenticated', array['EXECUTE'], 'authenticated may execute get_candles.');
select function_privs_are('public', 'claim_stream_lease', array['text', 'text', 'interval'], 'anon', array[]::text[], 'anon may not execute claim_stream_lease.');
select function_privs_are('public', 'claim_stream_lease', array['text', 'text', 'interval'], 'authenticated', array[]::text[], 'authenticated may not execute claim_stream_lease.');
select function_privs_are('public', 'claim_stream_lease', array['text', 'text', 'interval'], 'service_role', array['EXECUTE'], 'service_role may execute claim_stream_lease.');
select function_privs_are('public', 'release_stream_lease', array['text', 'text'], 'anon', array[]::text[], 'anon may not execute release_stream_lease.');
select function_privs_are('public', 'release_stream_lease', array['text', 'text'], 'authenticated', array[]::text[], 'authenticated may not execute release_stream_lease.');
select function_privs_are('public', 'release_stream_lease', array['text', 'text'], 'service_role', array['EXECUTE'], 'service_role may execute release_stream_lease.');

-- as anon
set local role anon;
set local request.jwt.claims = '{"role": "anon"}';

select results_eq(
  $$select symbol, "timestamp", "close" from public.live_candles_1m where symbol = 'READUSDT'$$,
  $$values ('READUSDT', timestamptz '2024-02-03 04:05:00+00', 42050::numeric)$$,
  'anon sees the stored candle.'
);
select results_eq(
  $$select "timestamp", "open", high, low, "close" from public.get_candles('READUSDT', '1m', '2024-02-03 04:05:00+00', 1)$$,
  $$values (timestamptz '2024-02-03 04:05:00+00', 42000::numeric, 42100::numeric, 41900::numeric, 42050::numeric)$$,
  'anon reads the candle through get_candles.'
);
select isnt_empty(
  $$select 1 from public.stream_status where source = 'simulated' and symbol = 'READUSDT'$$,
  'anon sees the stream status.'
);
select throws_ok($$select * from public.ingest_rejects$$, '42501', null,
  'anon is refused reading ingest rejects.');
select throws_ok($$select * from public.stream_leases$$, '42501', null,
  'anon is refused reading stream leases.');
select throws_ok(
  $$insert into public.live_candles_1m (symbol, "timestamp", "open", high, low, "close", volume, quote_volume, trades, event_time)
    values ('READUSDT', '2024-02-03 04:06:00+00', 1, 1, 1, 1, 0, 0, 0, '2024-02-03 04:06:10+00')$$,
  '42501', null,
  'anon cannot insert a candle.'
);
select throws_ok($$update public.live_candles_1m set "close" = 1 where symbol = 'READUSDT'$$, '42501', null,
  'anon cannot update a candle.');
select throws_ok($$delete from public.live_candles_1m where symbol = 'READUSDT'$$, '42501', null,
  'anon cannot delete a candle.');
select throws_ok($$truncate public.live_candles_1m$$, '42501', null,
  'anon cannot truncate the candles.');
select throws_ok($$insert into public.stream_status (source, symbol) values ('forged', 'READUSDT')$$, '42501', null,
  'anon cannot insert a stream status.');
select throws_ok($$update public.stream_status set accepted_count = 0$$, '42501', null,
  'anon cannot update a stream status.');
select throws_ok($$delete from public.stream_status$$, '42501', null,
  'anon cannot delete a stream status.');
select throws_ok($$truncate public.stream_status$$, '42501', null,
  'anon cannot truncate the stream status.');
select throws_ok($$select public.ingest_klines('[]')$$, '42501', null,
  'anon cannot execute ingest_klines.');
select throws_ok($$select public.claim_stream_lease('exchange-stream', 'mallory', '1 minute')$$, '42501', null,
  'anon cannot execute claim_stream_lease.');
select throws_ok($$select public.release_stream_lease('exchange-stream', 'mallory')$$, '42501', null,
  'anon cannot execute release_stream_lease.');
select throws_ok($$select private.run_stream_watchdog()$$, '42501', null,
  'anon cannot reach the private watchdog.');
select throws_ok($$select * from private.settings$$, '42501', null,
  'anon cannot read the private settings.');

reset role;

-- as authenticated (a signed-in viewer, Ada)
set local role authenticated;
set local request.jwt.claims = '{"sub": "0a0a0a0a-0000-4000-8000-00000000ada0", "role": "authenticated", "email": "ada@example.com"}';

select results_eq(
  $$select symbol, "timestamp", "close" from public.live_candles_1m where symbol = 'READUSDT'$$,
  $$values ('READUSDT', timestamptz '2024-02-03 04:05:00+00', 42050::numeric)$$,
  'Ada sees the stored candle.'
);
select results_eq(
  $$select "timestamp", "open", high, low, "close" from public.get_candles('READUSDT', '1m', '2024-02-03 04:05:00+00', 1)$$,
  $$values (timestamptz '2024-02-03 04:05:00+00', 42000::numeric, 42100::numeric, 41900::numeric, 42050::numeric)$$,
  'Ada reads the candle through get_candles.'
);
select isnt_empty(
  $$select 1 from public.stream_status where source = 'simulated' and symbol = 'READUSDT'$$,
  'Ada sees the stream status.'
);
select throws_ok($$select * from public.ingest_rejects$$, '42501', null,
  'Ada is refused reading ingest rejects.');
select throws_ok($$select * from public.stream_leases$$, '42501', null,
  'Ada is refused reading stream leases.');
select throws_ok(
  $$insert into public.live_candles_1m (symbol, "timestamp", "open", high, low, "close", volume, quote_volume, trades, event_time)
    values ('READUSDT', '2024-02-03 04:06:00+00', 1, 1, 1, 1, 0, 0, 0, '2024-02-03 04:06:10+00')$$,
  '42501', null,
  'Ada cannot insert a candle.'
);
select throws_ok($$update public.live_candles_1m set "close" = 1 where symbol = 'READUSDT'$$, '42501', null,
  'Ada cannot update a candle.');
select throws_ok($$delete from public.live_candles_1m where symbol = 'READUSDT'$$, '42501', null,
  'Ada cannot delete a candle.');
select throws_ok($$truncate public.live_candles_1m$$, '42501', null,
  'Ada cannot truncate the candles.');
select throws_ok($$insert into public.stream_status (source, symbol) values ('forged', 'READUSDT')$$, '42501', null,
  'Ada cannot insert a stream status.');
select throws_ok($$update public.stream_status set accepted_count = 0$$, '42501', null,
  'Ada cannot update a stream status.');
select throws_ok($$delete from public.stream_status$$, '42501', null,
  'Ada cannot delete a stream status.');
select throws_ok($$truncate public.stream_status$$, '42501', null,
  'Ada cannot truncate the stream status.');
select throws_ok($$select public.ingest_klines('[]')$$, '42501', null,
  'Ada cannot execute ingest_klines.');
select throws_ok($$select public.claim_stream_lease('exchange-stream', 'ada', '1 minute')$$, '42501', null,
  'Ada cannot execute claim_stream_lease.');
select throws_ok($$select public.release_stream_lease('exchange-stream', 'ada')$$, '42501', null,
  'Ada cannot execute release_stream_lease.');
select throws_ok($$select private.run_stream_watchdog()$$, '42501', null,
  'Ada cannot reach the private watchdog.');
select throws_ok($$select * from private.settings$$, '42501', null,
  'Ada cannot read the private settings.');

reset role;

-- as service_role (the Edge Function)
set local role service_role;
set local request.jwt.claims = '{"role": "service_role"}';

select is(
  public.ingest_klines(pg_temp.kline('READUSDT', '2024-02-03 04:06:00+00', '2024-02-03 04:06:05+00', 42050, 42060, 42040, 42055)),
  '{"accepted": 1, "stale": 0, "rejected": 0}',
  'service_role ingests a candle through ingest_klines.'
);
select results_eq(
  $$select reason from public.ingest_rejects where event = '{"e": "kline", "s": "READUSDT", "note": "secret operator detail"}'$$,
  $$values ('missing_field')$$,
  'service_role reads the ingest rejects.'
);
select isnt_empty(
  $$select 1 from public.stream_status where source = 'simulated' and symbol = 'READUSDT'$$,
  'service_role reads the stream status.'
);
select ok(public.claim_stream_lease('privileges-check', 'edge-run-grace', '1 minute'),
  'service_role claims a stream lease.');
select results_eq(
  $$select holder from public.stream_leases where stream = 'privileges-check'$$,
  $$values ('edge-run-grace')$$,
  'service_role reads the stream leases.'
);
select ok(public.release_stream_lease('privileges-check', 'edge-run-grace'),
  'service_role releases its stream lease.');
select throws_ok(
  $$insert into public.live_candles_1m (symbol, "timestamp", "open", high, low, "close", volume, quote_volume, trades, event_time)
    values ('READUSDT', '2024-02-03 04:07:00+00', 1, 1, 1, 1, 0, 0, 0, '2024-02-03 04:07:10+00')$$,
  '42501', null,
  'service_role cannot insert a candle around ingest_klines.'
);
select throws_ok($$update public.live_candles_1m set "close" = 1 where symbol = 'READUSDT'$$, '42501', null,
  'service_role cannot update a candle around ingest_klines.');
select throws_ok($$delete from public.ingest_rejects$$, '42501', null,
  'service_role cannot delete ingest rejects.');
select throws_ok($$update public.stream_status set accepted_count = 0$$, '42501', null,
  'service_role cannot update a stream status directly.');
select throws_ok($$insert into public.stream_leases (stream, holder, expires_at) values ('exchange-stream', 'edge-run-grace', now())$$, '42501', null,
  'service_role cannot write a lease around claim_stream_lease.');
select throws_ok($$select private.run_stream_watchdog()$$, '42501', null,
  'service_role cannot run the watchdog itself.');
select throws_ok($$select * from private.settings$$, '42501', null,
  'service_role cannot read the private settings (they hold its own key).');

reset role;

select * from finish();
rollback;
