import { spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import type postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectTestDatabase, describeWithDatabase, testDatabaseUrl } from '../tests/support/database.ts';
import { sendRequest, startNetWorker, type NetWorker, type QueuedRequest } from './net-worker.ts';
import { projectRoot } from './paths.ts';
import { freePort } from './process.ts';

// Every path of this run starts here, so requests queued by parallel test files are told apart.
const PREFIX = `/net-worker-${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;

interface Hit {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describeWithDatabase('startNetWorker', () => {
  let sql: postgres.Sql;
  let target: Target;
  const requestIds: string[] = [];
  const workers: NetWorker[] = [];

  beforeAll(async () => {
    sql = connectTestDatabase();
    target = await startTarget();
  });
  // A worker left running by a failed test would take the next test's requests.
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });
  afterAll(async () => {
    await sql`delete from net._http_response where id in ${sql(requestIds.length > 0 ? requestIds : ['0'])}`;
    await sql.end();
    await target.close();
  });

  async function start(options: { concurrency?: number; pollIntervalMs?: number; log?: (line: string) => void } = {}) {
    const worker = await startNetWorker({ databaseUrl: testDatabaseUrl!, log: () => {}, ...options });
    workers.push(worker);
    return worker;
  }

  async function post(path: string, body: object = {}, headers: object = { 'Content-Type': 'application/json' }, timeoutMs = 5000) {
    const [row] = await sql<{ id: string }[]>`
      select net.http_post(url := ${target.url(path)}, body := ${JSON.stringify(body)}::text::jsonb,
                           headers := ${JSON.stringify(headers)}::text::jsonb, timeout_milliseconds := ${timeoutMs}) as id`;
    requestIds.push(row!.id);
    return row!.id;
  }

  function responseOf(id: string) {
    return waitFor(async () => {
      const [row] = await sql`
        select id::text, status_code, content_type, headers, content, timed_out, error_msg
        from net._http_response where id = ${id}`;
      return row;
    });
  }

  it('sends a committed net.http_post with its body and headers, and stores the response under its id', async () => {
    await start();
    const id = await post('/created', { symbol: 'BTCUSDT', reason: 'stale' }, { Authorization: 'Bearer service-key', 'Content-Type': 'application/json' });
    const response = await responseOf(id);
    expect(response).toMatchObject({
      id, status_code: 201, content_type: 'application/json', content: '{"created":true}', timed_out: false, error_msg: null,
    });
    expect(response.headers).toMatchObject({ 'content-type': 'application/json', 'x-target': 'candlestream-test' });
    const hit = target.hitsOn('/created')[0]!;
    expect(hit.method).toBe('POST');
    expect(JSON.parse(hit.body)).toEqual({ symbol: 'BTCUSDT', reason: 'stale' });
    expect(hit.headers.authorization).toBe('Bearer service-key');
    expect(hit.headers['content-type']).toBe('application/json');
    const [queued] = await sql`select count(*)::int as n from net.http_request_queue where id = ${id}`;
    expect(queued!.n).toBe(0);
  });

  it('sends net.http_get with its query parameters and no body', async () => {
    await start();
    const [row] = await sql<{ id: string }[]>`select net.http_get(${target.url('/get')}, '{"q": "a b"}'::jsonb) as id`;
    requestIds.push(row!.id);
    expect(await responseOf(row!.id)).toMatchObject({ status_code: 200, content: 'ok', error_msg: null });
    expect(target.hitsOn('/get?q=a%20b')).toMatchObject([{ method: 'GET', body: '' }]);
  });

  it('records timed_out and an error message when the server answers after the timeout', async () => {
    await start();
    const id = await post('/slow', {}, { 'Content-Type': 'application/json' }, 300);
    const response = await responseOf(id);
    expect(response).toMatchObject({ status_code: null, content: null, timed_out: true });
    expect(response.error_msg).toContain('300 ms');
  });

  it('records an error for a closed port and for an invalid URL, and goes on to the next request', async () => {
    await start();
    const closedPort = await freePort();
    const [refused] = await sql<{ id: string }[]>`select net.http_post(${`http://127.0.0.1:${closedPort}${PREFIX}/nobody`}, '{}'::jsonb) as id`;
    const [invalid] = await sql<{ id: string }[]>`select net.http_post('not a url', '{}'::jsonb) as id`;
    requestIds.push(refused!.id, invalid!.id);
    expect(await responseOf(refused!.id)).toMatchObject({ status_code: null, timed_out: false, error_msg: expect.stringContaining('refused') });
    expect(await responseOf(invalid!.id)).toMatchObject({ status_code: null, timed_out: false, error_msg: expect.stringContaining('invalid URL') });
    const next = await post('/created');
    expect(await responseOf(next)).toMatchObject({ status_code: 201, error_msg: null });
  });

  it('finds a request queued without a notification at its next poll', async () => {
    await start({ pollIntervalMs: 300 });
    // Past the drain every start does, so only the poll can find the row.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [row] = await sql<{ id: string }[]>`
      insert into net.http_request_queue (method, url, headers, timeout_milliseconds)
      values ('GET', ${target.url('/polled')}, '{}'::jsonb, 5000) returning id`;
    requestIds.push(row!.id);
    expect(await responseOf(row!.id)).toMatchObject({ status_code: 200 });
  });

  it('never has more than `concurrency` requests in flight', async () => {
    // Counted at fetch in this process: a worker of a parallel test file may take some of the requests.
    const fetches = countFetchesInFlight();
    try {
      await start({ concurrency: 2 });
      const [{ ids } = { ids: [] }] = await sql<{ ids: string[] }[]>`
        select array_agg(net.http_post(${target.url('/held')}, '{}'::jsonb)::text) as ids from generate_series(1, 6)`;
      requestIds.push(...ids);
      for (const id of ids) expect(await responseOf(id)).toMatchObject({ status_code: 200 });
      expect(fetches.peak()).toBeGreaterThan(0);
      expect(fetches.peak()).toBeLessThanOrEqual(2);
    } finally {
      fetches.restore();
    }
  });

  it('delivers each request exactly once when two workers drain the queue', async () => {
    await Promise.all([start({ concurrency: 4 }), start({ concurrency: 4 })]);
    const [{ ids } = { ids: [] }] = await sql<{ ids: string[] }[]>`
      select array_agg(net.http_post(${target.url('/once/')} || n, '{}'::jsonb)::text order by n) as ids
      from generate_series(1, 20) as n`;
    requestIds.push(...ids);
    for (const id of ids) expect(await responseOf(id)).toMatchObject({ status_code: 200 });
    const paths = target.hitsOn('/once/').map((hit) => hit.path).sort();
    expect(paths).toEqual(Array.from({ length: 20 }, (_, i) => `${PREFIX}/once/${i + 1}`).sort());
    const [stored] = await sql`select count(*)::int as n from net._http_response where id in ${sql(ids)}`;
    expect(stored!.n).toBe(20);
  });

  it('stop() waits for the request in flight, then leaves nothing that keeps the process alive', async () => {
    const child = await runChildWorker(target.url('/held'));
    expect(child.exitedByItself, child.output).toBe(true);
    expect(child.code, child.output).toBe(0);
    const id = /stopped after request (\d+)/.exec(child.output)?.[1];
    expect(id, child.output).toBeDefined();
    requestIds.push(id!);
    // The response was written before stop() resolved: the child printed only after it.
    const [row] = await sql`select status_code from net._http_response where id = ${id!}`;
    expect(row).toEqual({ status_code: 200 });
  });
});

describe('startNetWorker without a database', () => {
  it('refuses to start, naming the database, when it cannot connect', async () => {
    const port = await freePort();
    await expect(startNetWorker({ databaseUrl: `postgresql://postgres:secret@127.0.0.1:${port}/postgres`, log: () => {} }))
      .rejects.toMatchObject({ code: 'DATABASE_UNREACHABLE', message: expect.not.stringContaining('secret') });
  });
});

