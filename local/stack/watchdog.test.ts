import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../exchange/test-client.ts';
import { openServiceLog } from '../service-log.ts';
import { invokeStream } from './watchdog.ts';

describe('invokeStream', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** A function that answers after delayMs, recording the authorization it was given. */
  async function fakeFunction(status: number, body: string, delayMs = 0) {
    const seen: Array<{ authorization: string; body: string }> = [];
    server = createServer((request, response) => {
      let received = '';
      request.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
      request.on('end', () => seen.push({ authorization: request.headers.authorization ?? '', body: received }));
      setTimeout(() => response.writeHead(status, { 'Content-Type': 'application/json' }).end(body), delayMs);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/functions/v1/exchange-stream`, seen };
  }

  const log = () => openServiceLog('watchdog', join(mkdtempSync(join(tmpdir(), 'watchdog-')), 'watchdog.log'));

  it('asks for a background stream and says it streams when the function answers 202', async () => {
    const fn = await fakeFunction(202, '{"status":"streaming","holder":"h-1"}');
    expect(await invokeStream(fn.url, 'service-key', log())).toBe('invoked once now (streaming)');
    expect(fn.seen).toEqual([{ authorization: 'Bearer service-key', body: '{"trigger":"npm start","background":true}' }]);
  });

  it('says the function is streaming when it holds the request open, and logs its final answer', async () => {
    const fn = await fakeFunction(200, '{"accepted":3}', 300);
    const serviceLog = log();
    expect(await invokeStream(fn.url, 'service-key', serviceLog, 50)).toBe('invoked once now (streaming)');
    await waitFor('the final answer in the log', () => readFileSync(serviceLog.path, 'utf8').includes('answer 200: {"accepted":3}'));
  });

  it('says when another invocation already holds the stream', async () => {
    const fn = await fakeFunction(200, '{"status":"already-running"}');
    expect(await invokeStream(fn.url, 'k', log())).toBe('a stream is already running (it holds the lease)');
  });

  it('reports a refusal with its status and body', async () => {
    const fn = await fakeFunction(401, '{"error":"unauthorized"}');
    expect(await invokeStream(fn.url, 'wrong', log())).toBe('invoking it failed (401: {"error":"unauthorized"}); the watchdog retries every minute');
  });

  it('reports a function that cannot be reached', async () => {
    expect(await invokeStream('http://127.0.0.1:1/functions/v1/exchange-stream', 'k', log())).toMatch(/^invoking it failed \(no answer: .+\); the watchdog retries every minute$/);
  });
});
