-- Candles for a chart: 1m rows as stored, or aggregated into 5m 15m 1h 4h 1d buckets (aligned to UTC,
-- as the exchange aligns them). Runs with the caller's rights, so RLS decides what it can see.
create function public.get_candles(
  p_symbol text,
  p_interval text default '1m',
  p_since timestamptz default null,
  p_limit integer default 1440
)
returns table (
  symbol text,
  "timestamp" timestamptz,
  "open" numeric,
  high numeric,
  low numeric,
  "close" numeric,
  volume numeric,
  quote_volume numeric,
  trades bigint,
  is_closed boolean,
  event_time timestamptz
)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_step interval;
  v_from timestamptz;
  v_latest timestamptz;
begin
  v_step := case p_interval
    when '1m' then interval '1 minute'
    when '5m' then interval '5 minutes'
    when '15m' then interval '15 minutes'
    when '1h' then interval '1 hour'
    when '4h' then interval '4 hours'
    when '1d' then interval '1 day'
  end;
  if v_step is null then
    raise exception using
      errcode = '22023',
      message = format('get_candles: unknown interval %L', p_interval),
      hint = 'Use one of 1m, 5m, 15m, 1h, 4h, 1d.';
  end if;
  if p_limit is null or p_limit not between 1 and 10000 then
    raise exception using
      errcode = '22023',
      message = format('get_candles: limit must be between 1 and 10000, got %s', coalesce(p_limit::text, 'null'));
  end if;

  if p_since is not null then
    -- From the bucket holding p_since onward: the shape a gap backfill wants.
    v_from := date_bin(v_step, p_since, timestamptz '2000-01-01 00:00:00+00');
  else
    -- The latest p_limit buckets, found from the newest stored minute (an index-only lookup).
    select max(c."timestamp") into v_latest from public.live_candles_1m c where c.symbol = p_symbol;
    if v_latest is null then
      return;
    end if;
    v_from := date_bin(v_step, v_latest, timestamptz '2000-01-01 00:00:00+00') - (p_limit - 1) * v_step;
  end if;

  return query
    select p_symbol,
           b.bucket,
           b.first_open,
           b.max_high,
           b.min_low,
           b.last_close,
           b.sum_volume,
           b.sum_quote_volume,
           b.sum_trades,
           -- A bucket is final once its last minute exists and is closed, and every minute in it is.
           b.all_closed and b.last_minute = b.bucket + v_step - interval '1 minute',
           b.max_event_time
    from (
      select date_bin(v_step, c."timestamp", timestamptz '2000-01-01 00:00:00+00') as bucket,
             (array_agg(c."open" order by c."timestamp"))[1] as first_open,
             max(c.high) as max_high,
             min(c.low) as min_low,
             (array_agg(c."close" order by c."timestamp" desc))[1] as last_close,
             sum(c.volume) as sum_volume,
             sum(c.quote_volume) as sum_quote_volume,
             sum(c.trades)::bigint as sum_trades,
             bool_and(c.is_closed) as all_closed,
             max(c."timestamp") as last_minute,
             max(c.event_time) as max_event_time
      from public.live_candles_1m c
      where c.symbol = p_symbol
        and c."timestamp" >= v_from
        and c."timestamp" < v_from + p_limit * v_step
      group by 1
    ) b
    order by b.bucket
    limit p_limit;
end
$$;

comment on function public.get_candles(text, text, timestamptz, integer) is
  'OHLCV rows for p_symbol, oldest first, at p_interval (1m 5m 15m 1h 4h 1d, UTC-aligned): open = first open, close = last close, high = max, low = min, volume/trades = sums. With p_since: the first p_limit buckets from the one holding p_since; without: the latest p_limit buckets. Unknown interval or a limit outside 1..10000 raises 22023.';

revoke all on function public.get_candles(text, text, timestamptz, integer) from public, anon, authenticated, service_role;
grant execute on function public.get_candles(text, text, timestamptz, integer) to anon, authenticated, service_role;
