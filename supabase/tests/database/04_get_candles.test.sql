-- public.get_candles: 1m rows oldest first, UTC-aligned aggregation, p_since and p_limit, bad arguments.
begin;
create extension if not exists pgtap with schema extensions;
select plan(27);

-- pg_temp.kline(...): a Binance kline event as the exchange sends it.
\ir ../helpers/kline.psql

-- The chart: twelve minutes around 10:00 on 2024-05-06 (the last one still open), then four minutes
-- around midnight and 04:00 UTC for the 4h and 1d buckets. A closed minute's last event is at :59.999.
select is(
  public.ingest_klines((
    select jsonb_agg(pg_temp.kline('CHARTUSDT', t,
                                   t + case when x then interval '59.999 seconds' else interval '30 seconds' end,
                                   o, h, l, c, v, q, n, x))
    from (values
      (timestamptz '2024-05-06 09:55:00+00', 100::numeric, 105::numeric, 99::numeric, 104::numeric, 1.5::numeric, 100::numeric, 10, true),
      ('2024-05-06 09:56:00+00', 104, 108, 103, 107, 2, 200, 20, true),
      ('2024-05-06 09:57:00+00', 107, 107, 101, 102, 3, 300, 30, true),
      ('2024-05-06 09:58:00+00', 102, 103, 98, 99, 4, 400, 40, true),
      ('2024-05-06 09:59:00+00', 99, 101, 97, 100, 5, 500, 50, true),
      ('2024-05-06 10:00:00+00', 100, 110, 100, 109, 6, 600, 60, true),
      ('2024-05-06 10:01:00+00', 109, 112, 108, 111, 7, 700, 70, true),
      ('2024-05-06 10:02:00+00', 111, 111, 95.5, 96, 8, 800, 80, true),
      ('2024-05-06 10:03:00+00', 96, 99, 93.75, 98, 9, 900, 90, true),
      ('2024-05-06 10:04:00+00', 98, 100, 96, 97, 10, 1000, 100, true),
      ('2024-05-06 10:05:00+00', 97, 115, 97, 114, 11, 1100, 110, true),
      ('2024-05-06 10:06:00+00', 114, 116, 113, 115, 12.25, 1200, 120, false),
      ('2024-05-06 23:59:00+00', 200, 210, 190, 205, 1, 200, 1, true),
      ('2024-05-07 00:00:00+00', 205, 220, 200, 215, 2, 430, 2, true),
      ('2024-05-07 03:59:00+00', 215, 216, 180, 185, 3, 555, 3, true),
      ('2024-05-07 04:00:00+00', 185, 190, 184, 189, 4, 756, 4, true)
    ) as chart(t, o, h, l, c, v, q, n, x))),
  '{"accepted": 16, "stale": 0, "rejected": 0}',
  'The chart candles are ingested.'
);
-- Another symbol at the same minutes, with prices that would show in any aggregate they leaked into,
-- and a minute newer than any of the chart's.
select is(
  public.ingest_klines(jsonb_build_array(
    pg_temp.kline('LEAKUSDT', '2024-05-06 09:55:00+00', '2024-05-06 09:55:59.999+00', 1, 1000, 0.5, 999, 500, 50000, 5000, true),
    pg_temp.kline('LEAKUSDT', '2024-05-07 05:00:00+00', '2024-05-07 05:00:30+00', 999, 1000, 1, 2, 500, 50000, 5000))),
  '{"accepted": 2, "stale": 0, "rejected": 0}',
  'The other symbol''s candles are ingested.'
);

