-- public.ingest_klines: validation, newer-wins upserts, batch shapes, reject codes and stream_status.
begin;
create extension if not exists pgtap with schema extensions;
select plan(73);

-- pg_temp.kline(...): a Binance kline event as the exchange sends it.
\ir ../helpers/kline.psql

-- The columns of a stored candle that the upsert tests compare.
create function pg_temp.stored(p_symbol text, p_open_time timestamptz)
returns table ("close" numeric, is_closed boolean, event_time timestamptz)
language sql stable
as $$
  select c."close", c.is_closed, c.event_time
  from public.live_candles_1m c
  where c.symbol = p_symbol and c."timestamp" = p_open_time
$$;

-- One valid event that the reject cases break, one field at a time.
create function pg_temp.valid_event() returns jsonb
language sql immutable
as $$
  select pg_temp.kline('REJECTUSDT', '2024-03-01 11:00:00+00', '2024-03-01 11:00:30+00', 100, 110, 90, 105)
$$;

-- Ingests p_event alone and returns the reason code its reject was recorded under; anything other than
-- exactly one reject comes back as a description, so the assertion shows what happened instead.
create function pg_temp.rejection_of(p_event jsonb) returns text
language plpgsql
as $$
declare
  v_result jsonb := public.ingest_klines(jsonb_build_array(p_event));
begin
  if v_result <> '{"accepted": 0, "stale": 0, "rejected": 1}' then
    return format('not rejected: %s', v_result);
  end if;
  return (select r.reason from public.ingest_rejects r where r.event = p_event order by r.id desc limit 1);
end
$$;

-- Runs p_sql and returns its error as 'SQLSTATE: message', or null when it succeeds: lives_ok without
-- the whole ingest statement in the diagnostics.
create function pg_temp.error_of(p_sql text) returns text
language plpgsql
as $$
begin
  execute p_sql;
  return null;
exception when others then
  return format('%s: %s', sqlstate, sqlerrm);
end
$$;

set local candlestream.source = 'simulated';

-- a new candle
select is(
  public.ingest_klines(pg_temp.kline('TAPUSDT', '2024-03-01 10:00:00+00', '2024-03-01 10:00:10+00', 100, 101, 99, 100.5, 1.5, 150.75, 3)),
  '{"accepted": 1, "stale": 0, "rejected": 0}',
  'A new candle is accepted.'
);
select results_eq(
  $$select "open", high, low, "close", volume, quote_volume, trades, is_closed, event_time, ingested_at
      from public.live_candles_1m where symbol = 'TAPUSDT' and "timestamp" = '2024-03-01 10:00:00+00'$$,
  $$values (100::numeric, 101::numeric, 99::numeric, 100.5::numeric, 1.5::numeric, 150.75::numeric, 3, false,
            timestamptz '2024-03-01 10:00:10+00', now())$$,
  'The new candle is stored with the values sent.'
);

-- an update within the minute
select is(
  public.ingest_klines(pg_temp.kline('TAPUSDT', '2024-03-01 10:00:00+00', '2024-03-01 10:00:40+00', 100, 103, 98, 102, 4, 400, 9)),
  '{"accepted": 1, "stale": 0, "rejected": 0}',
  'A newer update of the open candle is accepted.'
);
select results_eq(
  $$select "open", high, low, "close", volume, quote_volume, trades, is_closed, event_time
      from public.live_candles_1m where symbol = 'TAPUSDT' and "timestamp" = '2024-03-01 10:00:00+00'$$,
  $$values (100::numeric, 103::numeric, 98::numeric, 102::numeric, 4::numeric, 400::numeric, 9, false,
            timestamptz '2024-03-01 10:00:40+00')$$,
  'The newer update replaces every value of the candle.'
);

-- an older update
select is(
  public.ingest_klines(pg_temp.kline('TAPUSDT', '2024-03-01 10:00:00+00', '2024-03-01 10:00:20+00', 100, 100, 50, 60)),
  '{"accepted": 0, "stale": 1, "rejected": 0}',
  'An older update of the candle is counted stale.'
);
select results_eq(
  $$select * from pg_temp.stored('TAPUSDT', '2024-03-01 10:00:00+00')$$,
  $$values (102::numeric, false, timestamptz '2024-03-01 10:00:40+00')$$,
  'An older update never overwrites a newer one.'
);

