// The local stack's JWT secret and API keys, made on first use and kept in .local/keys.json: an anon
// key and a service_role key signed with the secret, as `supabase start` prints them.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SignJWT } from 'jose';
import { stateDir } from './paths.ts';

export interface LocalKeys {
  jwtSecret: string;
  anonKey: string;
  serviceRoleKey: string;
}

const TEN_YEARS_S = 10 * 365 * 24 * 3600;

/** Reads the local keys, creating and saving them the first time. */
export async function ensureLocalKeys(env: NodeJS.ProcessEnv = process.env): Promise<LocalKeys> {
  const file = join(stateDir(env), 'keys.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalKeys;
  const jwtSecret = randomBytes(32).toString('hex');
  const keys: LocalKeys = {
    jwtSecret,
    anonKey: await signRoleKey(jwtSecret, 'anon'),
    serviceRoleKey: await signRoleKey(jwtSecret, 'service_role'),
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
}

/** A long-lived API key for a role, shaped like Supabase's (iss, role, iat, exp). */
export function signRoleKey(secret: string, role: 'anon' | 'service_role'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('supabase-local')
    .setIssuedAt(now)
    .setExpirationTime(now + TEN_YEARS_S)
    .sign(new TextEncoder().encode(secret));
}