-- 1m
select results_eq(
  $$select symbol, "timestamp", "open", high, low, "close", volume, quote_volume, trades, is_closed, event_time
      from public.get_candles('CHARTUSDT', '1m', '2024-05-06 09:55:00+00', 12)$$,
  $$values
    ('CHARTUSDT', timestamptz '2024-05-06 09:55:00+00', 100::numeric, 105::numeric, 99::numeric, 104::numeric, 1.5::numeric, 100::numeric, 10::bigint, true, timestamptz '2024-05-06 09:55:59.999+00'),
    ('CHARTUSDT', '2024-05-06 09:56:00+00', 104, 108, 103, 107, 2, 200, 20, true, '2024-05-06 09:56:59.999+00'),
    ('CHARTUSDT', '2024-05-06 09:57:00+00', 107, 107, 101, 102, 3, 300, 30, true, '2024-05-06 09:57:59.999+00'),
    ('CHARTUSDT', '2024-05-06 09:58:00+00', 102, 103, 98, 99, 4, 400, 40, true, '2024-05-06 09:58:59.999+00'),
    ('CHARTUSDT', '2024-05-06 09:59:00+00', 99, 101, 97, 100, 5, 500, 50, true, '2024-05-06 09:59:59.999+00'),
    ('CHARTUSDT', '2024-05-06 10:00:00+00', 100, 110, 100, 109, 6, 600, 60, true, '2024-05-06 10:00:59.999+00'),
    ('CHARTUSDT', '2024-05-06 10:01:00+00', 109, 112, 108, 111, 7, 700, 70, true, '2024-05-06 10:01:59.999+00'),
    ('CHARTUSDT', '2024-05-06 10:02:00+00', 111, 111, 95.5, 96, 8, 800, 80, true, '2024-05-06 10:02:59.999+00'),
    ('CHARTUSDT', '2024-05-06 10:03:00+00', 96, 99, 93.75, 98, 9, 900, 90, true, '2024-05-06 10:03:59.999+00'),
    ('CHARTUSDT', '2024-05-06 10:04:00+00', 98, 100, 96, 97, 10, 1000, 100, true, '2024-05-06 10:04:59.999+00'),
    ('CHARTUSDT', '2024-05-06 10:05:00+00', 97, 115, 97, 114, 11, 1100, 110, true, '2024-05-06 10:05:59.999+00'),
    ('CHARTUSDT', '2024-05-06 10:06:00+00', 114, 116, 113, 115, 12.25, 1200, 120, false, '2024-05-06 10:06:30+00')$$,
  '1m returns the stored minutes of the symbol, oldest first.'
);
select results_eq(
  $$select "timestamp", "close" from public.get_candles('CHARTUSDT', '1m', '2024-05-06 10:04:00+00', 2)$$,
  $$values (timestamptz '2024-05-06 10:04:00+00', 97::numeric), ('2024-05-06 10:05:00+00', 114)$$,
  'p_since and p_limit give the first p_limit minutes from p_since.'
);
select results_eq(
  $$select "timestamp", "close" from public.get_candles('CHARTUSDT', '1m', null, 2)$$,
  $$values (timestamptz '2024-05-07 03:59:00+00', 185::numeric), ('2024-05-07 04:00:00+00', 189)$$,
  'Without p_since the latest p_limit minutes of the symbol come back, oldest first.'
);
select is(
  (select count(*) from public.get_candles('CHARTUSDT')),
  16::bigint,
  'With every default, get_candles returns the last day of 1m candles.'
);

-- 5m, 15m, 1h
select results_eq(
  $$select "timestamp", "open", high, low, "close", volume, quote_volume, trades, is_closed, event_time
      from public.get_candles('CHARTUSDT', '5m', '2024-05-06 09:55:00+00', 3)$$,
  $$values
    (timestamptz '2024-05-06 09:55:00+00', 100::numeric, 108::numeric, 97::numeric, 100::numeric, 15.5::numeric, 1500::numeric, 150::bigint, true, timestamptz '2024-05-06 09:59:59.999+00'),
    ('2024-05-06 10:00:00+00', 100, 112, 93.75, 97, 40, 4000, 400, true, '2024-05-06 10:04:59.999+00'),
    ('2024-05-06 10:05:00+00', 97, 116, 97, 115, 23.25, 2300, 230, false, '2024-05-06 10:06:30+00')$$,
  '5m buckets take the first open, max high, min low, last close and summed volumes and trades.'
);
select results_eq(
  $$select "timestamp", "open", high, low, "close", volume, quote_volume, trades, is_closed
      from public.get_candles('CHARTUSDT', '15m', '2024-05-06 09:45:00+00', 2)$$,
  $$values
    (timestamptz '2024-05-06 09:45:00+00', 100::numeric, 108::numeric, 97::numeric, 100::numeric, 15.5::numeric, 1500::numeric, 150::bigint, true),
    ('2024-05-06 10:00:00+00', 100, 116, 93.75, 115, 63.25, 6300, 630, false)$$,
  '15m buckets aggregate the minutes they hold.'
);
select results_eq(
  $$select "timestamp", "open", high, low, "close", volume, quote_volume, trades, is_closed
      from public.get_candles('CHARTUSDT', '1h', '2024-05-06 09:00:00+00', 2)$$,
  $$values
    (timestamptz '2024-05-06 09:00:00+00', 100::numeric, 108::numeric, 97::numeric, 100::numeric, 15.5::numeric, 1500::numeric, 150::bigint, true),
    ('2024-05-06 10:00:00+00', 100, 116, 93.75, 115, 63.25, 6300, 630, false)$$,
  '1h buckets aggregate the minutes they hold.'
);
select results_eq(
  $$select "timestamp", "open", "close" from public.get_candles('CHARTUSDT', '5m', '2024-05-06 09:57:00+00', 1)$$,
  $$values (timestamptz '2024-05-06 09:55:00+00', 100::numeric, 100::numeric)$$,
  'A p_since inside a bucket starts from that whole bucket.'
);

