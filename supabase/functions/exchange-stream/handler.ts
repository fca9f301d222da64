// The exchange-stream Edge Function's request handling, with its collaborators passed in so that
// `deno test` can drive it: service-key auth, the stream lease, the session, and the JSON answers.

import type { StreamLease } from '../_shared/postgres-sink.ts';
import type { SessionSummary } from '../_shared/stream-session.ts';

export interface HandlerDeps {
  serviceRoleKey: string;
  newHolder: () => string;
  openLease: (holder: string) => StreamLease;
  runSession: (session: { holder: string; keepAlive: () => Promise<boolean> }) => Promise<SessionSummary>;
  log: (line: string) => void;
  leaseTtlSeconds?: number;
  /** The hosted Edge Runtime's EdgeRuntime.waitUntil: keeps the session alive if the caller hangs up. */
  waitUntil?: (promise: Promise<unknown>) => void;
}

export function createExchangeStreamHandler(deps: HandlerDeps): (request: Request) => Promise<Response> {
  const ttl = deps.leaseTtlSeconds ?? 60;
  return async (request) => {
    if (request.method !== 'POST' && request.method !== 'GET') {
      return json(405, { error: 'method_not_allowed', message: `use POST (or GET), not ${request.method}` });
    }
    if (!isServiceRole(request.headers.get('authorization'), deps.serviceRoleKey)) {
      return json(401, { error: 'unauthorized', message: 'this function requires the service role key as a Bearer token' });
    }
    const holder = deps.newHolder();
    const lease = deps.openLease(holder);
    if (!(await lease.claim(ttl))) {
      deps.log(`exchange-stream: ${holder}: another invocation holds the stream`);
      return json(200, { status: 'already-running' });
    }
    deps.log(`exchange-stream: ${holder}: holding the stream`);
    const session = deps.runSession({ holder, keepAlive: () => lease.claim(ttl) }).finally(() => lease.release());
    deps.waitUntil?.(session);
    try {
      const summary = await session;
      deps.log(`exchange-stream: ${holder}: ${JSON.stringify(summary)}`);
      return json(200, { ...summary, holder });
    } catch (error) {
      deps.log(`exchange-stream: ${holder}: failed: ${(error as Error).stack ?? error}`);
      return json(500, { error: 'stream_failed', message: (error as Error).message, holder });
    }
  };
}

/** Compares the bearer token with the key in time independent of where they differ. */
function isServiceRole(header: string | null, key: string): boolean {
  const token = header?.match(/^Bearer\s+(.+)$/i)?.[1] ?? '';
  if (key === '' || token.length !== key.length) return false;
  let difference = 0;
  for (let i = 0; i < key.length; i++) difference |= token.charCodeAt(i) ^ key.charCodeAt(i);
  return difference === 0;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}
