-- Changes to the candles flow to browsers through Supabase Realtime only for tables in this
-- publication; adding the table here is what makes the live chart live.
alter publication supabase_realtime add table public.live_candles_1m;
