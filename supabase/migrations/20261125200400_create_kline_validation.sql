-- Validation of Binance kline events, as SQL functions the planner inlines into
-- public.ingest_klines' set-based statement (stable, not immutable: format() and timestamptz
-- arithmetic are stable, and an immutable wrapper around them would not be inlined).
-- Each returns null when the input is fine, else array[reason_code, detail]; the codes are listed
-- on public.ingest_rejects.

-- Whether value is a decimal as Binance writes prices and volumes: a JSON string holding a finite
-- decimal number (at most 64 characters), or a JSON number.
create function private.is_decimal(value jsonb)
returns boolean
language sql immutable parallel safe
as $$
  select case jsonb_typeof(value)
    when 'number' then true
    when 'string' then (value #>> '{}') ~ '^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?$'
                       and length(value #>> '{}') <= 64
    else false
  end
$$;

-- Whether value is a JSON number holding a whole number between 0 and max (5.0 counts as whole).
create function private.is_whole_number(value jsonb, max numeric)
returns boolean
language sql immutable parallel safe
as $$
  select jsonb_typeof(value) = 'number' and value::numeric between 0 and max and value::numeric % 1 = 0
$$;

-- Checks one field, already extracted from its object (null: the field is missing or null), against
-- its kind: millis (integer epoch ms), text, decimal (see private.is_decimal), count (a non-negative
-- int4), boolean.
create function private.field_problem(value jsonb, label text, kind text)
returns text[]
language sql stable parallel safe
as $$
  select case
    when value is null or jsonb_typeof(value) = 'null' then
      array['missing_field', format('field %s is missing', label)]
    when kind = 'decimal' then case
      when private.is_decimal(value) then null
      when jsonb_typeof(value) <> 'string' then
        array['invalid_type', format('field %s must be a decimal string, got %s %s', label, jsonb_typeof(value), left(value::text, 80))]
      when lower(value #>> '{}') in ('nan', '+nan', '-nan', 'inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity') then
        array['not_finite', format('field %s must be finite, got %s', label, value)]
      else
        array['not_numeric', format('field %s is not a number: %s', label, left(value::text, 80))]
    end
    when kind = 'millis' then case
      when not private.is_whole_number(value, 9999999999999) then
        array['invalid_type', format('field %s must be integer epoch milliseconds, got %s', label, left(value::text, 80))]
    end
    when kind = 'count' then case
      when not private.is_whole_number(value, 2147483647) then
        array['invalid_type', format('field %s must be a non-negative integer, got %s', label, left(value::text, 80))]
    end
    when kind = 'text' then case
      when jsonb_typeof(value) <> 'string' then
        array['invalid_type', format('field %s must be a string, got %s', label, left(value::text, 80))]
    end
    when kind = 'boolean' then case
      when jsonb_typeof(value) <> 'boolean' then
        array['invalid_type', format('field %s must be a boolean, got %s', label, left(value::text, 80))]
    end
  end
$$;

-- Checks the values of a kline whose fields passed private.field_problem, already converted.
create function private.kline_value_problem(
  symbol text, event_symbol jsonb, kline_interval text,
  open_price numeric, high_price numeric, low_price numeric, close_price numeric,
  volume numeric, quote_volume numeric,
  open_ms bigint, event_ms bigint, received_at timestamptz
)
returns text[]
language sql stable parallel safe
as $$
  select case
    when symbol !~ '^[A-Z0-9]{2,20}$' then
      array['invalid_symbol', format('symbol %s does not match ^[A-Z0-9]{2,20}$', left(symbol, 40))]
    when event_symbol is not null and event_symbol is distinct from to_jsonb(symbol) then
      array['symbol_mismatch', format('event symbol %s differs from kline symbol %s', left(event_symbol::text, 40), symbol)]
    when kline_interval <> '1m' then
      array['unsupported_interval', format('interval %s is not 1m', left(kline_interval, 20))]
    when least(open_price, high_price, low_price, close_price) <= 0 then
      array['non_positive_price', format('prices must be > 0, got o=%s h=%s l=%s c=%s', open_price, high_price, low_price, close_price)]
    when volume < 0 or quote_volume < 0 then
      array['negative_volume', format('volumes must be >= 0, got v=%s q=%s', volume, quote_volume)]
    when high_price < greatest(open_price, close_price) or low_price > least(open_price, close_price) then
      array['inconsistent_high_low', format('high/low inconsistent with open/close: o=%s h=%s l=%s c=%s', open_price, high_price, low_price, close_price)]
    when open_ms % 60000 <> 0 then
      array['unaligned_open_time', format('open time %s is not on a minute boundary', open_ms)]
    when event_ms < open_ms then
      array['event_time_before_open', format('event time %s is before the candle open %s', event_ms, open_ms)]
    when timestamptz 'epoch' + event_ms * interval '1 millisecond' > received_at + interval '5 minutes' then
      array['event_time_in_future', format('event time %s is more than 5 minutes after %s', event_ms, received_at)]
  end
$$;

comment on function private.is_decimal(jsonb) is 'True when value is a finite decimal string (at most 64 characters) or a JSON number.';
comment on function private.is_whole_number(jsonb, numeric) is 'True when value is a JSON number holding a whole number in 0..max.';
comment on function private.field_problem(jsonb, text, text) is
  'Null when value is a present field of the given kind (millis, text, decimal, count, boolean), else array[reason_code, detail].';
comment on function private.kline_value_problem(text, jsonb, text, numeric, numeric, numeric, numeric, numeric, numeric, bigint, bigint, timestamptz) is
  'Null when a well-typed kline''s values are possible (symbol format, 1m interval, positive prices, high/low around open/close, minute-aligned open, event time after open and at most 5 minutes ahead), else array[reason_code, detail].';

revoke all on function private.is_decimal(jsonb) from public;
revoke all on function private.is_whole_number(jsonb, numeric) from public;
revoke all on function private.field_problem(jsonb, text, text) from public;
revoke all on function private.kline_value_problem(text, jsonb, text, numeric, numeric, numeric, numeric, numeric, numeric, bigint, bigint, timestamptz) from public;
