-- Private key/value settings for jobs that run inside the database (the watchdog, retention).
-- Secrets may live in Supabase Vault instead; private.setting() prefers Vault where it exists.
create table private.settings (
  key text primary key,
  value text not null,
  updated_at timestamptz not null default now()
);

comment on table private.settings is
  'Settings for in-database jobs: exchange_stream_url, service_role_key (prefer Vault on Supabase), stream_name, stale_after, candle_retention.';

alter table private.settings enable row level security;
revoke all on table private.settings from public, anon, authenticated, service_role;

insert into private.settings (key, value) values
  ('stream_name', 'exchange-stream'),
  ('stale_after', '90 seconds'),
  ('candle_retention', '30 days');

-- Reads a setting: a Vault secret of that name where Vault exists, else the settings table, else null.
create function private.setting(p_key text)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_value text;
begin
  if to_regclass('vault.decrypted_secrets') is not null then
    -- Dynamic, so this function compiles where Vault is absent (plain Postgres, the local stack).
    execute 'select decrypted_secret from vault.decrypted_secrets where name = $1 limit 1'
      into v_value using p_key;
  end if;
  if v_value is null then
    select s.value into v_value from private.settings s where s.key = p_key;
  end if;
  return v_value;
end
$$;

-- Writes a setting into the settings table (Vault secrets are managed with vault.create_secret).
create function private.set_setting(p_key text, p_value text)
returns void
language sql
security definer
set search_path = ''
as $$
  insert into private.settings (key, value, updated_at) values (p_key, p_value, now())
  on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at;
$$;

comment on function private.setting(text) is 'Returns the Vault secret named p_key where Vault exists, else private.settings.value, else null.';
comment on function private.set_setting(text, text) is 'Sets private.settings[p_key] = p_value.';

revoke all on function private.setting(text) from public, anon, authenticated, service_role;
revoke all on function private.set_setting(text, text) from public, anon, authenticated, service_role;
