-- Supabase look-alike bootstrap for a plain PostgreSQL 15 cluster.
--
-- Hosted Supabase (and `supabase start`) already has everything below; this file exists only so the
-- unmodified migrations in supabase/migrations/ apply to a Docker-free local cluster. It never goes
-- into supabase/migrations/. It is idempotent: run it before every migration run.
--
-- Schemas are owned by `supabase_admin`, as on Supabase, so `supabase db reset --db-url` keeps them.

-- Roles ----------------------------------------------------------------------------------------------
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'supabase_admin') then
    create role supabase_admin nologin superuser createdb createrole replication bypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
end
$$;

grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres;

-- API roles get short statement timeouts on Supabase; keep the same so slow queries show up locally.
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';

-- Schemas --------------------------------------------------------------------------------------------
create schema if not exists extensions authorization supabase_admin;
create schema if not exists auth authorization supabase_admin;

grant usage on schema public to postgres, anon, authenticated, service_role;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
grant usage on schema auth to postgres, anon, authenticated, service_role;

-- `extensions` on the search path, so pgTAP and other extensions installed there resolve unqualified.
alter role postgres set search_path = "$user", public, extensions;
alter role supabase_admin set search_path = public, extensions;
alter role authenticator set search_path = "$user", public, extensions;

-- What Supabase grants by default on objects created in `public`: everything, to every API role.
-- Migrations must therefore revoke what they do not mean to expose, exactly as on a hosted project.
alter default privileges for role postgres in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public grant all on sequences to postgres, anon, authenticated, service_role;

-- auth helpers, reading the JWT claims PostgREST and Realtime put into `request.jwt.claims` ----------
create or replace function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

create or replace function auth.uid() returns uuid
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

alter function auth.jwt() owner to supabase_admin;
alter function auth.uid() owner to supabase_admin;
alter function auth.role() owner to supabase_admin;
alter function auth.email() owner to supabase_admin;
grant execute on function auth.jwt(), auth.uid(), auth.role(), auth.email() to postgres, anon, authenticated, service_role;

-- Realtime publication (empty: migrations add the tables whose changes are broadcast) ---------------
do $$
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$$;

-- net: a stand-in for pg_net ---------------------------------------------------------------------
-- pg_net is not packaged for Debian. These objects have pg_net's names and signatures; requests are
-- queued in net.http_request_queue and a local worker (local/, a later part) sends them and writes
-- the outcome into net._http_response, as pg_net's background worker does.
create schema if not exists net authorization supabase_admin;

do $$
begin
  if not exists (select 1 from pg_type where typname = 'http_method' and typnamespace = 'net'::regnamespace) then
    create domain net.http_method as text check (value ilike 'get' or value ilike 'post' or value ilike 'delete');
  end if;
end
$$;

create table if not exists net.http_request_queue (
  id bigserial primary key,
  method net.http_method not null,
  url text not null,
  headers jsonb not null,
  body bytea,
  timeout_milliseconds integer not null
);

create table if not exists net._http_response (
  id bigint,
  status_code integer,
  content_type text,
  headers jsonb,
  content text,
  timed_out boolean,
  error_msg text,
  created timestamptz not null default now()
);
create index if not exists _http_response_created_idx on net._http_response (created);

-- Percent-encodes a string byte by byte (RFC 3986 unreserved characters pass through).
create or replace function net._urlencode(input text) returns text
language plpgsql immutable strict
as $$
declare
  bytes bytea := convert_to(input, 'UTF8');
  encoded text := '';
  b integer;
begin
  for i in 0 .. length(bytes) - 1 loop
    b := get_byte(bytes, i);
    if b between 48 and 57 or b between 65 and 90 or b between 97 and 122 or b in (45, 46, 95, 126) then
      encoded := encoded || chr(b);
    else
      encoded := encoded || '%' || upper(lpad(to_hex(b), 2, '0'));
    end if;
  end loop;
  return encoded;
end
$$;

-- Appends url-encoded params to a url, as pg_net does before queueing.
create or replace function net._url_with_params(url text, params jsonb) returns text
language sql immutable
as $$
  select case
    when params is null or params = '{}'::jsonb then url
    else url || case when position('?' in url) > 0 then '&' else '?' end || (
      select string_agg(net._urlencode(key) || '=' || net._urlencode(value), '&')
      from jsonb_each_text(params)
    )
  end
$$;

create or replace function net.http_get(
  url text,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb,
  timeout_milliseconds integer default 5000
) returns bigint
language plpgsql volatile strict
as $$
declare
  request_id bigint;
begin
  insert into net.http_request_queue (method, url, headers, timeout_milliseconds)
  values ('GET', net._url_with_params(url, params), headers, timeout_milliseconds)
  returning id into request_id;
  perform pg_notify('net_http_request', request_id::text);
  return request_id;
end
$$;

create or replace function net.http_post(
  url text,
  body jsonb default '{}'::jsonb,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds integer default 5000
) returns bigint
language plpgsql volatile
as $$
declare
  request_id bigint;
  content_type text;
begin
  select value into content_type
  from jsonb_each_text(coalesce(headers, '{}'::jsonb))
  where lower(key) = 'content-type'
  limit 1;

  if content_type is null then
    headers := coalesce(headers, '{}'::jsonb) || '{"Content-Type": "application/json"}'::jsonb;
  elsif content_type <> 'application/json' then
    raise exception 'Content-Type header must be "application/json"';
  end if;

  if body is null then
    raise exception 'body must not be null';
  end if;

  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values ('POST', net._url_with_params(url, params), headers, convert_to(body::text, 'UTF8'), timeout_milliseconds)
  returning id into request_id;
  -- Wakes the local worker at commit; pg_net's worker polls instead.
  perform pg_notify('net_http_request', request_id::text);
  return request_id;
end
$$;

alter table net.http_request_queue owner to supabase_admin;
alter table net._http_response owner to supabase_admin;
alter function net._urlencode(text) owner to supabase_admin;
alter function net._url_with_params(text, jsonb) owner to supabase_admin;
alter function net.http_get(text, jsonb, jsonb, integer) owner to supabase_admin;
alter function net.http_post(text, jsonb, jsonb, jsonb, integer) owner to supabase_admin;

-- As on Supabase: the net API is for privileged roles, not for anon/authenticated.
revoke all on schema net from public;
revoke execute on all functions in schema net from public;
grant usage on schema net to postgres, service_role;
grant all on all tables in schema net to postgres, service_role;
grant all on all sequences in schema net to postgres, service_role;
grant execute on all functions in schema net to postgres, service_role;
