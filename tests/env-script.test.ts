// npm run env as a user runs it: the local stack's settings, keys made once and kept in .local.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../local/paths.ts';

function runEnv(env: Record<string, string>) {
  const { SUPABASE_URL: _u, SUPABASE_ANON_KEY: _a, SUPABASE_SERVICE_ROLE_KEY: _s, DATABASE_URL: _d, ...inherited } = process.env;
  const result = spawnSync('node', [join(projectRoot, 'scripts', 'run.mjs'), 'env'], { cwd: projectRoot, encoding: 'utf8', env: { ...inherited, ...env } });
  const values = Object.fromEntries(result.stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  return { status: result.status, values };
}

describe('npm run env', () => {
  const state = mkdtempSync(join(tmpdir(), 'candlestream-env-'));
  afterAll(() => rmSync(state, { recursive: true, force: true }));

  it('prints the four settings of supabase status -o env, with keys signed by the local secret', async () => {
    const { status, values } = runEnv({ CANDLESTREAM_STATE_DIR: state });
    expect(status).toBe(0);
    expect(Object.keys(values)).toEqual(['SUPABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_ROLE_KEY', 'DATABASE_URL']);
    expect(values.SUPABASE_URL).toBe('http://127.0.0.1:54321');
    expect(values.DATABASE_URL).toBe('postgresql://postgres:postgres@127.0.0.1:54322/postgres');
    const secret = new TextEncoder().encode((JSON.parse(readFileSync(join(state, 'keys.json'), 'utf8')) as { jwtSecret: string }).jwtSecret);
    expect((await jwtVerify(values.SUPABASE_ANON_KEY!, secret)).payload.role).toBe('anon');
    expect((await jwtVerify(values.SUPABASE_SERVICE_ROLE_KEY!, secret)).payload.role).toBe('service_role');
  });

  it('keeps the keys it made: a second run prints the same ones', () => {
    expect(runEnv({ CANDLESTREAM_STATE_DIR: state }).values).toEqual(runEnv({ CANDLESTREAM_STATE_DIR: state }).values);
  });

  it('follows API_PORT and DB_PORT, and lets variables already set win', () => {
    const { values } = runEnv({ CANDLESTREAM_STATE_DIR: state, API_PORT: '6000', DB_PORT: '6001', SUPABASE_ANON_KEY: 'from-the-environment' });
    expect(values.SUPABASE_URL).toBe('http://127.0.0.1:6000');
    expect(values.DATABASE_URL).toBe('postgresql://postgres:postgres@127.0.0.1:6001/postgres');
    expect(values.SUPABASE_ANON_KEY).toBe('from-the-environment');
  });
});
