import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from './gateway.ts';

describe('startGateway', () => {
  let upstream: Server;
  let upstreamPort = 0;
  let gateway: Gateway;
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
      health: () => ({ functions: { echo: 'running', sleeping: 'restarting' } }),
      log: () => {},
    });
  });
  afterAll(async () => {
    await gateway.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('reports every service on GET /health', async () => {
    const response = await fetch(`${gateway.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', services: { functions: { echo: 'running', sleeping: 'restarting' } } });
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

  it('refuses a taken port with a message naming the port and its variable', async () => {
    await expect(startGateway({
      port: gateway.port, portVariable: 'API_PORT', functionNames: () => [], functionPort: () => undefined, health: () => ({}), log: () => {},
    })).rejects.toMatchObject({ code: 'PORT_IN_USE', exitCode: 2, message: expect.stringContaining(`port ${gateway.port}`) });
  });
});
