// npm run env — prints the local stack's connection settings as `supabase status -o env` does.
import { ensureLocalKeys } from '../local/keys.ts';
import { localApiUrl, localDatabaseUrl, stackPorts } from '../local/stack-config.ts';
import { parseCli, runMain } from './cli.ts';

const USAGE = `usage: npm run env

Prints SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_ROLE_KEY and DATABASE_URL of the local
stack (keys are generated on first use and kept in .local/keys.json). Values already set in the
environment win, as they do for every other command.`;

parseCli(USAGE, {});

runMain(async () => {
  const ports = stackPorts();
  const keys = await ensureLocalKeys();
  const lines = {
    SUPABASE_URL: process.env.SUPABASE_URL || localApiUrl(ports),
    SUPABASE_ANON_KEY: process.env.SUPABASE_ANON_KEY || keys.anonKey,
    SUPABASE_SERVICE_ROLE_KEY: process.env.SUPABASE_SERVICE_ROLE_KEY || keys.serviceRoleKey,
    DATABASE_URL: process.env.DATABASE_URL || localDatabaseUrl(ports),
  };
  for (const [name, value] of Object.entries(lines)) console.log(`${name}=${value}`);
});
