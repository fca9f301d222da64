// The local API gateway on 127.0.0.1:54321, like Supabase's: /functions/v1/<name> proxied to the
// functions host, WebSocket upgrades and HTTP requests under a prefix (Realtime at /realtime/v1)
// handed to their server, and GET /health reporting each service.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { portInUse } from './process.ts';

export interface GatewayOptions {
  port: number;
  portVariable: string;
  /** Resolves a function name to the port it listens on, or undefined when it is not running. */
  functionPort: (name: string) => number | undefined;
  functionNames: () => string[];
  /**
   * Each service's state for GET /health. A service reported as an object with a `state` other than
   * 'up' makes the answer 503 with status 'degraded'; anything else is reported as it is.
   */
  health: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  log: (line: string) => void;
}

export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

export interface Gateway {
  port: number;
  url: string;
  /** Routes WebSocket upgrades whose path starts with prefix to handler; returns a function that unmounts it. */
  onUpgrade(prefix: string, handler: UpgradeHandler): () => void;
  /** Routes HTTP requests whose path starts with prefix to handler (before /functions/v1); returns a function that unmounts it. */
  onRequest(prefix: string, handler: RequestHandler): () => void;
  close(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const upgrades: Array<[string, UpgradeHandler]> = [];
  const requests: Array<[string, RequestHandler]> = [];
  const server = createServer((request, response) => {
    const match = requests.find(([prefix]) => (request.url ?? '').startsWith(prefix));
    if (match) match[1](request, response);
    else route(options, request, response);
  });
  server.on('upgrade', (request, socket, head) => {
    const match = upgrades.find(([prefix]) => (request.url ?? '').startsWith(prefix));
    if (match) match[1](request, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE'
        ? portInUse(options.port, options.portVariable)
        : error));
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    onUpgrade: (prefix, handler) => mount(upgrades, prefix, handler),
    onRequest: (prefix, handler) => mount(requests, prefix, handler),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function mount<H>(routes: Array<[string, H]>, prefix: string, handler: H): () => void {
  const entry: [string, H] = [prefix, handler];
  routes.push(entry);
  return () => {
    const index = routes.indexOf(entry);
    if (index >= 0) routes.splice(index, 1);
  };
}

function route(options: GatewayOptions, request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://gateway');
  if (url.pathname === '/health' && request.method === 'GET') return void sendHealth(options, response);
  const fn = url.pathname.match(/^\/functions\/v1\/([^/]+)/)?.[1];
  if (fn === undefined) return sendJson(response, 404, { error: 'not_found', message: `no route for ${url.pathname}` });
  if (!options.functionNames().includes(fn)) return sendJson(response, 404, { error: 'function_not_found', message: `no function named "${fn}"` });
  const port = options.functionPort(fn);
  if (port === undefined) return sendJson(response, 503, { error: 'function_unavailable', message: `function "${fn}" is not running` });
  proxy(request, response, port, options.log);
}

async function sendHealth(options: GatewayOptions, response: ServerResponse): Promise<void> {
  try {
    const services = await options.health();
    const down = Object.entries(services).filter(([, service]) => isDown(service)).map(([name]) => name);
    sendJson(response, down.length === 0 ? 200 : 503, { status: down.length === 0 ? 'ok' : 'degraded', ...(down.length ? { down } : {}), services });
  } catch (error) {
    sendJson(response, 500, { status: 'error', message: (error as Error).message });
  }
}

function isDown(service: unknown): boolean {
  return typeof service === 'object' && service !== null && 'state' in service && service.state !== 'up';
}

function proxy(request: IncomingMessage, response: ServerResponse, port: number, log: (line: string) => void): void {
  const upstream = httpRequest(
    { host: '127.0.0.1', port, method: request.method, path: request.url, headers: request.headers },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    },
  );
  upstream.on('error', (error) => {
    log(`gateway: ${request.method} ${request.url} failed: ${error.message}`);
    if (!response.headersSent) sendJson(response, 502, { error: 'bad_gateway', message: error.message });
    else response.destroy();
  });
  // A caller that hangs up (pg_net after its timeout) must not cancel the function's work.
  request.pipe(upstream);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}
