-- A schema for internals (settings, helpers, logs) that the Data API never exposes: on Supabase only
-- the schemas listed in the API settings are reachable, and API roles get no usage here anyway.
create schema if not exists private;

revoke all on schema private from public;
grant usage on schema private to service_role;

comment on schema private is 'candlestream internals: settings, validation helpers, watchdog log. Not exposed to API roles.';
