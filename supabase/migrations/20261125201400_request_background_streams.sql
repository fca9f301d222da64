-- The watchdog asks the exchange-stream function to stream in the background: it answers 202 as soon
-- as it holds the lease, so net._http_response records a real answer instead of a 5 s timeout. The
-- rest of the function is as 20261125201100 made it; replaced, never edited in place.
create or replace function private.run_stream_watchdog()
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_url text := private.setting('exchange_stream_url');
  v_key text := private.setting('service_role_key');
  v_stream text := coalesce(private.setting('stream_name'), 'exchange-stream');
  v_stale_after interval := coalesce(private.setting('stale_after'), '90 seconds')::interval;
  v_last_accepted timestamptz;
  v_lease_expires timestamptz;
  v_stale boolean;
  v_lapsed boolean;
  v_reason text;
  v_decision text;
  v_request bigint;
begin
  select max(s.last_accepted_at) into v_last_accepted from public.stream_status s;
  select l.expires_at into v_lease_expires from public.stream_leases l where l.stream = v_stream;
  v_stale := v_last_accepted is null or v_last_accepted < now() - v_stale_after;
  v_lapsed := v_lease_expires is null or v_lease_expires <= now();
  v_reason := case
    when v_stale and v_lapsed then 'stale and lease lapsed'
    when v_stale then 'stale'
    when v_lapsed then 'lease lapsed'
    else 'fresh'
  end;

  if not v_stale and not v_lapsed then
    v_decision := 'fresh';
  elsif v_url is null then
    v_decision := 'no_url';
    raise log 'candlestream watchdog: stream % is % but no exchange_stream_url is configured', v_stream, v_reason;
  elsif v_key is null then
    v_decision := 'no_key';
    raise log 'candlestream watchdog: stream % is % but no service_role_key is configured', v_stream, v_reason;
  else
    v_request := net.http_post(
      url := v_url,
      -- background: the function answers 202 once it holds the lease, well inside the 5 s timeout,
      -- instead of holding the request for its whole budget (every call used to end as a timeout).
      body := jsonb_build_object('trigger', 'watchdog', 'reason', v_reason, 'background', true),
      headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || v_key),
      timeout_milliseconds := 5000
    );
    v_decision := 'invoked';
  end if;

  insert into private.watchdog_log (decision, reason, last_accepted_at, lease_expires_at, request_id)
  values (v_decision, v_reason, v_last_accepted, v_lease_expires, v_request);
  return v_decision;
end
$$;

comment on function private.run_stream_watchdog() is
  'Invokes the exchange-stream Edge Function (net.http_post with the service key) when no event was accepted for stale_after (default 90 s) or the stream lease has lapsed; logs every decision in private.watchdog_log. Without a configured URL or key it only logs.';
