// The REST broadcast API behind the gateway (docs/realtime-protocol.md §7.4): POST /realtime/v1/api/broadcast
// with {messages: [{topic, event, payload}]}, and POST .../api/broadcast/<topic>/events/<event> with the
// payload as body; both answer 202 once the messages are sent to the topics' subscribers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TokenVerifier } from './auth.ts';
import { fanOutBroadcast } from './broadcast.ts';
import { fail, isJsonObject, ok, reasonOf, type RealtimeError, type Result } from './protocol.ts';
import type { UserBroadcast } from './serializer.ts';
import type { Subscriptions } from './subscriptions.ts';

export interface RestBroadcastOptions {
  subscriptions: Subscriptions;
  verifier: TokenVerifier;
  maxBodyBytes: number;
  log: (line: string) => void;
}

interface Outgoing {
  topic: string;
  broadcast: UserBroadcast;
}

const BATCH_PATH = '/realtime/v1/api/broadcast';
const SINGLE_PATH = /^\/realtime\/v1\/api\/broadcast\/([^/]+)\/events\/([^/]+)$/;

/** A gateway request handler for everything under /realtime/v1/ that is not the WebSocket. */
export function createRestBroadcastHandler(options: RestBroadcastOptions): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    handle(options, request, response).catch((error: unknown) => {
      options.log(`realtime: ${request.method} ${request.url} failed: ${(error as Error).message}`);
      if (!response.headersSent) answer(response, 500, { code: 'InternalError', message: 'the broadcast could not be handled' });
    });
  };
}

async function handle(options: RestBroadcastOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://gateway');
  const single = SINGLE_PATH.exec(url.pathname);
  if (url.pathname !== BATCH_PATH && !single) return answer(response, 404, { code: 'NotFound', message: `no Realtime route for ${url.pathname}` });
  if (request.method !== 'POST') return answer(response, 405, { code: 'MethodNotAllowed', message: `${request.method} is not allowed on ${url.pathname}; use POST` });
  const verified = await options.verifier.verify(tokenOf(request, url));
  if (!verified.ok) return answer(response, 401, verified.error);
  const body = await readJson(request, options.maxBodyBytes);
  if (!body.ok) return answer(response, body.error.code === 'PayloadTooLarge' ? 413 : 400, body.error);
  const messages = single ? singleMessage(decodeURIComponent(single[1]!), decodeURIComponent(single[2]!), body.value) : batchMessages(body.value);
  if (!messages.ok) return answer(response, messages.error.code === 'Unauthorized' ? 403 : 400, messages.error);
  for (const { topic, broadcast } of messages.value) fanOutBroadcast(options.subscriptions, topic, broadcast);
  response.writeHead(202, { 'Content-Length': '0' });
  response.end();
}

/** The bearer token if any (a signed-in user), else the apikey header, else the query's apikey. */
function tokenOf(request: IncomingMessage, url: URL): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const header = request.headers.apikey;
  return bearer ?? (typeof header === 'string' ? header : undefined) ?? url.searchParams.get('apikey') ?? undefined;
}

function batchMessages(body: unknown): Result<Outgoing[]> {
  if (!isJsonObject(body) || !Array.isArray(body.messages)) return fail('InvalidBroadcast', 'the body must be {"messages": [{"topic", "event", "payload"}, ...]}');
  const messages: Outgoing[] = [];
  for (const message of body.messages) {
    if (!isJsonObject(message) || typeof message.topic !== 'string' || message.topic === '' || typeof message.event !== 'string') {
      return fail('InvalidBroadcast', `each message needs a non-empty string "topic" and a string "event", got ${JSON.stringify(message)?.slice(0, 120)}`);
    }
    if (message.private === true) return fail('Unauthorized', `private channel "${message.topic}" needs realtime.messages policies, which the local stand-in does not evaluate`);
    messages.push(outgoing(message.topic, message.event, message.payload));
  }
  return ok(messages);
}

function singleMessage(topic: string, event: string, payload: unknown): Result<Outgoing[]> {
  return ok([outgoing(topic, event, payload)]);
}

function outgoing(topic: string, event: string, payload: unknown): Outgoing {
  return { topic: `realtime:${topic}`, broadcast: { event, body: { encoding: 'json', json: JSON.stringify(payload ?? {}) } } };
}

async function readJson(request: IncomingMessage, maxBytes: number): Promise<Result<unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return fail('PayloadTooLarge', `the body exceeds ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return ok(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
  } catch {
    return fail('InvalidBroadcast', 'the body is not JSON');
  }
}

function answer(response: ServerResponse, status: number, error: RealtimeError): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify({ reason: reasonOf(error) }));
}
