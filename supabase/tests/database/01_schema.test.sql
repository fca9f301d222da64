-- Schema: the tables, columns and constraints other parts rely on, and the SQL API's signatures.
begin;
create extension if not exists pgtap with schema extensions;
select plan(46);

-- Stores one candle straight into the table, bypassing public.ingest_klines, so the check constraints
-- alone decide. Every argument defaults to a valid candle; a test overrides the one it makes impossible.
create function pg_temp.store_candle(
  symbol text default 'CHECKUSDT',
  open_time timestamptz default '2024-01-02 03:04:00+00',
  o numeric default 100,
  h numeric default 110,
  l numeric default 90,
  c numeric default 105,
  v numeric default 2,
  q numeric default 210,
  n integer default 7,
  event_time timestamptz default '2024-01-02 03:04:30+00'
) returns void
language sql
as $$
  insert into public.live_candles_1m
    (symbol, "timestamp", "open", high, low, "close", volume, quote_volume, trades, is_closed, event_time)
  values (symbol, open_time, o, h, l, c, v, q, n, false, event_time)
$$;

-- tables
select has_table('public', 'live_candles_1m', 'The 1-minute candle table exists.');
select has_table('public', 'ingest_rejects', 'The ingest rejects table exists.');
select has_table('public', 'stream_status', 'The stream status table exists.');
select has_table('public', 'stream_leases', 'The stream leases table exists.');

-- live_candles_1m columns
select columns_are(
  'public', 'live_candles_1m',
  array['symbol', 'timestamp', 'open', 'high', 'low', 'close', 'volume', 'quote_volume', 'trades',
        'is_closed', 'event_time', 'ingested_at'],
  'Candles have exactly the contracted columns.'
);
select col_type_is('public', 'live_candles_1m', 'symbol', 'text', 'A candle''s symbol is text.');
select col_type_is('public', 'live_candles_1m', 'timestamp', 'timestamp with time zone', 'A candle''s open time is a timestamptz.');
select col_type_is('public', 'live_candles_1m', 'open', 'numeric', 'A candle''s open is numeric.');
select col_type_is('public', 'live_candles_1m', 'high', 'numeric', 'A candle''s high is numeric.');
select col_type_is('public', 'live_candles_1m', 'low', 'numeric', 'A candle''s low is numeric.');
select col_type_is('public', 'live_candles_1m', 'close', 'numeric', 'A candle''s close is numeric.');
select col_type_is('public', 'live_candles_1m', 'volume', 'numeric', 'A candle''s volume is numeric.');
select col_type_is('public', 'live_candles_1m', 'quote_volume', 'numeric', 'A candle''s quote volume is numeric.');
select col_type_is('public', 'live_candles_1m', 'trades', 'integer', 'A candle''s trade count is an integer.');
select col_type_is('public', 'live_candles_1m', 'is_closed', 'boolean', 'A candle''s closed flag is a boolean.');
select col_type_is('public', 'live_candles_1m', 'event_time', 'timestamp with time zone', 'A candle''s event time is a timestamptz.');
select col_type_is('public', 'live_candles_1m', 'ingested_at', 'timestamp with time zone', 'A candle''s ingest time is a timestamptz.');
select col_is_pk('public', 'live_candles_1m', array['symbol', 'timestamp'], 'Candles are keyed by symbol and open time.');

-- check constraints, proven by direct inserts as postgres
select lives_ok(
  $$select pg_temp.store_candle(open_time => '2024-01-02 03:05:00+00', event_time => '2024-01-02 03:05:59.999+00')$$,
  'A well-formed candle passes every check constraint.'
);
select throws_ok($$select pg_temp.store_candle(o => 0, l => 0)$$, '23514', null,
  'A candle with a zero price is refused.');
select throws_ok($$select pg_temp.store_candle(o => -5, l => -10)$$, '23514', null,
  'A candle with a negative price is refused.');
select throws_ok($$select pg_temp.store_candle(l => 101)$$, '23514', null,
  'A candle whose low is above min(open, close) is refused.');
select throws_ok($$select pg_temp.store_candle(h => 104)$$, '23514', null,
  'A candle whose high is below max(open, close) is refused.');
