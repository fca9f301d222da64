// deno test: the Edge Function's handler with hand-written fakes for the lease and the session.
import { createExchangeStreamHandler, type HandlerDeps } from './handler.ts';
import type { StreamLease } from '../_shared/postgres-sink.ts';
import type { SessionSummary } from '../_shared/stream-session.ts';

const KEY = 'service-role-key-for-tests';

const SUMMARY: SessionSummary = {
  status: 'completed', events: 120, malformed: 1, accepted: 100, stale: 19, rejected: 1,
  reconnects: 2, backfilled: 30, failedBatches: 0, durationMs: 5000,
};

/** One stream lease shared by every invocation, as the database's would be. */
function fakeLeases() {
  let holder: string | undefined;
  const released: string[] = [];
  const open = (who: string): StreamLease => ({
    claim: () => {
      if (holder !== undefined && holder !== who) return Promise.resolve(false);
      holder = who;
      return Promise.resolve(true);
    },
    release: () => {
      released.push(who);
      if (holder === who) holder = undefined;
      return Promise.resolve(true);
    },
  });
  return { open, released, holder: () => holder };
}

function handlerWith(overrides: Partial<HandlerDeps> = {}) {
  const leases = fakeLeases();
  let count = 0;
  const sessions: string[] = [];
  const handler = createExchangeStreamHandler({
    serviceRoleKey: KEY,
    newHolder: () => `holder-${++count}`,
    openLease: leases.open,
    runSession: ({ holder }) => {
      sessions.push(holder);
      return Promise.resolve(SUMMARY);
    },
    log: () => {},
    ...overrides,
  });
  return { handler, leases, sessions };
}

function post(token?: string): Request {
  return new Request('http://localhost/functions/v1/exchange-stream', {
    method: 'POST',
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
    body: '{"trigger":"test"}',
  });
}

function assertEquals(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

Deno.test('refuses a request without a bearer token with 401 and a JSON error', async () => {
  const { handler, sessions } = handlerWith();
  const response = await handler(post());
  assertEquals(response.status, 401, 'status');
  assertEquals((await response.json()).error, 'unauthorized', 'error code');
  assertEquals(sessions.length, 0, 'sessions started');
});

Deno.test('refuses the anon key (any other token) with 401', async () => {
  const { handler } = handlerWith();
  const response = await handler(post('anon-key-of-the-same-length-x'));
  assertEquals(response.status, 401, 'status');
  await response.body?.cancel();
});

Deno.test('refuses methods other than POST and GET with 405', async () => {
  const { handler } = handlerWith();
  const response = await handler(new Request('http://localhost/', { method: 'PUT', headers: { Authorization: `Bearer ${KEY}` } }));
  assertEquals(response.status, 405, 'status');
  await response.body?.cancel();
});

Deno.test('streams, releases the lease and answers the session summary', async () => {
  const { handler, leases, sessions } = handlerWith();
  const response = await handler(post(KEY));
  assertEquals(response.status, 200, 'status');
  assertEquals(await response.json(), { ...SUMMARY, holder: 'holder-1' }, 'summary');
  assertEquals(sessions, ['holder-1'], 'sessions');
  assertEquals(leases.released, ['holder-1'], 'released');
  assertEquals(leases.holder(), undefined, 'lease after');
});

Deno.test('a second invocation while the lease is held answers already-running and does nothing', async () => {
  let finish: (summary: SessionSummary) => void = () => {};
  const { handler, sessions } = handlerWith({
    runSession: ({ holder }) => {
      sessions.push(holder);
      return new Promise((resolve) => (finish = resolve));
    },
  });
  const first = handler(post(KEY));
  await new Promise((resolve) => setTimeout(resolve, 0));
  const second = await handler(post(KEY));
  assertEquals(second.status, 200, 'status');
  assertEquals(await second.json(), { status: 'already-running' }, 'body');
  assertEquals(sessions, ['holder-1'], 'only the first streams');
  finish(SUMMARY);
  assertEquals((await first).status, 200, 'first status');
});

Deno.test('a failing session answers 500 and still releases the lease', async () => {
  const { handler, leases } = handlerWith({ runSession: () => Promise.reject(new Error('database unreachable')) });
  const response = await handler(post(KEY));
  assertEquals(response.status, 500, 'status');
  assertEquals((await response.json()).message, 'database unreachable', 'message');
  assertEquals(leases.released, ['holder-1'], 'released');
});

function postJson(body: unknown): Request {
  return new Request('http://localhost/functions/v1/exchange-stream', {
    method: 'POST',
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

Deno.test('in the background, answers 202 as soon as it holds the lease and streams on', async () => {
  let finish: (summary: SessionSummary) => void = () => {};
  const { handler, leases } = handlerWith({ runSession: () => new Promise((resolve) => (finish = resolve)) });
  const response = await handler(postJson({ trigger: 'watchdog', background: true }));
  assertEquals(response.status, 202, 'status');
  assertEquals(await response.json(), { status: 'streaming', holder: 'holder-1' }, 'body');
  assertEquals(leases.holder(), 'holder-1', 'lease while streaming');
  finish(SUMMARY);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(leases.released, ['holder-1'], 'released at the end');
});

Deno.test('hands off to a successor after a session that spent its budget, once the lease is free', async () => {
  const handOffs: Array<{ from: string; leaseFree: boolean }> = [];
  const context = handlerWith({
    handOff: (from) => {
      handOffs.push({ from, leaseFree: context.leases.holder() === undefined });
      return Promise.resolve();
    },
  });
  const response = await context.handler(post(KEY));
  assertEquals(response.status, 200, 'status');
  assertEquals(handOffs, [{ from: 'holder-1', leaseFree: true }], 'hand-offs');
});

Deno.test('does not hand off after a lost lease or a failed session', async () => {
  const handOffs: string[] = [];
  const handOff = (from: string) => Promise.resolve(void handOffs.push(from));
  const lost = handlerWith({ handOff, runSession: () => Promise.resolve({ ...SUMMARY, status: 'lease-lost' }) });
  assertEquals((await lost.handler(post(KEY))).status, 200, 'lost status');
  const failed = handlerWith({ handOff, runSession: () => Promise.reject(new Error('exchange unreachable')) });
  const response = await failed.handler(post(KEY));
  assertEquals(response.status, 500, 'failed status');
  await response.body?.cancel();
  assertEquals(handOffs, [], 'hand-offs');
});

Deno.test('a failed hand-off is logged, and the session still answers its summary', async () => {
  const lines: string[] = [];
  const { handler } = handlerWith({ handOff: () => Promise.reject(new Error('connection refused')), log: (line) => lines.push(line) });
  const response = await handler(post(KEY));
  assertEquals(response.status, 200, 'status');
  await response.body?.cancel();
  assertEquals(lines.some((line) => line.includes('hand-off failed: connection refused')), true, 'logged');
});
