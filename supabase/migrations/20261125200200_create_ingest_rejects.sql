-- Every event public.ingest_klines refused, with a stable reason code, so bad input is visible to
-- operators and never silently dropped. Not readable by anon or authenticated.
create table public.ingest_rejects (
  id bigint generated always as identity primary key,
  received_at timestamptz not null default now(),
  source text not null,
  reason text not null,
  detail text not null,
  event jsonb
);

create index ingest_rejects_received_at_idx on public.ingest_rejects (received_at);

comment on table public.ingest_rejects is
  'Events refused by public.ingest_klines. reason is one of: not_an_object, not_a_kline, missing_field, invalid_type, not_numeric, not_finite, invalid_symbol, symbol_mismatch, unsupported_interval, non_positive_price, negative_volume, inconsistent_high_low, unaligned_open_time, event_time_before_open, event_time_in_future.';

-- RLS on and no policy: invisible to every role that does not bypass RLS.
alter table public.ingest_rejects enable row level security;

revoke all on table public.ingest_rejects from public, anon, authenticated, service_role;
grant select on table public.ingest_rejects to service_role;