-- the same update twice
select is(
  public.ingest_klines(pg_temp.kline('TAPUSDT', '2024-03-01 10:00:00+00', '2024-03-01 10:00:40+00', 100, 103, 98, 102, 4, 400, 9)),
  '{"accepted": 0, "stale": 1, "rejected": 0}',
  'The same update delivered again is counted stale.'
);

-- closing the candle
select is(
  public.ingest_klines(pg_temp.kline('TAPUSDT', '2024-03-01 10:00:00+00', '2024-03-01 10:00:59.999+00', 100, 104, 98, 103, closed => true)),
  '{"accepted": 1, "stale": 0, "rejected": 0}',
  'The closing update is accepted.'
);
select is(
  public.ingest_klines(pg_temp.kline('TAPUSDT', '2024-03-01 10:00:00+00', '2024-03-01 10:01:05+00', 100, 120, 80, 119)),
  '{"accepted": 0, "stale": 1, "rejected": 0}',
  'A newer open update of a closed candle is counted stale.'
);
select is(
  public.ingest_klines(pg_temp.kline('TAPUSDT', '2024-03-01 10:00:00+00', '2024-03-01 10:01:06+00', 100, 121, 80, 120, closed => true)),
  '{"accepted": 0, "stale": 1, "rejected": 0}',
  'A newer closed update of a closed candle is counted stale too.'
);
select results_eq(
  $$select * from pg_temp.stored('TAPUSDT', '2024-03-01 10:00:00+00')$$,
  $$values (103::numeric, true, timestamptz '2024-03-01 10:00:59.999+00')$$,
  'A closed candle is never reopened nor changed.'
);
select is(
  public.ingest_klines(pg_temp.kline('TAPUSDT', '2024-03-01 10:01:00+00', '2024-03-01 10:01:30+00', 103, 104, 102, 103.5)),
  '{"accepted": 1, "stale": 0, "rejected": 0}',
  'An open update of the next minute is accepted.'
);
select is(
  public.ingest_klines(pg_temp.kline('TAPUSDT', '2024-03-01 10:01:00+00', '2024-03-01 10:01:30+00', 103, 104, 102, 103.5, closed => true)),
  '{"accepted": 1, "stale": 0, "rejected": 0}',
  'A close carrying the same event time as the stored open update is still accepted.'
);

-- batch shapes
select is(
  public.ingest_klines(jsonb_build_object(
    'stream', 'tapusdt@kline_1m',
    'data', pg_temp.kline('TAPUSDT', '2024-03-01 10:02:00+00', '2024-03-01 10:02:15+00', 103, 106, 103, 105))),
  '{"accepted": 1, "stale": 0, "rejected": 0}',
  'A combined-stream wrapper is unwrapped and accepted.'
);
select results_eq(
  $$select * from pg_temp.stored('TAPUSDT', '2024-03-01 10:02:00+00')$$,
  $$values (105::numeric, false, timestamptz '2024-03-01 10:02:15+00')$$,
  'The wrapped event is stored.'
);
select is(
  public.ingest_klines(jsonb_build_array(
    pg_temp.kline('TAPUSDT', '2024-03-01 10:03:00+00', '2024-03-01 10:03:59+00', 105, 107, 104, 106, closed => true),
    jsonb_build_object('stream', 'tapusdt@kline_1m',
                       'data', pg_temp.kline('TAPUSDT', '2024-03-01 10:04:00+00', '2024-03-01 10:04:59+00', 106, 108, 105, 107, closed => true)),
    pg_temp.kline('TAPUSDT', '2024-03-01 10:05:00+00', '2024-03-01 10:05:10+00', 107, 107, 101, 102))),
  '{"accepted": 3, "stale": 0, "rejected": 0}',
  'An array of plain and wrapped events is accepted whole.'
);
select results_eq(
  $$select "timestamp", "close" from public.live_candles_1m
     where symbol = 'TAPUSDT' and "timestamp" between '2024-03-01 10:03:00+00' and '2024-03-01 10:05:00+00'
     order by "timestamp"$$,
  $$values (timestamptz '2024-03-01 10:03:00+00', 106::numeric),
           ('2024-03-01 10:04:00+00', 107),
           ('2024-03-01 10:05:00+00', 102)$$,
  'Every event of the array is stored.'
);
select is(public.ingest_klines('[]'), '{"accepted": 0, "stale": 0, "rejected": 0}',
  'An empty array is accepted as an empty batch.');
