-- claim_stream_lease / release_stream_lease: one writer per exchange stream, expired leases taken over.
begin;
create extension if not exists pgtap with schema extensions;
select plan(21);

-- Ada's and Bob's Edge Function runs compete for the stream 'lease-test', which starts free.
delete from public.stream_leases where stream in ('lease-test', 'other-stream');
select ok(public.claim_stream_lease('lease-test', 'edge-run-ada', '2 minutes'),
  'Ada claims a free lease.');
select results_eq(
  $$select holder, claimed_at, expires_at from public.stream_leases where stream = 'lease-test'$$,
  $$values ('edge-run-ada', now(), now() + interval '2 minutes')$$,
  'The lease records Ada as holder until now() + ttl.'
);
select ok(not public.claim_stream_lease('lease-test', 'edge-run-bob', '2 minutes'),
  'Bob cannot claim the lease while Ada''s is live.');
select results_eq(
  $$select holder, expires_at from public.stream_leases where stream = 'lease-test'$$,
  $$values ('edge-run-ada', now() + interval '2 minutes')$$,
  'A refused claim leaves Ada''s lease untouched.'
);

-- renewal keeps the original claim time
update public.stream_leases set claimed_at = now() - interval '10 minutes' where stream = 'lease-test';
select ok(public.claim_stream_lease('lease-test', 'edge-run-ada', '5 minutes'),
  'Ada renews her own live lease.');
select results_eq(
  $$select holder, claimed_at, expires_at from public.stream_leases where stream = 'lease-test'$$,
  $$values ('edge-run-ada', now() - interval '10 minutes', now() + interval '5 minutes')$$,
  'A renewal extends the expiry and keeps the original claim time.'
);

-- release
select ok(not public.release_stream_lease('lease-test', 'edge-run-bob'),
  'Bob cannot release Ada''s lease.');
select isnt_empty($$select 1 from public.stream_leases where stream = 'lease-test' and holder = 'edge-run-ada'$$,
  'Ada still holds the lease after Bob''s attempt to release it.');
select ok(public.release_stream_lease('lease-test', 'edge-run-ada'),
  'Ada releases her lease.');
select is_empty($$select 1 from public.stream_leases where stream = 'lease-test'$$,
  'A released lease is gone.');
select ok(not public.release_stream_lease('lease-test', 'edge-run-ada'),
  'Releasing a lease twice reports that nothing was held.');
select ok(public.claim_stream_lease('lease-test', 'edge-run-bob', '2 minutes'),
  'Bob claims the lease once Ada released it.');

-- takeover of an expired lease
update public.stream_leases set claimed_at = now() - interval '10 minutes', expires_at = now() - interval '1 second'
 where stream = 'lease-test';
select ok(public.claim_stream_lease('lease-test', 'edge-run-ada', '2 minutes'),
  'Ada takes over Bob''s expired lease.');
select results_eq(
  $$select holder, claimed_at, expires_at from public.stream_leases where stream = 'lease-test'$$,
  $$values ('edge-run-ada', now(), now() + interval '2 minutes')$$,
  'A takeover starts a new claim for the new holder.'
);
update public.stream_leases set expires_at = now() where stream = 'lease-test';
select ok(public.claim_stream_lease('lease-test', 'edge-run-bob', '2 minutes'),
  'A lease expiring exactly now can be taken over.');
select ok(public.claim_stream_lease('other-stream', 'edge-run-ada', '2 minutes'),
  'Ada holds a lease on another stream while Bob holds this one.');

-- bad arguments
select throws_ok($$select public.claim_stream_lease('', 'edge-run-ada', '1 minute')$$, '22023', null,
  'An empty stream name is refused.');
select throws_ok($$select public.claim_stream_lease('lease-test', null, '1 minute')$$, '22023', null,
  'A missing holder is refused.');
select throws_ok($$select public.claim_stream_lease('lease-test', 'edge-run-ada', '0 seconds')$$, '22023', null,
  'A zero ttl is refused.');
select throws_ok($$select public.claim_stream_lease('lease-test', 'edge-run-ada', '61 minutes')$$, '22023', null,
  'A ttl over an hour is refused.');
select throws_ok($$select public.claim_stream_lease('lease-test', 'edge-run-ada', null)$$, '22023', null,
  'A null ttl is refused.');

select * from finish();
rollback;
