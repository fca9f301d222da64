-- One row per (source, symbol): what the dashboard's health indicator and the watchdog read.
-- Kept current by public.ingest_klines; source comes from the writer's `candlestream.source` setting.
create table public.stream_status (
  source text not null,
  symbol text not null,
  last_event_time timestamptz,
  last_ingested_at timestamptz,
  last_accepted_at timestamptz,
  accepted_count bigint not null default 0,
  stale_count bigint not null default 0,
  rejected_count bigint not null default 0,
  primary key (source, symbol)
);

comment on table public.stream_status is
  'Ingest health per (source, symbol): last exchange event time, last ingest, last accepted event, and running counts. source is e.g. binance, simulated, replay, import.';
comment on column public.stream_status.last_accepted_at is 'When an event last changed a candle; the watchdog calls the stream stale when this is old.';

alter table public.stream_status enable row level security;

create policy "Stream status is readable by everyone"
  on public.stream_status
  for select
  to anon, authenticated
  using (true);

revoke all on table public.stream_status from public, anon, authenticated, service_role;
grant select on table public.stream_status to anon, authenticated, service_role;