-- 4h and 1d, read from a session far from UTC
set local timezone = 'Asia/Kolkata';

select results_eq(
  $$select "timestamp", "open", high, low, "close", volume, quote_volume, trades, is_closed
      from public.get_candles('CHARTUSDT', '4h', '2024-05-06 08:00:00+00', 6)$$,
  $$values
    (timestamptz '2024-05-06 08:00:00+00', 100::numeric, 116::numeric, 93.75::numeric, 115::numeric, 78.75::numeric, 7800::numeric, 780::bigint, false),
    ('2024-05-06 20:00:00+00', 200, 210, 190, 205, 1, 200, 1, true),
    ('2024-05-07 00:00:00+00', 205, 220, 180, 185, 5, 985, 5, true),
    ('2024-05-07 04:00:00+00', 185, 190, 184, 189, 4, 756, 4, false)$$,
  '4h buckets start at 00, 04, 08, 12, 16 and 20 UTC whatever the session time zone.'
);
select results_eq(
  $$select "timestamp", "open", high, low, "close", volume, quote_volume, trades, is_closed
      from public.get_candles('CHARTUSDT', '1d', '2024-05-06 12:00:00+00', 2)$$,
  $$values
    (timestamptz '2024-05-06 00:00:00+00', 100::numeric, 210::numeric, 93.75::numeric, 205::numeric, 79.75::numeric, 8000::numeric, 781::bigint, false),
    ('2024-05-07 00:00:00+00', 205, 220, 180, 189, 9, 1741, 9, false)$$,
  '1d buckets run from midnight to midnight UTC whatever the session time zone.'
);
select results_eq(
  $$select "timestamp" from public.get_candles('CHARTUSDT', '4h', null, 2)$$,
  $$values (timestamptz '2024-05-07 00:00:00+00'), ('2024-05-07 04:00:00+00')$$,
  'Without p_since the latest p_limit 4h buckets come back, oldest first.'
);

reset timezone;

-- other symbols
select results_eq(
  $$select distinct symbol from public.get_candles('CHARTUSDT', '1m', '2024-05-06 00:00:00+00', 10000)$$,
  $$values ('CHARTUSDT')$$,
  'Only the requested symbol''s rows come back.'
);
select results_eq(
  $$select "timestamp", "close" from public.get_candles('LEAKUSDT', '1d', '2024-05-06 00:00:00+00', 2)$$,
  $$values (timestamptz '2024-05-06 00:00:00+00', 999::numeric), ('2024-05-07 00:00:00+00', 2)$$,
  'The other symbol aggregates only its own rows.'
);
select is_empty($$select * from public.get_candles('NOSUCHUSDT')$$,
  'A symbol with no rows returns nothing.');
select is_empty($$select * from public.get_candles('NOSUCHUSDT', '1h', '2024-05-06 00:00:00+00', 24)$$,
  'A symbol with no rows returns nothing from a p_since either.');
select is_empty($$select * from public.get_candles('chartusdt')$$,
  'Symbols are matched exactly, case included.');
select is_empty($$select * from public.get_candles('CHARTUSDT', '1m', '2024-05-08 00:00:00+00', 60)$$,
  'A p_since after the newest candle returns nothing.');

-- bad arguments
select throws_ok($$select * from public.get_candles('CHARTUSDT', '2m')$$, '22023', null,
  'An unknown interval is refused.');
select throws_ok($$select * from public.get_candles('CHARTUSDT', '1M')$$, '22023', null,
  'A monthly interval is refused.');
select throws_ok($$select * from public.get_candles('CHARTUSDT', null)$$, '22023', null,
  'A null interval is refused.');
select throws_ok($$select * from public.get_candles('CHARTUSDT', '1m', null, 0)$$, '22023', null,
  'A limit of 0 is refused.');
select throws_ok($$select * from public.get_candles('CHARTUSDT', '1m', null, -1)$$, '22023', null,
  'A negative limit is refused.');
select throws_ok($$select * from public.get_candles('CHARTUSDT', '1m', null, 10001)$$, '22023', null,
  'A limit above 10000 is refused.');
select throws_ok($$select * from public.get_candles('CHARTUSDT', '1m', null, null)$$, '22023', null,
  'A null limit is refused.');
select lives_ok($$select * from public.get_candles('CHARTUSDT', '1d', null, 10000)$$,
  'A limit of 10000 is allowed.');

select * from finish();
rollback;
