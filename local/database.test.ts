import { afterAll, describe, expect, it } from 'vitest';
import { connectTestDatabase, describeWithDatabase, inRolledBackTransaction, testDatabaseUrl } from '../tests/support/database.ts';
import { bootstrapDatabase, cliUrl, redact } from './database.ts';

describe('cliUrl', () => {
  it('adds sslmode=disable for a local cluster, which does not speak TLS', () => {
    expect(cliUrl('postgresql://postgres:pw@127.0.0.1:54322/postgres')).toBe('postgresql://postgres:pw@127.0.0.1:54322/postgres?sslmode=disable');
  });

  it('leaves a remote url and an explicit sslmode alone', () => {
    expect(cliUrl('postgresql://u:p@db.example.test:5432/postgres')).toBe('postgresql://u:p@db.example.test:5432/postgres');
    expect(cliUrl('postgresql://u:p@localhost:5432/postgres?sslmode=require')).toBe('postgresql://u:p@localhost:5432/postgres?sslmode=require');
  });
});

describe('redact', () => {
  it('hides the password', () => {
    expect(redact('postgresql://postgres:secret@127.0.0.1:54322/postgres')).toBe('postgresql://postgres:***@127.0.0.1:54322/postgres');
  });
});

describeWithDatabase('bootstrapDatabase', () => {
  const sql = testDatabaseUrl ? connectTestDatabase() : undefined;
  afterAll(() => sql?.end());

  it('can run again on a bootstrapped and migrated database without changing what migrations rely on', async () => {
    expect(await bootstrapDatabase(testDatabaseUrl!)).toBe(true);
    const [roles] = await sql!`select count(*)::int as n from pg_roles where rolname in ('anon', 'authenticated', 'service_role', 'authenticator', 'supabase_admin')`;
    expect(roles!.n).toBe(5);
    const published = await sql!`select tablename from pg_publication_tables where pubname = 'supabase_realtime'`;
    expect(published.map((r) => r.tablename)).toContain('live_candles_1m');
  });

  it('queues a pg_net-style request with the signature pg_net has', async () => {
    const row = await inRolledBackTransaction(sql!, async (tx) => {
      const [queued] = await tx`select net.http_post(url := 'http://127.0.0.1:1/fn', body := '{"a":1}'::jsonb, params := '{"q":"a b"}'::jsonb) as id`;
      const [request] = await tx`
        select method, url, headers, convert_from(body, 'UTF8') as body, timeout_milliseconds
        from net.http_request_queue where id = ${queued!.id}`;
      return request;
    });
    expect(row).toMatchObject({ method: 'POST', url: 'http://127.0.0.1:1/fn?q=a%20b', headers: { 'Content-Type': 'application/json' }, body: '{"a": 1}', timeout_milliseconds: 5000 });
  });
});