select is(
  public.ingest_klines(jsonb_set(jsonb_set(
    pg_temp.kline('TAPUSDT', '2024-03-01 10:06:00+00', '2024-03-01 10:06:05+00', 102, 103, 101, 102.5),
    '{k,o}', '102'), '{k,c}', '102.5')),
  '{"accepted": 1, "stale": 0, "rejected": 0}',
  'Prices sent as JSON numbers instead of strings are accepted.'
);

-- a mixed batch
select is(
  public.ingest_klines(jsonb_build_array(
    pg_temp.kline('TAPUSDT', '2024-03-01 10:07:00+00', '2024-03-01 10:07:20+00', 102, 104, 101, 103),
    pg_temp.kline('TAPUSDT', '2024-03-01 10:08:00+00', '2024-03-01 10:08:00+00', -1, 104, -1, 103),
    pg_temp.kline('TAPUSDT', '2024-03-01 10:09:00+00', '2024-03-01 10:09:20+00', 103, 105, 102, 104),
    pg_temp.kline('TAPUSDT', '2024-03-01 10:00:00+00', '2024-03-01 10:03:00+00', 100, 130, 70, 125),
    '"not an event"'::jsonb)),
  '{"accepted": 2, "stale": 1, "rejected": 2}',
  'A mixed batch reports exactly how many events were accepted, stale and rejected.'
);
select results_eq(
  $$select "timestamp", "close" from public.live_candles_1m
     where symbol = 'TAPUSDT' and "timestamp" between '2024-03-01 10:07:00+00' and '2024-03-01 10:09:00+00'
     order by "timestamp"$$,
  $$values (timestamptz '2024-03-01 10:07:00+00', 103::numeric),
           ('2024-03-01 10:09:00+00', 104)$$,
  'The good events of a mixed batch are stored and the bad ones are not.'
);

-- repeats of one candle inside a batch
select is(
  public.ingest_klines(jsonb_build_array(
    pg_temp.kline('TAPUSDT', '2024-03-01 10:10:00+00', '2024-03-01 10:10:10+00', 104, 105, 104, 105),
    pg_temp.kline('TAPUSDT', '2024-03-01 10:10:00+00', '2024-03-01 10:10:20+00', 104, 106, 104, 106),
    pg_temp.kline('TAPUSDT', '2024-03-01 10:10:00+00', '2024-03-01 10:10:30+00', 104, 107, 104, 107))),
  '{"accepted": 3, "stale": 0, "rejected": 0}',
  'Three in-order updates of one minute in one batch are all accepted.'
);
select results_eq(
  $$select * from pg_temp.stored('TAPUSDT', '2024-03-01 10:10:00+00')$$,
  $$values (107::numeric, false, timestamptz '2024-03-01 10:10:30+00')$$,
  'The last of the in-order updates is the one stored.'
);
select is(
  public.ingest_klines(jsonb_build_array(
    pg_temp.kline('TAPUSDT', '2024-03-01 10:11:00+00', '2024-03-01 10:11:20+00', 107, 109, 107, 109),
    pg_temp.kline('TAPUSDT', '2024-03-01 10:11:00+00', '2024-03-01 10:11:40+00', 107, 111, 107, 111),
    pg_temp.kline('TAPUSDT', '2024-03-01 10:11:00+00', '2024-03-01 10:11:10+00', 107, 108, 107, 108))),
  '{"accepted": 2, "stale": 1, "rejected": 0}',
  'An out-of-order batch counts the update older than an earlier one stale.'
);
select results_eq(
  $$select * from pg_temp.stored('TAPUSDT', '2024-03-01 10:11:00+00')$$,
  $$values (111::numeric, false, timestamptz '2024-03-01 10:11:40+00')$$,
  'The newest update wins even when it is not last in the batch.'
);
select is(
  public.ingest_klines(jsonb_build_array(
    pg_temp.kline('TAPUSDT', '2024-03-01 10:12:00+00', '2024-03-01 10:12:59.999+00', 111, 113, 110, 112, closed => true),
    pg_temp.kline('TAPUSDT', '2024-03-01 10:12:00+00', '2024-03-01 10:13:01+00', 111, 118, 110, 117))),
  '{"accepted": 1, "stale": 1, "rejected": 0}',
  'An open update after a close in the same batch is counted stale.'
);
select results_eq(
  $$select * from pg_temp.stored('TAPUSDT', '2024-03-01 10:12:00+00')$$,
  $$values (112::numeric, true, timestamptz '2024-03-01 10:12:59.999+00')$$,
  'A close is not undone by a later event in the same batch.'
);
select is(
  public.ingest_klines(jsonb_build_array(
    pg_temp.kline('TAPUSDT', '2024-03-01 10:13:00+00', '2024-03-01 10:13:10+00', 112, 113, 111, 113),
    pg_temp.kline('TAPUSDT', '2024-03-01 10:13:00+00', '2024-03-01 10:13:10+00', 112, 113, 111, 113))),
  '{"accepted": 1, "stale": 1, "rejected": 0}',
  'The same event twice in one batch is accepted once and counted stale once.'
);

