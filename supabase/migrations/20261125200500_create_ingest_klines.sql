-- The one write path into public.live_candles_1m. Every writer (Edge Function, importer, tests) calls
-- this, so validation and newer-wins semantics hold whoever writes. Set-based: one statement per batch
-- validates, collapses repeats of a candle, upserts, records rejects and updates stream_status.
create function public.ingest_klines(events jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
-- The lookup of stored candles must stay a primary-key probe even when statistics call the table
-- empty (fresh install, right after a truncate): a cached plan that scans the table instead grows
-- slower with every row. And a batch is a short OLTP call, where JIT would cost more than it saves.
set enable_seqscan = off
set jit = off
as $$
declare
  v_items jsonb;
  v_count integer;
  v_source text := left(coalesce(nullif(current_setting('candlestream.source', true), ''), 'unknown'), 64);
  v_result jsonb;
begin
  case jsonb_typeof(events)
    when 'array' then v_items := events;
    when 'object' then v_items := jsonb_build_array(events);
    else
      raise exception using
        errcode = '22023',
        message = format('ingest_klines: events must be a JSON object or array, got %s', coalesce(jsonb_typeof(events), 'null')),
        hint = 'Pass one kline event, a combined-stream wrapper {"stream":..,"data":..}, or an array of them.';
  end case;

  v_count := jsonb_array_length(v_items);
  if v_count > 5000 then
    raise exception using
      errcode = '22023',
      message = format('ingest_klines: a batch holds at most 5000 events, got %s', v_count),
      hint = 'Split the batch; nothing was written.';
  end if;

  with input as (
    select x.ord, x.item,
           case when jsonb_typeof(x.item) = 'object' and x.item ? 'stream' and x.item ? 'data'
                then x.item -> 'data' else x.item end as ev
    from jsonb_array_elements(v_items) with ordinality as x(item, ord)
  ),
  -- Each field is pulled out of its event once (jsonb_to_record), checked for its type, and only then
  -- converted; the value rules run on the converted values. Materialized, so this runs once per event.
  checked as materialized (
    select i.ord, i.item, k.s #>> '{}' as symbol, conv.*,
           coalesce(typing.problem, private.kline_value_problem(
             k.s #>> '{}', top.s, k.i #>> '{}', conv.open_price, conv.high_price, conv.low_price, conv.close_price,
             conv.volume, conv.quote_volume, conv.open_ms, conv.event_ms, now())) as problem
    from input i
    left join lateral jsonb_to_record(case when jsonb_typeof(i.ev) = 'object' then i.ev end)
      as top(e jsonb, "E" jsonb, s jsonb, k jsonb) on true
    left join lateral jsonb_to_record(case when jsonb_typeof(top.k) = 'object' then top.k end)
      as k(t jsonb, s jsonb, i jsonb, o jsonb, h jsonb, l jsonb, c jsonb, v jsonb, q jsonb, n jsonb, x jsonb) on true
    cross join lateral (
      select case
        when jsonb_typeof(i.ev) is distinct from 'object' then
          array['not_an_object', format('an event must be a JSON object, got %s', coalesce(jsonb_typeof(i.ev), 'nothing'))]
        when top.e is not null and top.e is distinct from '"kline"'::jsonb then
          array['not_a_kline', format('event type %s is not "kline"', left(top.e::text, 40))]
        when top.k is null then
          array['missing_field', 'field k is missing']
        when jsonb_typeof(top.k) <> 'object' then
          array['invalid_type', format('field k must be an object, got %s', jsonb_typeof(top.k))]
        -- The common case in one pass, with the same predicates the field-by-field checks use; only
        -- an event that fails it pays for finding out which field is wrong.
        when jsonb_typeof(k.s) = 'string' and jsonb_typeof(k.i) = 'string' and jsonb_typeof(k.x) = 'boolean'
          and private.is_whole_number(top."E", 9999999999999) and private.is_whole_number(k.t, 9999999999999)
          and private.is_whole_number(k.n, 2147483647)
          and private.is_decimal(k.o) and private.is_decimal(k.h) and private.is_decimal(k.l)
          and private.is_decimal(k.c) and private.is_decimal(k.v) and private.is_decimal(k.q) then
          null
        else coalesce(
          private.field_problem(top."E", 'E', 'millis'),
          private.field_problem(k.s, 'k.s', 'text'),
          private.field_problem(k.i, 'k.i', 'text'),
          private.field_problem(k.t, 'k.t', 'millis'),
          private.field_problem(k.o, 'k.o', 'decimal'),
          private.field_problem(k.h, 'k.h', 'decimal'),
          private.field_problem(k.l, 'k.l', 'decimal'),
          private.field_problem(k.c, 'k.c', 'decimal'),
          private.field_problem(k.v, 'k.v', 'decimal'),
          private.field_problem(k.q, 'k.q', 'decimal'),
          private.field_problem(k.n, 'k.n', 'count'),
          private.field_problem(k.x, 'k.x', 'boolean'))
      end as problem
      offset 0
    ) typing
    -- Converted only when every field has its type, so no cast can fail.
    left join lateral (
      select (top."E")::bigint as event_ms,
             (k.t)::bigint as open_ms,
             (k.o #>> '{}')::numeric as open_price,
             (k.h #>> '{}')::numeric as high_price,
             (k.l #>> '{}')::numeric as low_price,
             (k.c #>> '{}')::numeric as close_price,
             (k.v #>> '{}')::numeric as volume,
             (k.q #>> '{}')::numeric as quote_volume,
             (k.n)::integer as trades,
             (k.x)::boolean as is_closed
      where typing.problem is null
      offset 0
    ) conv on true
  ),
  rejects as (
    insert into public.ingest_rejects (source, reason, detail, event)
    select v_source, c.problem[1], c.problem[2], c.item
    from checked c
    where c.problem is not null
  ),
  candidates as (
    select c.ord, c.symbol,
           timestamptz 'epoch' + c.open_ms * interval '1 millisecond' as open_time,
           timestamptz 'epoch' + c.event_ms * interval '1 millisecond' as event_time,
           c.open_price, c.high_price, c.low_price, c.close_price, c.volume, c.quote_volume, c.trades, c.is_closed
    from checked c
    where c.problem is null
  ),
  -- What is stored now for each candle the batch touches: one primary-key probe per candle, not per
  -- event (a batch holds several updates of each open minute). Lateral + limit keeps it a probe
  -- whatever the planner guesses about the batch size.
  stored as (
    select keys.symbol, keys.open_time, s.event_time, s.is_closed
    from (select distinct cand.symbol, cand.open_time from candidates cand) keys
    cross join lateral (
      select c.event_time, c.is_closed
      from public.live_candles_1m c
      where c.symbol = keys.symbol and c."timestamp" = keys.open_time
      limit 1
    ) s
  ),
  -- An event is fresh when it is newer than everything before it in its candle's timeline: the stored
  -- row (ord 0), then the batch's earlier events; after a close nothing is news, and at an equal event
  -- time only a close is. Fresh events count as accepted, the rest (replays, reordered, after close)
  -- as stale. One window over the timeline, no join, so no row estimate can make it quadratic.
  classified as (
    select t.*,
           t.prior_event_time is null
           or (not t.prior_closed
               and (t.event_time > t.prior_event_time or (t.event_time = t.prior_event_time and t.is_closed))) as fresh
    from (
      select timeline.*,
             max(timeline.event_time) over earlier as prior_event_time,
             bool_or(timeline.is_closed) over earlier as prior_closed
      from (
        select cand.ord, cand.symbol, cand.open_time, cand.event_time, cand.open_price, cand.high_price,
               cand.low_price, cand.close_price, cand.volume, cand.quote_volume, cand.trades, cand.is_closed
        from candidates cand
        union all
        select 0, st.symbol, st.open_time, st.event_time, null, null, null, null, null, null, null, st.is_closed
        from stored st
      ) timeline
      window earlier as (partition by timeline.symbol, timeline.open_time order by timeline.ord
                         rows between unbounded preceding and 1 preceding)
    ) t
    where t.ord > 0
  ),
  -- Postgres refuses to update one row twice in a statement: keep only the newest event per candle.
  latest as (
    select distinct on (cl.symbol, cl.open_time) cl.*
    from classified cl
    where cl.fresh
    order by cl.symbol, cl.open_time, cl.event_time desc, cl.is_closed desc, cl.ord desc
  ),
  upserted as (
    insert into public.live_candles_1m as c
      (symbol, "timestamp", "open", high, low, "close", volume, quote_volume, trades, is_closed, event_time, ingested_at)
    select l.symbol, l.open_time, l.open_price, l.high_price, l.low_price, l.close_price,
           l.volume, l.quote_volume, l.trades, l.is_closed, l.event_time, now()
    from latest l
    on conflict (symbol, "timestamp") do update
      set "open" = excluded."open",
          high = excluded.high,
          low = excluded.low,
          "close" = excluded."close",
          volume = excluded.volume,
          quote_volume = excluded.quote_volume,
          trades = excluded.trades,
          is_closed = excluded.is_closed,
          event_time = excluded.event_time,
          ingested_at = excluded.ingested_at
      -- The guard again, against the row as committed now: a concurrent writer may have moved it on.
      where not c.is_closed
        and (excluded.event_time > c.event_time or (excluded.event_time = c.event_time and excluded.is_closed))
  ),
  tallies as (
    select t.symbol,
           max(t.event_time) as last_event_time,
           count(*) filter (where t.fresh) as accepted,
           count(*) filter (where not t.fresh) as stale,
           count(*) filter (where t.fresh is null) as rejected
    from (
      select cl.symbol, cl.event_time, cl.fresh from classified cl
      union all
      -- Rejects count against their symbol where one can be told; the rest only in ingest_rejects.
      select c.symbol, null, null
      from checked c
      where c.problem is not null and c.symbol ~ '^[A-Z0-9]{2,20}$'
    ) t
    group by t.symbol
  ),
  status as (
    insert into public.stream_status as s
      (source, symbol, last_event_time, last_ingested_at, last_accepted_at, accepted_count, stale_count, rejected_count)
    select v_source, t.symbol, t.last_event_time, now(), case when t.accepted > 0 then now() end,
           t.accepted, t.stale, t.rejected
    from tallies t
    on conflict (source, symbol) do update
      set last_event_time = greatest(s.last_event_time, excluded.last_event_time),
          last_ingested_at = excluded.last_ingested_at,
          last_accepted_at = coalesce(excluded.last_accepted_at, s.last_accepted_at),
          accepted_count = s.accepted_count + excluded.accepted_count,
          stale_count = s.stale_count + excluded.stale_count,
          rejected_count = s.rejected_count + excluded.rejected_count
  )
  select jsonb_build_object(
           'accepted', (select count(*) from classified where fresh),
           'stale', (select count(*) from classified where not fresh),
           'rejected', (select count(*) from checked where problem is not null))
  into v_result;

  return v_result;
end
$$;

comment on function public.ingest_klines(jsonb) is
  'Ingests Binance kline events: one event, a combined-stream wrapper {"stream":..,"data":..}, or an array of either (at most 5000). Each event is validated; bad ones are recorded in public.ingest_rejects with a reason code and never fail the batch. Valid ones are upserted newer-wins on event_time; a closed candle is never reopened. Sets stream_status for the source named by the candlestream.source setting. Returns {"accepted":n,"stale":n,"rejected":n}. Raises 22023, writing nothing, when the argument is not an object or array or holds more than 5000 events.';

revoke all on function public.ingest_klines(jsonb) from public, anon, authenticated;
grant execute on function public.ingest_klines(jsonb) to service_role;
