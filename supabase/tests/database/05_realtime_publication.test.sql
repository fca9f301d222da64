-- Realtime: candle changes reach browsers only through the supabase_realtime publication.
begin;
create extension if not exists pgtap with schema extensions;
select plan(7);

select isnt_empty($$select 1 from pg_publication where pubname = 'supabase_realtime'$$,
  'The supabase_realtime publication exists.');
select results_eq(
  $$select pubinsert, pubupdate, puballtables from pg_publication where pubname = 'supabase_realtime'$$,
  $$values (true, true, false)$$,
  'The publication sends inserts and updates, and only for the tables added to it.'
);
select isnt_empty(
  $$select 1 from pg_publication_tables
     where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'live_candles_1m'$$,
  'live_candles_1m is in the publication, so candle changes flow to browsers.'
);
select is(
  (select attnames from pg_publication_tables
    where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'live_candles_1m'),
  array['symbol', 'timestamp', 'open', 'high', 'low', 'close', 'volume', 'quote_volume', 'trades',
        'is_closed', 'event_time', 'ingested_at']::name[],
  'Every candle column is published.'
);
select is_empty(
  $$select 1 from pg_publication_tables
     where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'ingest_rejects'$$,
  'ingest_rejects is not in the publication, so rejected input never reaches browsers.'
);
select is_empty(
  $$select 1 from pg_publication_tables
     where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'stream_leases'$$,
  'stream_leases is not in the publication.'
);
select is_empty(
  $$select 1 from pg_publication_tables
     where pubname = 'supabase_realtime' and schemaname = 'private'$$,
  'No private table is in the publication.'
);

select * from finish();
rollback;
