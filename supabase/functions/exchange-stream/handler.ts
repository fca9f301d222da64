// The exchange-stream Edge Function's request handling, with its collaborators passed in so that
// `deno test` can drive it: service-key auth, the stream lease, the session, the JSON answers, and
// the hand-off to a successor when the time budget is spent.

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
  /**
   * Starts the next invocation once a session spent its budget and gave the lease back, so the stream
   * goes on within a second instead of waiting for the watchdog's next minute. Not after a failure
   * (the watchdog retries those) nor a lost lease (someone else streams).
   */
  handOff?: (from: string) => Promise<void>;
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
    const session = runAndHandOff(deps, holder, lease, ttl);
    deps.waitUntil?.(session);
    // A caller with a short timeout (pg_net, the predecessor handing off) asks for the answer at once.
    if (await wantsBackground(request)) {
      void session.catch(() => {});
      return json(202, { status: 'streaming', holder });
    }
    try {
      return json(200, { ...(await session), holder });
    } catch (error) {
      return json(500, { error: 'stream_failed', message: (error as Error).message, holder });
    }
  };
}

/** The session, its lease released whatever happens, then the hand-off when it ran its full budget. */
async function runAndHandOff(deps: HandlerDeps, holder: string, lease: StreamLease, ttl: number): Promise<SessionSummary> {
  let summary: SessionSummary;
  try {
    summary = await deps.runSession({ holder, keepAlive: () => lease.claim(ttl) });
  } catch (error) {
    deps.log(`exchange-stream: ${holder}: failed: ${(error as Error).stack ?? error}`);
    throw error;
  } finally {
    await lease.release();
  }
  deps.log(`exchange-stream: ${holder}: ${JSON.stringify(summary)}`);
  if (summary.status === 'completed' && deps.handOff) {
    await deps.handOff(holder).catch((error: Error) => deps.log(`exchange-stream: ${holder}: hand-off failed: ${error.message}; the watchdog will restart the stream`));
  }
  return summary;
}

/** `{"background": true}` in the JSON body. A body that is not JSON is simply not a request for it. */
async function wantsBackground(request: Request): Promise<boolean> {
  try {
    const body: unknown = await request.json();
    return typeof body === 'object' && body !== null && (body as { background?: unknown }).background === true;
  } catch {
    return false;
  }
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