describe('sendRequest', () => {
  let target: Target;
  beforeAll(async () => {
    target = await startTarget();
  });
  afterAll(() => target.close());

  function request(path: string, headers: Record<string, string> = {}): QueuedRequest {
    return { id: '1', method: 'POST', url: target.url(path), headers, body: new TextEncoder().encode('{"a":1}'), timeoutMs: 5000 };
  }

  it('stores a redirect as it is, without following it, as curl does', async () => {
    const outcome = await sendRequest(request('/redirect'));
    expect(outcome).toMatchObject({ statusCode: 302, errorMsg: null, headers: expect.objectContaining({ location: '/elsewhere' }) });
    expect(target.hitsOn('/redirect')).toHaveLength(1);
  });

  it('reports a header the HTTP client refuses as an error, not a throw', async () => {
    const outcome = await sendRequest(request('/created', { 'X-Bad': 'line\nbreak' }));
    expect(outcome).toMatchObject({ statusCode: null, timedOut: false, errorMsg: expect.stringContaining(target.url('/created')) });
  });
});

/** Runs a worker in its own process, queues one request there, stops as soon as it is claimed. */
function runChildWorker(url: string): Promise<{ code: number | null; exitedByItself: boolean; output: string }> {
  const program = `
    import postgres from 'postgres';
    import { startNetWorker } from './local/net-worker.ts';
    const worker = await startNetWorker({ databaseUrl: process.env.DB_URL, log: () => {} });
    const sql = postgres(process.env.DB_URL, { max: 1, onnotice: () => {} });
    const [{ id }] = await sql\`select net.http_post(\${process.env.TARGET_URL}, '{}'::jsonb) as id\`;
    while ((await sql\`select 1 from net.http_request_queue where id = \${id}\`).length > 0) await new Promise((r) => setTimeout(r, 10));
    await sql.end();
    await worker.stop();
    console.log('stopped after request ' + id);`;
  const child = spawn(join(projectRoot, 'node_modules', '.bin', 'tsx'), ['--input-type=module', '-e', program], {
    cwd: projectRoot,
    env: { ...process.env, DB_URL: testDatabaseUrl!, TARGET_URL: url },
    // Its own process group: tsx runs the program in a grandchild, and a hung one must die too.
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => {
    const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 20_000);
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, exitedByItself: signal === null, output });
    });
  });
}

