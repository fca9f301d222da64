-- One row per symbol and minute: the 1-minute candles the dashboard draws, kept current by
-- public.ingest_klines. The check constraints make an impossible candle unstorable, whoever writes.
create table public.live_candles_1m (
  symbol text not null,
  "timestamp" timestamptz not null,
  "open" numeric not null,
  high numeric not null,
  low numeric not null,
  "close" numeric not null,
  volume numeric not null,
  quote_volume numeric not null,
  trades integer not null,
  is_closed boolean not null default false,
  event_time timestamptz not null,
  ingested_at timestamptz not null default now(),
  primary key (symbol, "timestamp"),
  constraint live_candles_1m_symbol_format check (symbol ~ '^[A-Z0-9]{2,20}$'),
  constraint live_candles_1m_minute_aligned check ("timestamp" = date_trunc('minute', "timestamp")),
  constraint live_candles_1m_prices_positive check ("open" > 0 and high > 0 and low > 0 and "close" > 0),
  -- high is the largest price, so a finite high bounds every other price (NaN sorts above Infinity).
  constraint live_candles_1m_prices_finite check (high < 'Infinity'::numeric),
  constraint live_candles_1m_low_below_body check (low <= least("open", "close")),
  constraint live_candles_1m_high_above_body check (high >= greatest("open", "close")),
  constraint live_candles_1m_volume_non_negative check (
    volume >= 0 and volume < 'Infinity'::numeric and quote_volume >= 0 and quote_volume < 'Infinity'::numeric
  ),
  constraint live_candles_1m_trades_non_negative check (trades >= 0),
  constraint live_candles_1m_event_after_open check (event_time >= "timestamp")
);

comment on table public.live_candles_1m is
  '1-minute OHLCV candles per symbol. "timestamp" is the candle open time; event_time is the exchange event time that produced the row (its version: newer wins). Written only through public.ingest_klines.';
comment on column public.live_candles_1m.event_time is 'Exchange event time (Binance "E") of the update this row holds; an older event never overwrites a newer one.';
comment on column public.live_candles_1m.is_closed is 'Binance "k.x": the candle is final. A closed candle is never reopened.';

alter table public.live_candles_1m enable row level security;

create policy "Candles are readable by everyone"
  on public.live_candles_1m
  for select
  to anon, authenticated
  using (true);

-- Supabase grants everything on new public tables to the API roles; take it back and open reads only.
-- There is deliberately no write grant: every write goes through public.ingest_klines.
revoke all on table public.live_candles_1m from public, anon, authenticated, service_role;
grant select on table public.live_candles_1m to anon, authenticated, service_role;
