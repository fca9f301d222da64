-- private.purge_expired_rows: candles, rejects and watchdog log rows past the retention window go.
begin;
create extension if not exists pgtap with schema extensions;
select plan(9);

-- pg_temp.kline(...): a Binance kline event as the exchange sends it.
\ir ../helpers/kline.psql

-- Rows just either side of the 30-day cutoff (minute-aligned, so a minute off now() - 30 days).
select is(
  public.ingest_klines(jsonb_build_array(
    pg_temp.kline('RETAINUSDT', date_trunc('minute', now() - interval '30 days') - interval '1 minute',
                  date_trunc('minute', now() - interval '30 days') - interval '1 second', 100, 110, 90, 105, closed => true),
    pg_temp.kline('RETAINUSDT', date_trunc('minute', now() - interval '30 days') + interval '1 minute',
                  date_trunc('minute', now() - interval '30 days') + interval '119 seconds', 105, 115, 95, 110, closed => true))),
  '{"accepted": 2, "stale": 0, "rejected": 0}',
  'Events older than the retention window are still accepted, for backfills and imports.'
);
insert into public.live_candles_1m (symbol, "timestamp", "open", high, low, "close", volume, quote_volume, trades, is_closed, event_time)
values ('RETAINUSDT', '2020-01-01 00:00:00+00', 7200, 7250, 7150, 7210, 1, 7200, 10, true, '2020-01-01 00:00:59.999+00');
insert into public.ingest_rejects (received_at, source, reason, detail)
values (now() - interval '31 days', 'retention-test', 'missing_field', 'old reject'),
       (now() - interval '29 days', 'retention-test', 'missing_field', 'young reject');
insert into private.watchdog_log (checked_at, decision, reason)
values (now() - interval '31 days', 'fresh', 'retention-test old'),
       (now() - interval '29 days', 'fresh', 'retention-test young');

select is(
  (private.purge_expired_rows() ->> 'cutoff')::timestamptz,
  now() - interval '30 days',
  'Retention cuts off at now() - 30 days by default.'
);
select results_eq(
  $$select "timestamp" from public.live_candles_1m where symbol = 'RETAINUSDT' order by "timestamp"$$,
  $$values (date_trunc('minute', now() - interval '30 days') + interval '1 minute')$$,
  'Candles older than 30 days are deleted and newer ones kept.'
);
select results_eq(
  $$select detail from public.ingest_rejects where source = 'retention-test'$$,
  $$values ('young reject')$$,
  'Rejects older than 30 days are deleted and newer ones kept.'
);
select results_eq(
  $$select reason from private.watchdog_log where reason like 'retention-test%'$$,
  $$values ('retention-test young')$$,
  'Watchdog log rows older than 30 days are deleted and newer ones kept.'
);
select is(
  private.purge_expired_rows() - 'cutoff',
  '{"candles": 0, "rejects": 0, "watchdog_log": 0}',
  'A second purge finds nothing left to delete.'
);

-- a shorter candle_retention setting
select private.set_setting('candle_retention', '7 days');
select is(
  public.ingest_klines(jsonb_build_array(
    pg_temp.kline('RETAINUSDT', date_trunc('minute', now() - interval '8 days'),
                  date_trunc('minute', now() - interval '8 days') + interval '30 seconds', 100, 110, 90, 105),
    pg_temp.kline('RETAINUSDT', date_trunc('minute', now() - interval '6 days'),
                  date_trunc('minute', now() - interval '6 days') + interval '30 seconds', 100, 110, 90, 105))),
  '{"accepted": 2, "stale": 0, "rejected": 0}',
  'Candles 8 and 6 days old are ingested.'
);
select is(
  (private.purge_expired_rows() ->> 'cutoff')::timestamptz,
  now() - interval '7 days',
  'The candle_retention setting moves the cutoff.'
);
select results_eq(
  $$select "timestamp" from public.live_candles_1m where symbol = 'RETAINUSDT' order by "timestamp"$$,
  $$values (date_trunc('minute', now() - interval '6 days'))$$,
  'With 7 days of retention only the 6-day-old candle is kept.'
);

select * from finish();
rollback;
