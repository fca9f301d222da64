-- The watchdog calls the Edge Function with pg_net's net.http_post. Hosted Supabase ships pg_net; a
-- local stack without it provides a net.http_post stand-in from its bootstrap (local/bootstrap).
do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_net') then
    create extension if not exists pg_net with schema extensions;
  elsif to_regprocedure('net.http_post(text, jsonb, jsonb, jsonb, integer)') is null then
    raise exception using
      errcode = '0A000',
      message = 'pg_net is not available and no net.http_post stand-in exists',
      hint = 'On Supabase enable pg_net; locally run the bootstrap first (npm run db:up does).';
  end if;
end
$$;
