-- pg_cron jobs and private.run_stream_watchdog: when the exchange-stream Edge Function gets re-invoked.
begin;
create extension if not exists pgtap with schema extensions;
select plan(27);

-- cron jobs
select results_eq(
  $$select schedule, command, active, database = current_database() from cron.job where jobname = 'candlestream-stream-watchdog'$$,
  $$values ('* * * * *', 'select private.run_stream_watchdog()', true, true)$$,
  'The watchdog job runs private.run_stream_watchdog() every minute in this database.'
);
select results_eq(
  $$select command, active, database = current_database() from cron.job where jobname = 'candlestream-retention'$$,
  $$values ('select private.purge_expired_rows()', true, true)$$,
  'The retention job runs private.purge_expired_rows() in this database.'
);
select matches(
  (select schedule from cron.job where jobname = 'candlestream-retention'),
  '^[0-9]{1,2} [0-9]{1,2} \* \* \*$',
  'The retention job runs once a day.'
);

-- The watchdog's world, emptied: no stream status, no lease, no URL or key, and a mark in the request
-- queue so that only requests made by this test are counted.
delete from public.stream_status;
delete from public.stream_leases;
delete from private.settings where key in ('exchange_stream_url', 'service_role_key');
create temp table queue_mark as select coalesce(max(id), 0) as last_id from net.http_request_queue;
create temp view new_requests as
  select q.method::text as method, q.url, q.headers, convert_from(q.body, 'UTF8')::jsonb as body
  from net.http_request_queue q
  where q.id > (select m.last_id from queue_mark m);

-- not configured
select is(private.run_stream_watchdog(), 'no_url',
  'A stale stream with no exchange_stream_url configured is only logged, as no_url.');
select is_empty($$select * from new_requests$$,
  'Without a URL nothing is queued.');
select private.set_setting('exchange_stream_url', 'http://127.0.0.1:54321/functions/v1/exchange-stream');
select is(private.run_stream_watchdog(), 'no_key',
  'A stale stream with a URL but no service_role_key is only logged, as no_key.');
select is_empty($$select * from new_requests$$,
  'Without a key nothing is queued.');
select private.set_setting('service_role_key', 'watchdog-test-service-key');

-- stale: no stream status at all
select is(private.run_stream_watchdog(), 'invoked',
  'A stream that never accepted an event is invoked.');
select results_eq(
  $$select method, url, headers ->> 'Authorization', headers ->> 'Content-Type', body from new_requests$$,
  $$values ('POST', 'http://127.0.0.1:54321/functions/v1/exchange-stream', 'Bearer watchdog-test-service-key',
            'application/json', '{"trigger": "watchdog", "reason": "stale and lease lapsed", "background": true}'::jsonb)$$,
  'Exactly one POST is queued to the Edge Function, with the service key as bearer token, asking it to stream in the background.'
);
update queue_mark set last_id = (select max(id) from net.http_request_queue);

-- stale: the last accepted event is 91 s old, though the lease is live
insert into public.stream_status (source, symbol, last_accepted_at)
values ('simulated', 'BTCUSDT', now() - interval '91 seconds');
select ok(public.claim_stream_lease('exchange-stream', 'edge-run-ada', '2 minutes'),
  'Ada''s Edge Function run holds the stream lease.');
select is(private.run_stream_watchdog(), 'invoked',
  'A stream with no event accepted for 91 s is invoked even while its lease is live.');
select results_eq(
  $$select method, body ->> 'reason' from new_requests$$,
  $$values ('POST', 'stale')$$,
  'Exactly one request is queued, giving stale as the reason.'
);
update queue_mark set last_id = (select max(id) from net.http_request_queue);

-- fresh
update public.stream_status set last_accepted_at = now();
select is(private.run_stream_watchdog(), 'fresh',
  'A stream that just accepted an event and holds a live lease is left alone.');
select is_empty($$select * from new_requests$$,
  'Nothing is queued for a fresh stream.');
update public.stream_status set last_accepted_at = now() - interval '90 seconds';
select is(private.run_stream_watchdog(), 'fresh',
  'A stream whose last accepted event is exactly 90 s old is not yet stale.');
insert into public.stream_status (source, symbol, last_accepted_at)
values ('binance', 'ETHUSDT', now() - interval '1 day');
select is(private.run_stream_watchdog(), 'fresh',
  'One fresh symbol makes the stream fresh even when another symbol went quiet.');
select is_empty($$select * from new_requests$$,
  'Nothing is queued while the stream stays fresh.');

-- fresh, but the lease lapsed
update public.stream_status set last_accepted_at = now() where symbol = 'BTCUSDT';
update public.stream_leases set expires_at = now() - interval '1 second' where stream = 'exchange-stream';
select is(private.run_stream_watchdog(), 'invoked',
  'A fresh stream whose lease lapsed is invoked, since its writer is gone.');
select results_eq(
  $$select method, body ->> 'reason' from new_requests$$,
  $$values ('POST', 'lease lapsed')$$,
  'Exactly one request is queued, giving lease lapsed as the reason.'
);
update queue_mark set last_id = (select max(id) from net.http_request_queue);
select ok(public.release_stream_lease('exchange-stream', 'edge-run-ada'),
  'Ada''s run releases the stream lease.');
select is(private.run_stream_watchdog(), 'invoked',
  'A fresh stream with no lease at all is invoked.');
update queue_mark set last_id = (select max(id) from net.http_request_queue);

-- the stale_after setting
select ok(public.claim_stream_lease('exchange-stream', 'edge-run-bob', '2 minutes'),
  'Bob''s Edge Function run takes the stream lease.');
select private.set_setting('stale_after', '5 minutes');
update public.stream_status set last_accepted_at = now() - interval '3 minutes' where symbol = 'BTCUSDT';
select is(private.run_stream_watchdog(), 'fresh',
  'With stale_after set to 5 minutes, a 3-minute-old stream is still fresh.');
select is_empty($$select * from new_requests$$,
  'Nothing is queued under the longer stale_after.');

-- the log
select results_eq(
  $$select decision, reason, request_id is not null from private.watchdog_log where checked_at = now() order by id$$,
  $$values ('no_url', 'stale and lease lapsed', false),
           ('no_key', 'stale and lease lapsed', false),
           ('invoked', 'stale and lease lapsed', true),
           ('invoked', 'stale', true),
           ('fresh', 'fresh', false),
           ('fresh', 'fresh', false),
           ('fresh', 'fresh', false),
           ('invoked', 'lease lapsed', true),
           ('invoked', 'lease lapsed', true),
           ('fresh', 'fresh', false)$$,
  'Every watchdog decision writes one log row with its reason.'
);
select is_empty(
  $$select 1 from private.watchdog_log l
     where l.checked_at = now() and l.request_id is not null
       and not exists (select 1 from net.http_request_queue q where q.id = l.request_id)$$,
  'Every logged invocation names the request it queued.'
);
select results_eq(
  $$select last_accepted_at, lease_expires_at from private.watchdog_log
     where checked_at = now() and reason = 'stale' order by id$$,
  $$values (now() - interval '91 seconds', now() + interval '2 minutes')$$,
  'The log keeps the last accepted time and lease expiry the decision was based on.'
);

select * from finish();
rollback;
