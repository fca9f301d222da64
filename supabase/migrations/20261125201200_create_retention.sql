-- Retention: 1m candles older than candle_retention (default 30 days) are deleted daily, with the
-- reject and watchdog logs past the same age, so the database stays bounded on a small plan.
create function private.purge_expired_rows()
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_cutoff timestamptz := now() - coalesce(private.setting('candle_retention'), '30 days')::interval;
  v_candles bigint;
  v_rejects bigint;
  v_log bigint;
begin
  delete from public.live_candles_1m where "timestamp" < v_cutoff;
  get diagnostics v_candles = row_count;
  delete from public.ingest_rejects where received_at < v_cutoff;
  get diagnostics v_rejects = row_count;
  delete from private.watchdog_log where checked_at < v_cutoff;
  get diagnostics v_log = row_count;
  return jsonb_build_object('cutoff', v_cutoff, 'candles', v_candles, 'rejects', v_rejects, 'watchdog_log', v_log);
end
$$;

comment on function private.purge_expired_rows() is
  'Deletes candles, ingest rejects and watchdog log rows older than the candle_retention setting (default 30 days); returns the counts.';

revoke all on function private.purge_expired_rows() from public, anon, authenticated, service_role;
