import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publicConfig } from './public-config.ts';

function projectWithKeys(): string {
  const root = mkdtempSync(join(tmpdir(), 'candlestream-app-'));
  mkdirSync(join(root, '.local'));
  writeFileSync(join(root, '.local', 'keys.json'), JSON.stringify({ jwtSecret: 'secret', anonKey: 'anon-key', serviceRoleKey: 'service-key' }));
  return root;
}

describe('publicConfig', () => {
  it('takes the URL and anon key from the environment', () => {
    expect(publicConfig({ SUPABASE_URL: 'https://x.example', SUPABASE_ANON_KEY: 'k' }, '/nonexistent')).toEqual({ supabaseUrl: 'https://x.example', anonKey: 'k' });
  });

  it('falls back to the local stack and reads only the anon key from its keys file', () => {
    const root = projectWithKeys();
    const config = publicConfig({}, join(root, 'app'));
    expect(config).toEqual({ supabaseUrl: 'http://127.0.0.1:54321', anonKey: 'anon-key' });
    expect(JSON.stringify(config)).not.toContain('service-key');
    expect(JSON.stringify(config)).not.toContain('secret');
  });
});
