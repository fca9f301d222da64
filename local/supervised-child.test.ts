import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './exchange/test-client.ts';
import { freePort, waitForPort } from './process.ts';
import { superviseChild, type ChildExit, type SupervisedChild } from './supervised-child.ts';

const SERVER = `require('node:http').createServer((q, r) => r.end('ok'))
  .listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT + ' as ' + process.pid));`;

describe('superviseChild', () => {
  const dir = mkdtempSync(join(tmpdir(), 'supervised-'));
  let supervised: SupervisedChild | undefined;
  afterEach(async () => {
    await supervised?.stop();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function startServer(isShuttingDown?: () => boolean) {
    const port = await freePort();
    const exits: ChildExit[] = [];
    const child = superviseChild({
      name: 'web', command: process.execPath, args: ['-e', SERVER], cwd: dir, env: { ...process.env, PORT: String(port) },
      logPath: join(dir, `web-${port}.log`), ready: () => waitForPort(port, 10_000), onUnexpectedExit: (exit) => exits.push(exit), isShuttingDown,
    });
    supervised = child;
    return { child, port, exits, logPath: join(dir, `web-${port}.log`) };
  }

  it('starts the child, reports it up once it serves, and writes its output to its log', async () => {
    const { child, logPath } = await startServer();
    expect(await child.started).toBe(true);
    expect(child.state()).toBe('up');
    await waitFor('the child', () => readFileSync(logPath, 'utf8').includes(`as ${child.pid()}`));
  });

  it('reports a child that dies with the tail of its log, then restarts it', async () => {
    const { child, port, exits } = await startServer();
    await child.started;
    const first = child.pid()!;
    process.kill(first, 'SIGKILL');
    await waitFor('the child', () => exits.length === 1);
    expect(exits[0]).toMatchObject({ name: 'web', code: null, signal: 'SIGKILL' });
    expect(exits[0]!.restartInMs).toBeGreaterThan(0);
    expect(exits[0]!.tail.join('\n')).toContain(`listening on ${port} as ${first}`);
    await waitFor('the child', () => child.state() === 'up' && child.pid() !== first);
    expect(await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text())).toBe('ok');
  });

  it('neither reports nor restarts a child that exits while the stack shuts down', async () => {
    let shuttingDown = false;
    const { child, exits } = await startServer(() => shuttingDown);
    await child.started;
    shuttingDown = true;
    process.kill(child.pid()!, 'SIGINT');
    await waitFor('the child to stop', () => child.state() === 'stopped');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(exits).toEqual([]);
    expect(child.state()).toBe('stopped');
  });

  it('stops the child on stop() without reporting an exit', async () => {
    const { child, port, exits } = await startServer();
    await child.started;
    const pid = child.pid()!;
    await child.stop();
    expect(child.state()).toBe('stopped');
    expect(exits).toEqual([]);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(await waitForPort(port, 0)).toBe(false);
  });

  it('reports a start that never serves as not started', async () => {
    const port = await freePort();
    const exits: ChildExit[] = [];
    supervised = superviseChild({
      name: 'broken', command: process.execPath, args: ['-e', 'process.exit(3)'], cwd: dir, env: process.env,
      logPath: join(dir, 'broken.log'), ready: () => waitForPort(port, 10_000), onUnexpectedExit: (exit) => exits.push(exit),
    });
    expect(await supervised.started).toBe(false);
    await waitFor('the child', () => exits.length >= 1);
    expect(exits[0]).toMatchObject({ name: 'broken', code: 3 });
  });

});
