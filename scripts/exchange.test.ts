// npm run exchange as a user runs it: argument errors exit 2 with usage; a run serves until SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../local/paths.ts';
import { freePort } from '../local/process.ts';
import { waitFor } from '../local/exchange/test-client.ts';

function runExchange(args: string[]) {
  const result = spawnSync('node', [join(projectRoot, 'scripts', 'run.mjs'), 'exchange', ...args], { cwd: projectRoot, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run exchange', () => {
  it.each([
    ['a non-numeric speed', ['--speed', 'abc']],
    ['a negative speed', ['--speed=-2']],
    ['a zero speed', ['--speed', '0']],
    ['a missing replay file', ['--replay', '/nonexistent.csv']],
    ['--symbols with --replay', ['--replay', join(projectRoot, 'package.json'), '--symbols', 'BTCUSDT']],
    ['a port out of range', ['--port', '70000']],
    ['an unknown option', ['--bogus']],
  ])('exits 2 with usage on %s', (_what, args) => {
    const run = runExchange(args);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('usage: npm run exchange');
  });

  it('prints one listening line, serves, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    // tsx directly: scripts/run.mjs waits synchronously and would not pass the signal on.
    const child = spawn(join(projectRoot, 'node_modules', '.bin', 'tsx'), ['scripts/exchange.ts', '--speed', '60', '--symbols', 'BTCUSDT,ETHUSDT'], {
      cwd: projectRoot, env: { ...process.env, EXCHANGE_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor('the listening line', () => stdout.includes('\n'), 30_000);
      expect(stdout).toMatch(new RegExp(`^exchange: listening on http://127\\.0\\.0\\.1:${port} \\(ws .*\\)\\n$`));
      const status = await (await fetch(`http://127.0.0.1:${port}/_sim/status`)).json();
      expect(status).toMatchObject({ symbols: ['BTCUSDT', 'ETHUSDT'], speed: 60, source: 'synthetic' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
