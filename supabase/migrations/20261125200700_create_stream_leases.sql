-- A lease per stream so that exactly one writer (one Edge Function invocation) holds an exchange
-- stream at a time. Claims are atomic (one upsert); an expired lease can be taken over.
create table public.stream_leases (
  stream text primary key,
  holder text not null,
  claimed_at timestamptz not null default now(),
  expires_at timestamptz not null
);

comment on table public.stream_leases is 'Who holds each exchange stream, until when. Managed by claim_stream_lease / release_stream_lease.';

alter table public.stream_leases enable row level security;

revoke all on table public.stream_leases from public, anon, authenticated, service_role;
grant select on table public.stream_leases to service_role;

create function public.claim_stream_lease(p_stream text, p_holder text, p_ttl interval)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  if coalesce(p_stream, '') = '' or coalesce(p_holder, '') = '' then
    raise exception using errcode = '22023', message = 'claim_stream_lease: stream and holder must be non-empty';
  end if;
  if p_ttl is null or p_ttl <= interval '0' or p_ttl > interval '1 hour' then
    raise exception using errcode = '22023',
      message = format('claim_stream_lease: ttl must be > 0 and <= 1 hour, got %s', coalesce(p_ttl::text, 'null'));
  end if;

  -- Takes a free or expired lease, or renews one we already hold; never steals a live one.
  insert into public.stream_leases as l (stream, holder, claimed_at, expires_at)
  values (p_stream, p_holder, now(), now() + p_ttl)
  on conflict (stream) do update
    set holder = excluded.holder,
        claimed_at = case when l.holder = excluded.holder then l.claimed_at else excluded.claimed_at end,
        expires_at = excluded.expires_at
    where l.holder = excluded.holder or l.expires_at <= now();

  return found;
end
$$;

comment on function public.claim_stream_lease(text, text, interval) is
  'Claims (or, for its current holder, renews) the lease on p_stream for p_ttl. Returns false while another holder''s lease is live.';

create function public.release_stream_lease(p_stream text, p_holder text)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.stream_leases where stream = p_stream and holder = p_holder;
  return found;
end
$$;

comment on function public.release_stream_lease(text, text) is
  'Releases p_holder''s lease on p_stream; returns false when p_holder did not hold it.';

revoke all on function public.claim_stream_lease(text, text, interval) from public, anon, authenticated;
revoke all on function public.release_stream_lease(text, text) from public, anon, authenticated;
grant execute on function public.claim_stream_lease(text, text, interval) to service_role;
grant execute on function public.release_stream_lease(text, text) to service_role;
