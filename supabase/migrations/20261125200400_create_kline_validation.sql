-- Validation of one Binance kline event, as pure SQL functions so the planner inlines them into
-- public.ingest_klines' set-based statement. Each returns null when the input is fine, else
-- array[reason_code, detail] — the codes listed on public.ingest_rejects.

-- Checks that obj has field `key` of the given kind: millis (integer epoch ms), text, decimal (a
-- finite decimal string or JSON number, as Binance sends prices), count (non-negative int4), boolean.
create function private.field_problem(obj jsonb, key text, label text, kind text)
returns text[]
language sql immutable parallel safe
as $$
  select case
    when not (obj ? key) then
      array['missing_field', format('field %s is missing', label)]
    when kind = 'decimal' then case
      when jsonb_typeof(obj -> key) = 'number' then null
      when jsonb_typeof(obj -> key) <> 'string' then
        array['invalid_type', format('field %s must be a decimal string, got %s %s', label, jsonb_typeof(obj -> key), obj -> key)]
      when lower(obj ->> key) in ('nan', '+nan', '-nan', 'inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity') then
        array['not_finite', format('field %s must be finite, got %s', label, obj -> key)]
      when length(obj ->> key) > 64
        or (obj ->> key) !~ '^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$' then
        array['not_numeric', format('field %s is not a number: %s', label, left(obj ->> key, 80))]
    end
    when kind = 'millis' then case
      when jsonb_typeof(obj -> key) <> 'number'
        or (obj ->> key)::numeric not between 0 and 9999999999999
        or (obj ->> key)::numeric % 1 <> 0 then
        array['invalid_type', format('field %s must be integer epoch milliseconds, got %s', label, left((obj -> key)::text, 80))]
    end
    when kind = 'count' then case
      when jsonb_typeof(obj -> key) <> 'number'
        or (obj ->> key)::numeric not between 0 and 2147483647
        or (obj ->> key)::numeric % 1 <> 0 then
        array['invalid_type', format('field %s must be a non-negative integer, got %s', label, left((obj -> key)::text, 80))]
    end
    when kind = 'text' then case
      when jsonb_typeof(obj -> key) <> 'string' then
        array['invalid_type', format('field %s must be a string, got %s', label, left((obj -> key)::text, 80))]
    end
    when kind = 'boolean' then case
      when jsonb_typeof(obj -> key) <> 'boolean' then
        array['invalid_type', format('field %s must be a boolean, got %s', label, left((obj -> key)::text, 80))]
    end
  end
$$;

-- Checks the values of a kline whose fields all have the right types (see private.field_problem).
create function private.kline_value_problem(k jsonb, ev jsonb, received_at timestamptz)
returns text[]
language sql immutable parallel safe
as $$
  select case
    when (k ->> 's') !~ '^[A-Z0-9]{2,20}$' then
      array['invalid_symbol', format('symbol %s does not match ^[A-Z0-9]{2,20}$', left(k ->> 's', 40))]
    when ev ? 's' and (ev ->> 's') is distinct from (k ->> 's') then
      array['symbol_mismatch', format('event symbol %s differs from kline symbol %s', left((ev -> 's')::text, 40), k ->> 's')]
    when (k ->> 'i') <> '1m' then
      array['unsupported_interval', format('interval %s is not 1m', left(k ->> 'i', 20))]
    when least((k ->> 'o')::numeric, (k ->> 'h')::numeric, (k ->> 'l')::numeric, (k ->> 'c')::numeric) <= 0 then
      array['non_positive_price', format('prices must be > 0, got o=%s h=%s l=%s c=%s', k ->> 'o', k ->> 'h', k ->> 'l', k ->> 'c')]
    when (k ->> 'v')::numeric < 0 or (k ->> 'q')::numeric < 0 then
      array['negative_volume', format('volumes must be >= 0, got v=%s q=%s', k ->> 'v', k ->> 'q')]
    when (k ->> 'h')::numeric < greatest((k ->> 'o')::numeric, (k ->> 'c')::numeric)
      or (k ->> 'l')::numeric > least((k ->> 'o')::numeric, (k ->> 'c')::numeric) then
      array['inconsistent_high_low', format('high/low inconsistent with open/close: o=%s h=%s l=%s c=%s', k ->> 'o', k ->> 'h', k ->> 'l', k ->> 'c')]
    when (k ->> 't')::bigint % 60000 <> 0 then
      array['unaligned_open_time', format('open time %s is not on a minute boundary', k ->> 't')]
    when (ev ->> 'E')::bigint < (k ->> 't')::bigint then
      array['event_time_before_open', format('event time %s is before the candle open %s', ev ->> 'E', k ->> 't')]
    when timestamptz 'epoch' + (ev ->> 'E')::bigint * interval '1 millisecond' > received_at + interval '5 minutes' then
      array['event_time_in_future', format('event time %s is more than 5 minutes after %s', ev ->> 'E', received_at)]
  end
$$;

-- The first problem of one kline event (already unwrapped from a combined-stream wrapper), or null.
create function private.kline_problem(ev jsonb, received_at timestamptz)
returns text[]
language sql immutable parallel safe
as $$
  select case
    when jsonb_typeof(ev) is distinct from 'object' then
      array['not_an_object', format('an event must be a JSON object, got %s', coalesce(jsonb_typeof(ev), 'nothing'))]
    when ev ? 'e' and (ev ->> 'e') is distinct from 'kline' then
      array['not_a_kline', format('event type %s is not "kline"', left((ev -> 'e')::text, 40))]
    when not (ev ? 'k') then
      array['missing_field', 'field k is missing']
    when jsonb_typeof(ev -> 'k') <> 'object' then
      array['invalid_type', format('field k must be an object, got %s', jsonb_typeof(ev -> 'k'))]
    else coalesce(
      private.field_problem(ev, 'E', 'E', 'millis'),
      private.field_problem(ev -> 'k', 's', 'k.s', 'text'),
      private.field_problem(ev -> 'k', 'i', 'k.i', 'text'),
      private.field_problem(ev -> 'k', 't', 'k.t', 'millis'),
      private.field_problem(ev -> 'k', 'o', 'k.o', 'decimal'),
      private.field_problem(ev -> 'k', 'h', 'k.h', 'decimal'),
      private.field_problem(ev -> 'k', 'l', 'k.l', 'decimal'),
      private.field_problem(ev -> 'k', 'c', 'k.c', 'decimal'),
      private.field_problem(ev -> 'k', 'v', 'k.v', 'decimal'),
      private.field_problem(ev -> 'k', 'q', 'k.q', 'decimal'),
      private.field_problem(ev -> 'k', 'n', 'k.n', 'count'),
      private.field_problem(ev -> 'k', 'x', 'k.x', 'boolean'),
      private.kline_value_problem(ev -> 'k', ev, received_at)
    )
  end
$$;

comment on function private.kline_problem(jsonb, timestamptz) is
  'Returns null when ev is a valid Binance 1m kline event, else array[reason_code, detail] (codes: see public.ingest_rejects).';

revoke all on function private.field_problem(jsonb, text, text, text) from public;
revoke all on function private.kline_value_problem(jsonb, jsonb, timestamptz) from public;
revoke all on function private.kline_problem(jsonb, timestamptz) from public;
