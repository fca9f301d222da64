-- pg_cron runs the watchdog every minute and retention once a day. Named jobs: scheduling again under
-- the same name replaces the job, so re-running this is harmless.
create extension if not exists pg_cron with schema pg_catalog;

select cron.schedule('candlestream-stream-watchdog', '* * * * *', 'select private.run_stream_watchdog()');
select cron.schedule('candlestream-retention', '17 3 * * *', 'select private.purge_expired_rows()');
