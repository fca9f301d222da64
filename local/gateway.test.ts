import { createServer, request as httpRequest, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from './gateway.ts';

describe('startGateway', () => {
  let upstream: Server;
  let upstreamPort = 0;
  let gateway: Gateway;
  let health: Record<string, unknown> = {};
  const seen: Array<{ method?: string; url?: string; authorization?: string; body: string }> = [];

  beforeAll(async () => {
    upstream = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        seen.push({ method: request.method, url: request.url, authorization: request.headers.authorization, body });
        response.writeHead(201, { 'Content-Type': 'application/json', 'X-Function': 'echo' });
        response.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamPort = (upstream.address() as { port: number }).port;
    gateway = await startGateway({
      port: 0,
      portVariable: 'API_PORT',
      functionNames: () => ['echo', 'sleeping'],
      functionPort: (name) => (name === 'echo' ? upstreamPort : undefined),
      health: () => health,
      log: () => {},
    });
  });
  afterAll(async () => {
    await gateway.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('reports every service on GET /health, 200 while each one with a state is up', async () => {
    health = { database: { state: 'up', latencyMs: 1 }, feed: 'simulated' };
    const response = await fetch(`${gateway.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', services: health });
  });

  it('answers 503 degraded on GET /health naming each service that is not up', async () => {
    health = { database: { state: 'up' }, dashboard: { state: 'restarting' }, functions: { state: 'starting', 'exchange-stream': 'starting' } };
    const response = await fetch(`${gateway.url}/health`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'degraded', down: ['dashboard', 'functions'], services: health });
  });

  it('proxies /functions/v1/<name> with method, path, headers and body, and passes the answer back', async () => {
    const response = await fetch(`${gateway.url}/functions/v1/echo?x=1`, { method: 'POST', headers: { Authorization: 'Bearer k' }, body: '{"a":1}' });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-function')).toBe('echo');
    expect(await response.json()).toEqual({ ok: true });
    expect(seen.at(-1)).toEqual({ method: 'POST', url: '/functions/v1/echo?x=1', authorization: 'Bearer k', body: '{"a":1}' });
  });

  it('answers 404 for an unknown function and 503 for one that is not running', async () => {
    const unknown = await fetch(`${gateway.url}/functions/v1/nope`);
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toBe('function_not_found');
    const down = await fetch(`${gateway.url}/functions/v1/sleeping`);
    expect(down.status).toBe(503);
    expect((await down.json()).error).toBe('function_unavailable');
  });

  it('routes requests under a mounted prefix to its handler, before /functions/v1, until unmounted', async () => {
    const unmount = gateway.onRequest('/realtime/v1/', (request, response) => {
      response.writeHead(202, { 'X-Route': 'realtime' });
      response.end(request.url);
    });
    const mounted = await fetch(`${gateway.url}/realtime/v1/api/broadcast?x=1`, { method: 'POST', body: '{}' });
    expect([mounted.status, mounted.headers.get('x-route'), await mounted.text()]).toEqual([202, 'realtime', '/realtime/v1/api/broadcast?x=1']);
    expect((await fetch(`${gateway.url}/functions/v1/echo`)).status).toBe(201);
    unmount();
    expect((await fetch(`${gateway.url}/realtime/v1/api/broadcast`, { method: 'POST' })).status).toBe(404);
  });

  it('hands WebSocket upgrades under a mounted prefix to its handler, and answers 404 once unmounted', async () => {
    const seen: string[] = [];
    const unmount = gateway.onUpgrade('/realtime/v1/websocket', (request, socket) => {
      seen.push(request.url ?? '');
      socket.end('HTTP/1.1 418 I am a teapot\r\nContent-Length: 0\r\n\r\n');
    });
    const upgrade = () => new Promise<number>((resolve) => {
      const request = httpRequest(`${gateway.url}/realtime/v1/websocket?vsn=2.0.0`, { headers: { Connection: 'Upgrade', Upgrade: 'websocket' } });
      request.on('response', (response) => resolve(response.statusCode ?? 0));
      request.end();
    });
    expect(await upgrade()).toBe(418);
    unmount();
    expect(await upgrade()).toBe(404);
    expect(seen).toEqual(['/realtime/v1/websocket?vsn=2.0.0']);
  });

  it('refuses a taken port with a message naming the port and its variable', async () => {
    await expect(startGateway({
      port: gateway.port, portVariable: 'API_PORT', functionNames: () => [], functionPort: () => undefined, health: () => ({}), log: () => {},
    })).rejects.toMatchObject({ code: 'PORT_IN_USE', exitCode: 2, message: expect.stringContaining(`port ${gateway.port}`) });
  });
});
