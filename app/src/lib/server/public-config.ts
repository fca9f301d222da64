// What the browser may know to reach Supabase: the project URL and the anon key, nothing else.
// Read from SUPABASE_URL / SUPABASE_ANON_KEY, else the local stack's defaults (.local/keys.json).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface PublicConfig {
  supabaseUrl: string;
  anonKey: string;
}

export const DEFAULT_SUPABASE_URL = 'http://127.0.0.1:54321';

/** The browser's Supabase settings. */
export function publicConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): PublicConfig {
  return {
    supabaseUrl: env.SUPABASE_URL || env.PUBLIC_SUPABASE_URL || DEFAULT_SUPABASE_URL,
    anonKey: env.SUPABASE_ANON_KEY || env.PUBLIC_SUPABASE_ANON_KEY || readLocalAnonKey(env, cwd),
  };
}

/** The anon key of the local stack, if its keys file exists (only that one field is read out). */
function readLocalAnonKey(env: NodeJS.ProcessEnv, cwd: string): string {
  const dirs = env.CANDLESTREAM_STATE_DIR ? [env.CANDLESTREAM_STATE_DIR] : [join(cwd, '.local'), resolve(cwd, '..', '.local')];
  for (const dir of dirs) {
    const file = join(dir, 'keys.json');
    if (!existsSync(file)) continue;
    try {
      const keys = JSON.parse(readFileSync(file, 'utf8')) as { anonKey?: unknown };
      if (typeof keys.anonKey === 'string') return keys.anonKey;
    } catch {
      // An unreadable keys file is the same as none: Realtime will refuse and the pill says so.
    }
  }
  return '';
}