-- arguments that are refused whole
select throws_ok(
  $$select public.ingest_klines(
      (select jsonb_agg(pg_temp.kline('BULKUSDT', timestamptz '2024-03-02 00:00:00+00' + g * interval '1 minute',
                                      timestamptz '2024-03-02 00:00:30+00' + g * interval '1 minute', 100, 110, 90, 105))
         from generate_series(0, 4999) g)
      || jsonb_build_array(jsonb_set(pg_temp.kline('BULKUSDT', '2024-03-05 00:00:00+00', '2024-03-05 00:00:30+00', 100, 110, 90, 105), '{k,o}', '"NaN"')))$$,
  '22023', null,
  'A batch of 5001 events is refused.'
);
select is_empty($$select 1 from public.live_candles_1m where symbol = 'BULKUSDT'$$,
  'A refused batch stores no candle.');
select is_empty($$select 1 from public.ingest_rejects where event -> 'k' ->> 's' = 'BULKUSDT'$$,
  'A refused batch records no reject.');
select is_empty($$select 1 from public.stream_status where symbol = 'BULKUSDT'$$,
  'A refused batch leaves no stream status.');
select is(
  public.ingest_klines(
    (select jsonb_agg(pg_temp.kline('FULLUSDT', timestamptz '2024-03-02 00:00:00+00' + g * interval '1 minute',
                                    timestamptz '2024-03-02 00:00:30+00' + g * interval '1 minute', 100, 110, 90, 105))
       from generate_series(0, 4999) g)),
  '{"accepted": 5000, "stale": 0, "rejected": 0}',
  'A batch of exactly 5000 events is accepted.'
);
select throws_ok($$select public.ingest_klines('42')$$, '22023', null,
  'A number instead of events is refused.');
select throws_ok($$select public.ingest_klines('"kline"')$$, '22023', null,
  'A string instead of events is refused.');
select throws_ok($$select public.ingest_klines('null')$$, '22023', null,
  'A JSON null instead of events is refused.');
select throws_ok($$select public.ingest_klines(null)$$, '22023', null,
  'A SQL null instead of events is refused.');

-- reject codes
select is(pg_temp.rejection_of('42'), 'not_an_object',
  'A number inside a batch is rejected as not_an_object.');
select is(pg_temp.rejection_of('{"stream": "rejectusdt@kline_1m", "data": "hello"}'), 'not_an_object',
  'A wrapper around a string is rejected as not_an_object.');
select is(pg_temp.rejection_of(pg_temp.valid_event() || '{"e": "24hrTicker"}'), 'not_a_kline',
  'An event of another type is rejected as not_a_kline.');
select is(pg_temp.rejection_of(pg_temp.valid_event() - 'k'), 'missing_field',
  'An event without its kline object is rejected as missing_field.');