select throws_ok($$select pg_temp.store_candle(v => -1)$$, '23514', null,
  'A candle with a negative volume is refused.');
select throws_ok($$select pg_temp.store_candle(q => -0.01)$$, '23514', null,
  'A candle with a negative quote volume is refused.');
select throws_ok($$select pg_temp.store_candle(h => 'NaN')$$, '23514', null,
  'A candle with a NaN high is refused.');
select throws_ok($$select pg_temp.store_candle(c => 'NaN')$$, '23514', null,
  'A candle with a NaN close is refused.');
select throws_ok($$select pg_temp.store_candle(l => 'NaN')$$, '23514', null,
  'A candle with a NaN low is refused.');
select throws_ok($$select pg_temp.store_candle(h => 'Infinity')$$, '23514', null,
  'A candle with an infinite high is refused.');
select throws_ok($$select pg_temp.store_candle(v => 'Infinity')$$, '23514', null,
  'A candle with an infinite volume is refused.');
select throws_ok($$select pg_temp.store_candle(q => 'NaN')$$, '23514', null,
  'A candle with a NaN quote volume is refused.');
select throws_ok($$select pg_temp.store_candle(n => -1)$$, '23514', null,
  'A candle with a negative trade count is refused.');
select throws_ok(
  $$select pg_temp.store_candle(open_time => '2024-01-02 03:04:30+00', event_time => '2024-01-02 03:04:45+00')$$,
  '23514', null,
  'A candle whose open time is not on a minute boundary is refused.'
);
select throws_ok($$select pg_temp.store_candle(symbol => 'btcusdt')$$, '23514', null,
  'A candle with a lowercase symbol is refused.');
select throws_ok($$select pg_temp.store_candle(symbol => 'BTC/USDT')$$, '23514', null,
  'A candle with punctuation in its symbol is refused.');
select throws_ok($$select pg_temp.store_candle(event_time => '2024-01-02 03:03:59+00')$$, '23514', null,
  'A candle whose event time is before its open time is refused.');

-- the SQL API
select function_returns('public', 'ingest_klines', array['jsonb'], 'jsonb',
  'ingest_klines(jsonb) exists and returns jsonb.');
select function_returns('public', 'get_candles', array['text', 'text', 'timestamp with time zone', 'integer'], 'setof record',
  'get_candles(text, text, timestamptz, integer) exists and returns a set of rows.');
select is(
  (select pg_get_function_arguments('public.get_candles(text, text, timestamptz, integer)'::regprocedure)),
  $$p_symbol text, p_interval text DEFAULT '1m'::text, p_since timestamp with time zone DEFAULT NULL::timestamp with time zone, p_limit integer DEFAULT 1440$$,
  'get_candles takes its arguments under the contracted names and defaults.'
);
select function_returns('public', 'claim_stream_lease', array['text', 'text', 'interval'], 'boolean',
  'claim_stream_lease(text, text, interval) exists and returns boolean.');
select function_returns('public', 'release_stream_lease', array['text', 'text'], 'boolean',
  'release_stream_lease(text, text) exists and returns boolean.');
select is_definer('public', 'ingest_klines', array['jsonb'],
  'ingest_klines runs as its owner (security definer).');
select ok(
  (select 'search_path=""' = any (proconfig) from pg_proc where oid = 'public.ingest_klines(jsonb)'::regprocedure),
  'ingest_klines pins an empty search_path.'
);
select isnt_definer('public', 'get_candles', array['text', 'text', 'timestamp with time zone', 'integer'],
  'get_candles runs with the caller''s rights, so RLS decides what it sees.');
select is(
  (select proconfig from pg_proc where oid = 'public.get_candles(text, text, timestamptz, integer)'::regprocedure),
  array['search_path=""'],
  'get_candles pins an empty search_path.'
);
select is_empty(
  $$select p.oid::regprocedure
      from pg_proc p
     where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
       and p.prosecdef
       and (p.proconfig is null or not ('search_path=""' = any (p.proconfig)))$$,
  'Every security definer function in public and private pins an empty search_path.'
);

select * from finish();
rollback;