interface Target {
  url(path: string): string;
  hitsOn(pathStart: string): Hit[];
  close(): Promise<void>;
}

/**
 * The HTTP server requests are sent to. Paths: /created answers 201 with JSON, /redirect 302, /slow after 2 s,
 * /held after 150 ms, /once/... after 20 ms, anything else 200 "ok" at once.
 */
async function startTarget(): Promise<Target> {
  const hits: Hit[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '';
      hits.push({ method: req.method ?? '', path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const route = path.slice(PREFIX.length).split('?')[0]!.split('/')[1] ?? '';
      const answer = () => {
        if (route === 'redirect') {
          res.writeHead(302, { location: '/elsewhere' }).end();
        } else if (route === 'created') {
          res.writeHead(201, { 'content-type': 'application/json', 'x-target': 'candlestream-test' }).end('{"created":true}');
        } else {
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        }
      };
      const delay = route === 'slow' ? 2000 : route === 'held' ? 150 : route === 'once' ? 20 : 0;
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, delay);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: (path) => `http://127.0.0.1:${port}${PREFIX}${path}`,
    hitsOn: (pathStart) => hits.filter((hit) => hit.path.startsWith(`${PREFIX}${pathStart}`)),
    close: () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Wraps the global fetch to record the most calls pending at once; restore() puts it back. */
function countFetchesInFlight(): { peak(): number; restore(): void } {
  const original = globalThis.fetch;
  let pending = 0;
  let peak = 0;
  globalThis.fetch = async (...args: Parameters<typeof fetch>) => {
    pending += 1;
    peak = Math.max(peak, pending);
    try {
      return await original(...args);
    } finally {
      pending -= 1;
    }
  };
  return { peak: () => peak, restore: () => void (globalThis.fetch = original) };
}

/** Polls fn until it gives a value; fails after 10 s. */
async function waitFor<T>(fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('waited 10 s for a response row in vain');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