select is(pg_temp.rejection_of(pg_temp.valid_event() #- '{k,c}'), 'missing_field',
  'A kline without a close price is rejected as missing_field.');
select is(pg_temp.rejection_of(pg_temp.valid_event() - 'E'), 'missing_field',
  'An event without an event time is rejected as missing_field.');
select is(pg_temp.rejection_of(jsonb_set(pg_temp.valid_event(), '{k}', '[]')), 'invalid_type',
  'A kline that is an array is rejected as invalid_type.');
select is(pg_temp.rejection_of(jsonb_set(pg_temp.valid_event(), '{E}', '"1709290830000"')), 'invalid_type',
  'An event time sent as a string is rejected as invalid_type.');
select is(pg_temp.rejection_of(jsonb_set(pg_temp.valid_event(), '{k,x}', '"false"')), 'invalid_type',
  'A closed flag sent as a string is rejected as invalid_type.');
select is(pg_temp.rejection_of(jsonb_set(pg_temp.valid_event(), '{k,n}', '-1')), 'invalid_type',
  'A negative trade count is rejected as invalid_type.');
select is(pg_temp.rejection_of(jsonb_set(pg_temp.valid_event(), '{k,o}', '"one hundred"')), 'not_numeric',
  'A price that is not a number is rejected as not_numeric.');
select is(pg_temp.rejection_of(jsonb_set(pg_temp.valid_event(), '{k,h}', '"NaN"')), 'not_finite',
  'A NaN price is rejected as not_finite.');
select is(pg_temp.rejection_of(jsonb_set(pg_temp.valid_event(), '{k,v}', '"Infinity"')), 'not_finite',
  'An infinite volume is rejected as not_finite.');
select is(pg_temp.rejection_of(jsonb_set(pg_temp.valid_event(), '{k,l}', '"0"')), 'non_positive_price',
  'A zero low price is rejected as non_positive_price.');
select is(pg_temp.rejection_of(jsonb_set(pg_temp.valid_event(), '{k,v}', '"-0.5"')), 'negative_volume',
  'A negative volume is rejected as negative_volume.');
select is(pg_temp.rejection_of(jsonb_set(pg_temp.valid_event(), '{k,h}', '"104"')), 'inconsistent_high_low',
  'A high below the close is rejected as inconsistent_high_low.');
select is(pg_temp.rejection_of(jsonb_set(pg_temp.valid_event(), '{k,l}', '"101"')), 'inconsistent_high_low',
  'A low above the open is rejected as inconsistent_high_low.');
select is(
  pg_temp.rejection_of(jsonb_set(pg_temp.valid_event(), '{k,t}', to_jsonb((pg_temp.valid_event() -> 'k' ->> 't')::bigint + 30000))),
  'unaligned_open_time',
  'An open time in the middle of a minute is rejected as unaligned_open_time.'
);
select is(pg_temp.rejection_of(jsonb_set(pg_temp.valid_event(), '{k,i}', '"5m"')), 'unsupported_interval',
  'A 5m kline is rejected as unsupported_interval.');
select is(
  pg_temp.rejection_of(pg_temp.kline('btcusdt', '2024-03-01 11:00:00+00', '2024-03-01 11:00:30+00', 100, 110, 90, 105)),
  'invalid_symbol',
  'A lowercase symbol is rejected as invalid_symbol.'
);
select is(pg_temp.rejection_of(pg_temp.valid_event() || '{"s": "ETHUSDT"}'), 'symbol_mismatch',
  'An event whose symbol differs from its kline''s is rejected as symbol_mismatch.');
select is(
  pg_temp.rejection_of(jsonb_set(pg_temp.valid_event(), '{E}', to_jsonb((pg_temp.valid_event() -> 'k' ->> 't')::bigint - 1))),
  'event_time_before_open',
  'An event time before the candle opens is rejected as event_time_before_open.'
);
select is(
  pg_temp.rejection_of(pg_temp.kline('REJECTUSDT', date_trunc('minute', now() + interval '6 minutes'), now() + interval '6 minutes', 100, 110, 90, 105)),
  'event_time_in_future',
  'An event time more than 5 minutes ahead is rejected as event_time_in_future.'
);
select is(
  public.ingest_klines(pg_temp.kline('SKEWUSDT', date_trunc('minute', now() + interval '4 minutes'), now() + interval '4 minutes', 100, 110, 90, 105)),
  '{"accepted": 1, "stale": 0, "rejected": 0}',
  'An event time 4 minutes ahead is accepted as clock skew.'
);
select is_empty($$select 1 from public.live_candles_1m where symbol = 'REJECTUSDT'$$,
  'No rejected event is stored as a candle.');
select results_eq(
  $$select source, received_at from public.ingest_rejects where event = '42' order by id desc limit 1$$,
  $$values ('simulated', now())$$,
  'A reject records the writer''s source and when it was received.'
);

-- Integral numbers written with a fraction pass the field checks (n, t and E only need a whole value),
-- so they must be stored or rejected like any event, never fail the batch they arrive in.
select is(
  pg_temp.error_of($$select public.ingest_klines(jsonb_build_array(
      pg_temp.kline('TAPUSDT', '2024-03-01 10:20:00+00', '2024-03-01 10:20:10+00', 100, 101, 99, 100),
      jsonb_set(pg_temp.kline('TAPUSDT', '2024-03-01 10:21:00+00', '2024-03-01 10:21:10+00', 100, 101, 99, 100), '{k,n}', '5.0')))$$),
  null,
  'A trade count written as 5.0 does not fail the whole batch.'
);
select is(
  pg_temp.error_of($$select public.ingest_klines(jsonb_build_array(
      pg_temp.kline('TAPUSDT', '2024-03-01 10:22:00+00', '2024-03-01 10:22:10+00', 100, 101, 99, 100),
      jsonb_set(pg_temp.kline('TAPUSDT', '2024-03-01 10:23:00+00', '2024-03-01 10:23:10+00', 100, 101, 99, 100), '{E}', '1709288590000.0')))$$),
  null,
  'An event time written as 1709288590000.0 does not fail the whole batch.'
);

-- stream_status
select is(
  public.ingest_klines(jsonb_build_array(
    pg_temp.kline('STATUSUSDT', '2024-03-01 12:00:00+00', '2024-03-01 12:00:10+00', 50, 51, 49, 50),
    pg_temp.kline('STATUSUSDT', '2024-03-01 12:00:00+00', '2024-03-01 12:00:30+00', 50, 52, 49, 51),
    pg_temp.kline('STATUSUSDT', '2024-03-01 12:00:00+00', '2024-03-01 12:00:20+00', 50, 51, 48, 48),
    pg_temp.kline('STATUSUSDT', '2024-03-01 12:01:00+00', '2024-03-01 12:01:05+00', 0, 52, 0, 51))),
  '{"accepted": 2, "stale": 1, "rejected": 1}',
  'The status fixture batch is ingested.'
);
select results_eq(
  $$select accepted_count, stale_count, rejected_count, last_event_time, last_ingested_at, last_accepted_at
      from public.stream_status where source = 'simulated' and symbol = 'STATUSUSDT'$$,
  $$values (2::bigint, 1::bigint, 1::bigint, timestamptz '2024-03-01 12:00:30+00', now(), now())$$,
  'stream_status counts the batch under the writer''s source, rejects included.'
);
update public.stream_status set last_accepted_at = now() - interval '1 hour'
 where source = 'simulated' and symbol = 'STATUSUSDT';
select is(
  public.ingest_klines(pg_temp.kline('STATUSUSDT', '2024-03-01 12:00:00+00', '2024-03-01 12:00:30+00', 50, 52, 49, 51)),
  '{"accepted": 0, "stale": 1, "rejected": 0}',
  'A replayed event is stale.'
);
select results_eq(
  $$select accepted_count, stale_count, rejected_count, last_event_time, last_accepted_at
      from public.stream_status where source = 'simulated' and symbol = 'STATUSUSDT'$$,
  $$values (2::bigint, 2::bigint, 1::bigint, timestamptz '2024-03-01 12:00:30+00', now() - interval '1 hour')$$,
  'A stale-only batch adds to the counts but does not make the stream look fresh.'
);
set local candlestream.source = 'replay';
select is(
  public.ingest_klines(pg_temp.kline('STATUSUSDT', '2024-03-01 12:02:00+00', '2024-03-01 12:02:10+00', 51, 52, 50, 52)),
  '{"accepted": 1, "stale": 0, "rejected": 0}',
  'An event from another source is accepted.'
);
select results_eq(
  $$select source, accepted_count from public.stream_status where symbol = 'STATUSUSDT' order by source$$,
  $$values ('replay', 1::bigint), ('simulated', 2)$$,
  'Each source keeps its own status row.'
);
reset candlestream.source;
select is(
  public.ingest_klines(pg_temp.kline('STATUSUSDT', '2024-03-01 12:03:00+00', '2024-03-01 12:03:10+00', 52, 53, 51, 53)),
  '{"accepted": 1, "stale": 0, "rejected": 0}',
  'An event from a writer that names no source is accepted.'
);
select isnt_empty($$select 1 from public.stream_status where source = 'unknown' and symbol = 'STATUSUSDT'$$,
  'A writer that names no source is counted under unknown.');

select * from finish();
rollback;
