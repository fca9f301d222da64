// `npm start` itself, as a newcomer runs it: a fresh clone of this repository in a temp folder, the
// simulated feed on free ports, then Ctrl-C. Runs as its own suite (npm test -- --suite start).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, launchChromium } from '../../local/chromium.ts';
import { projectRoot } from '../../local/paths.ts';
import { stopCluster } from '../../local/postgres/cluster.ts';
import { devClusterSpec } from '../../local/postgres/dev-cluster.ts';
import { ensurePostgres } from '../../local/postgres/packages.ts';
import { freePort, isPortFree } from '../../local/process.ts';
import { alive, commandLine, listeningPorts, processGroup, processTree } from '../support/process-tree.ts';

const isCheckout = spawnSync('git', ['-C', projectRoot, 'rev-parse', 'HEAD']).status === 0;
const missing = isCheckout ? null : 'the project is not a git checkout (the test clones it)';
if (missing) console.warn(`npm start suite skipped: ${missing}`);
const noBrowser = existsSync(CHROMIUM_PATH) ? null : `${CHROMIUM_PATH} is absent (apt-get install -y chromium)`;
if (noBrowser) console.warn(`npm start suite: the page check is skipped: ${noBrowser}`);

/** Variables of the caller that would make the clone use something other than its own local stack. */
const INHERITED_CONFIG = ['DATABASE_URL', 'SUPABASE_URL', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_ROLE_KEY', 'FEED', 'SYMBOLS',
  'API_PORT', 'DB_PORT', 'EXCHANGE_PORT', 'APP_PORT', 'CANDLESTREAM_STATE_DIR', 'CANDLESTREAM_TEST_DATABASE_URL'];

describe.skipIf(missing !== null)('npm start on a fresh clone', () => {
  let clone = '';
  let ports: Record<'API_PORT' | 'DB_PORT' | 'EXCHANGE_PORT' | 'APP_PORT', string>;
  const runs: StartRun[] = [];

  beforeAll(async () => {
    clone = join(mkdtempSync(join(tmpdir(), 'candlestream-start-')), 'candlestream');
    cloneWorkingTree(projectRoot, clone);
    ports = { API_PORT: String(await freePort()), DB_PORT: String(await freePort()), EXCHANGE_PORT: String(await freePort()), APP_PORT: String(await freePort()) };
  });

  afterAll(async () => {
    // Whatever a failed test left running: the process groups, then the clone's cluster.
    for (const run of runs) if (run.exitCode() === undefined) run.kill('SIGKILL');
    if (clone) {
      const spec = devClusterSpec({ CANDLESTREAM_STATE_DIR: join(clone, '.local'), DB_PORT: ports.DB_PORT });
      stopCluster(ensurePostgres(), spec);
      // As root the cluster lives outside the clone (the postgres user cannot enter a private temp folder).
      if (!spec.dir.startsWith(clone)) rmSync(spec.dir, { recursive: true, force: true });
      rmSync(join(clone, '..'), { recursive: true, force: true });
    }
  });

  function start(env: Record<string, string> = {}, args: string[] = []): StartRun {
    const run = startRun(clone, { FEED: 'simulated', ...ports, ...env }, args);
    runs.push(run);
    return run;
  }

  it('installs, migrates, builds and serves everything, ending with the ready block', async () => {
    const run = start();
    const ready = await run.waitFor(/^ready: (\S+)$/m, 300_000);
    const out = run.output();
    expect(out).toContain('installing npm dependencies');
    for (const step of ['postgres', 'migrations', 'keys', 'feed', 'gateway', 'functions', 'pg_net worker', 'watchdog', 'dashboard']) {
      expect(out, `a progress line for ${step}`).toMatch(new RegExp(`^${step} +\\S`, 'm'));
    }
    expect(out).toMatch(/^postgres +created /m);
    expect(out).toMatch(/^dashboard +built \(no build yet\); log build\.log/m);
    expect(out).toContain(`watchdog       pg_cron invokes http://127.0.0.1:${ports.API_PORT}/functions/v1/exchange-stream when the stream is stale; invoked once now (streaming)\n`);
    const dashboard = `http://127.0.0.1:${ports.APP_PORT}/`;
    expect(ready[1]).toBe(dashboard);
    expect(out).toContain(`  dashboard  ${dashboard}\n`);
    expect(out).toContain(`  API        http://127.0.0.1:${ports.API_PORT}\n`);
    expect(out).toContain(`  database   postgresql://postgres:***@127.0.0.1:${ports.DB_PORT}/postgres\n`);
    expect(out).toMatch(/^ {2}anon key {3}eyJ[\w-]+\.[\w-]+\.[\w-]+$/m);
    expect(out).toMatch(/^ {2}feed {7}simulated \(exchange simulator at /m);
    expect(out.trimEnd().split('\n').at(-1)).toBe(`ready: ${dashboard}`);
  }, 330_000);

  it('answers GET /health with every service up', async () => {
    const response = await fetch(`http://127.0.0.1:${ports.API_PORT}/health`);
    const body = (await response.json()) as { status: string; services: Record<string, { state: string }> };
    expect(response.status).toBe(200);
    expect(body.status).toBe('ok');
    for (const service of ['database', 'postgres', 'feed', 'gateway', 'realtime', 'functions', 'pg_net worker', 'dashboard']) {
      expect(body.services[service]?.state, service).toBe('up');
    }
  });

  it('writes each service\'s log under .local/logs', () => {
    for (const service of ['postgres', 'gateway', 'realtime', 'function-exchange-stream', 'net-worker', 'watchdog', 'build', 'dashboard']) {
      expect(existsSync(join(clone, '.local', 'logs', `${service}.log`)), service).toBe(true);
    }
  });

  it('gets simulated candles into live_candles_1m', async () => {
    const sql = postgres(`postgresql://postgres:postgres@127.0.0.1:${ports.DB_PORT}/postgres`, { max: 1, onnotice: () => {} });
    try {
      await expect.poll(async () => (await sql`select source from public.stream_status where symbol = 'BTCUSDT'`).map((r) => r.source), { timeout: 30_000 })
        .toContain('simulated');
      // The watchdog knows where the function is and which key calls it.
      const [settings] = await sql`select private.setting('exchange_stream_url') as url, private.setting('service_role_key') as key`;
      const keys = JSON.parse(readFileSync(join(clone, '.local', 'keys.json'), 'utf8')) as { serviceRoleKey: string };
      expect(settings).toEqual({ url: `http://127.0.0.1:${ports.API_PORT}/functions/v1/exchange-stream`, key: keys.serviceRoleKey });
      const [candles] = await sql`select count(*)::int as n from public.live_candles_1m where symbol = 'BTCUSDT' and ingested_at > now() - interval '1 minute'`;
      expect(candles!.n).toBeGreaterThan(0);
    } finally {
      await sql.end();
    }
  });

  it.skipIf(noBrowser !== null)('shows those candles on the page, live through Realtime, labelled simulated', async () => {
    const sql = postgres(`postgresql://postgres:postgres@127.0.0.1:${ports.DB_PORT}/postgres`, { max: 1, onnotice: () => {} });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${ports.APP_PORT}/`);
      await expect.poll(() => page.textContent('[data-testid="stream-status"]'), { timeout: 15_000 }).toBe('simulated');
      // The simulator moves the price every second: the page must follow the table.
      await expect.poll(async () => {
        const [newest] = await sql`select close::float8 as close from public.live_candles_1m where symbol = 'BTCUSDT' order by "timestamp" desc limit 1`;
        const shown = Number((await page.textContent('[data-testid="last-price"]'))?.replace(/[^\d.]/g, ''));
        return shown === newest?.close;
      }, { timeout: 20_000, interval: 200 }).toBe(true);
    } finally {
      await browser.close();
      await sql.end();
    }
  }, 90_000);

  it('reports a service that dies with the tail of its log, and restarts it', async () => {
    const run = runs[0]!;
    const dashboard = processTree([run.pid]).find((pid) => commandLine(pid).endsWith(join(clone, 'app', 'build')));
    expect(dashboard, 'the dashboard server among npm start\'s children').toBeDefined();
    process.kill(dashboard!, 'SIGKILL');
    await run.waitFor(/^! dashboard was killed by SIGKILL; restarting in [\d.]+ s\. Last lines of \S+dashboard\.log:\n {2}\| /m, 10_000);
    await expect.poll(() => fetch(`http://127.0.0.1:${ports.APP_PORT}/`).then((r) => r.status, () => 0), { timeout: 30_000 }).toBe(200);
  }, 45_000);

  it('reports a dead postgres, starts it again, and the stream writes again', async () => {
    const run = runs[0]!;
    const dataDir = join(devClusterSpec({ CANDLESTREAM_STATE_DIR: join(clone, '.local') }).dir, 'data');
    const postmaster = processTree([1]).find((pid) => commandLine(pid).endsWith(` -D ${dataDir}`));
    expect(postmaster, 'the clone\'s postmaster').toBeDefined();
    const killedAt = new Date();
    process.kill(postmaster!, 'SIGKILL');
    await run.waitFor(/^! postgres stopped running; restarting in [\d.]+ s\. Last lines of \S+postgres\.log:\n {2}\| /m, 15_000);
    const sql = postgres(`postgresql://postgres:postgres@127.0.0.1:${ports.DB_PORT}/postgres`, { max: 1, onnotice: () => {} });
    try {
      await expect.poll(async () => {
        const [row] = await sql`select max(ingested_at) as at from public.live_candles_1m where symbol = 'BTCUSDT'`.catch(() => [{ at: null }]);
        return row?.at instanceof Date && row.at > killedAt;
      }, { timeout: 30_000, interval: 500 }).toBe(true);
      await expect.poll(async () => (await fetch(`http://127.0.0.1:${ports.API_PORT}/health`)).status, { timeout: 15_000 }).toBe(200);
    } finally {
      await sql.end();
    }
  }, 60_000);

  it('uses an external database and API instead of starting its own, serving only the dashboard', async () => {
    const keys = JSON.parse(readFileSync(join(clone, '.local', 'keys.json'), 'utf8')) as { anonKey: string; serviceRoleKey: string };
    const api = `http://127.0.0.1:${ports.API_PORT}`;
    const appPort = String(await freePort());
    const run = start({
      FEED: '', APP_PORT: appPort, API_PORT: String(await freePort()), DB_PORT: String(await freePort()), EXCHANGE_PORT: String(await freePort()),
      DATABASE_URL: `postgresql://postgres:postgres@127.0.0.1:${ports.DB_PORT}/postgres`,
      SUPABASE_URL: api, SUPABASE_ANON_KEY: keys.anonKey, SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey,
    });
    await run.waitFor(/^ready: /m, 60_000);
    const out = run.output();
    expect(out).toMatch(/^postgres +using DATABASE_URL \(postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres\); no local cluster$/m);
    for (const step of ['keys', 'feed', 'gateway', 'functions']) expect(out, `no ${step} of its own`).not.toMatch(new RegExp(`^${step} `, 'm'));
    expect(out).toContain(`  API        ${api}\n`);
    // The first stack streams; in the second or so of a hand-off between its sessions this call may take over.
    expect(out).toMatch(/^watchdog +.*(a stream is already running|invoked once now)/m);
    const html = await (await fetch(`http://127.0.0.1:${appPort}/`)).text();
    expect(html).toContain(keys.anonKey);
    expect(html).not.toContain(keys.serviceRoleKey);
    run.kill('SIGINT');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    // The stack it borrowed from is untouched.
    expect((await fetch(`${api}/health`)).status).toBe(200);
  }, 90_000);

  it('stops every child and the cluster on Ctrl-C, exits 0, and leaves no process or listening port', async () => {
    await expectCleanStop(runs[0]!, () => runs[0]!.kill('SIGINT'), clone);
  }, 60_000);

  it('starts again from the same .local without installing or building, and stops on SIGTERM to npm alone', async () => {
    const run = start();
    await run.waitFor(/^ready: /m, 120_000);
    const out = run.output();
    expect(out).not.toContain('installing npm dependencies');
    expect(out).toMatch(/^postgres +started \.local\/postgres/m);
    expect(out).not.toMatch(/^dashboard +(building|built)/m);
    // A supervisor stops a service with SIGTERM to the process it started: npm.
    await expectCleanStop(run, () => process.kill(run.pid, 'SIGTERM'), clone);
  }, 180_000);

  it('stops cleanly when Ctrl-C comes while it is still starting', async () => {
    const run = start();
    await run.waitFor(/^functions +/m, 60_000);
    run.kill('SIGINT');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.output()).not.toMatch(/^ready: /m);
    expect(run.output()).not.toContain('error [');
    const dataDir = join(devClusterSpec({ CANDLESTREAM_STATE_DIR: join(clone, '.local') }).dir, 'data');
    await expect.poll(() => [...processGroup(run.pid), ...processTree([1]).filter((pid) => commandLine(pid).endsWith(` -D ${dataDir}`))], { timeout: 10_000 }).toEqual([]);
  }, 90_000);

  it('stops a dashboard build under way when npm alone gets SIGTERM while starting', async () => {
    // A changed source makes this start rebuild the dashboard.
    appendFileSync(join(clone, 'app', 'src', 'app.css'), '\n/* changed by the npm start suite */\n');
    const run = start();
    await run.waitFor(/^watchdog +/m, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(run.output()).not.toMatch(/^dashboard +built/m);
    process.kill(run.pid, 'SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    // Gone with npm start, not merely finishing the build on its own a few seconds later.
    expect(processGroup(run.pid).map((pid) => `${pid} ${commandLine(pid)}`)).toEqual([]);
  }, 90_000);

  it.each(['API_PORT', 'APP_PORT', 'EXCHANGE_PORT', 'DB_PORT'] as const)('refuses a taken %s, naming the port and the variable', async (variable) => {
    const blocker = await occupy(Number(ports[variable]));
    try {
      const run = start();
      expect(await run.exited).toMatchObject({ code: 2 });
      expect(run.output()).toContain(`error [PORT_IN_USE]: port ${ports[variable]} is already in use on 127.0.0.1; stop what listens there or set ${variable} to another port`);
      expect(processGroup(run.pid)).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 60_000);

  it('refuses a bad FEED naming it, and a bad argument with usage, exiting 2', async () => {
    const feed = start({ FEED: 'kraken' });
    expect(await feed.exited).toMatchObject({ code: 2 });
    expect(feed.output()).toContain('error [INVALID_FEED]: FEED must be auto, binance, simulated or replay:<csv>, got "kraken"');
    const argument = start({}, ['--', '--frobnicate']);
    expect(await argument.exited).toMatchObject({ code: 2 });
    expect(argument.output()).toContain('usage: npm start');
  }, 60_000);
});

/**
 * A fresh clone of the repository with the working tree's uncommitted changes and new files on top,
 * so the suite tests what is on disk (on CI, a clean checkout, the two are the same).
 */
function cloneWorkingTree(from: string, to: string): void {
  const git = (args: string[], cwd = from, input?: Buffer) => {
    const result = spawnSync('git', args, { cwd, input, maxBuffer: 256 * 1024 * 1024 });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr.toString()}`);
    return result.stdout;
  };
  git(['clone', '--quiet', '--no-hardlinks', from, to]);
  const changes = git(['diff', 'HEAD', '--binary']);
  if (changes.length > 0) git(['apply', '--whitespace=nowarn', '-'], to, changes);
  for (const file of git(['ls-files', '--others', '--exclude-standard', '-z']).toString().split('\0').filter(Boolean)) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(join(from, file), join(to, file));
  }
}

interface StartRun {
  pid: number;
  output(): string;
  /** Resolves with the first match of pattern in the output so far or to come. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitCode(): number | null | undefined;
  /** Signals the whole process group, as a terminal's Ctrl-C does. */
  kill(signal: NodeJS.Signals): void;
}

function startRun(cwd: string, env: Record<string, string>, args: string[]): StartRun {
  const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !INHERITED_CONFIG.includes(name) && !name.startsWith('npm_')));
  // Its own process group, like a command typed in a terminal.
  const child: ChildProcess = spawn('npm', ['start', ...args], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...cleanEnv, ...env, NO_COLOR: '1' } });
  let output = '';
  let code: number | null | undefined;
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    listeners.forEach((listener) => listener());
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (exitCode, signal) => {
    code = exitCode;
    resolve({ code: exitCode, signal });
    listeners.forEach((listener) => listener());
  }));
  return {
    pid: child.pid!,
    output: () => output,
    exited,
    exitCode: () => code,
    kill: (signal) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    },
    waitFor: (pattern, timeoutMs) => new Promise((resolve, reject) => {
      const check = () => {
        const match = output.match(pattern);
        if (match) done(() => resolve(match));
        else if (code !== undefined) done(() => reject(new Error(`npm start exited (${code}) before printing ${pattern}:\n${output}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        settle();
      };
      listeners.add(check);
      check();
    }),
  };
}

/** Stops a ready run with `stop` and checks it exited 0 leaving no process (postgres included) and no port. */
async function expectCleanStop(run: StartRun, stop: () => void, clone: string): Promise<void> {
  const dataDir = join(devClusterSpec({ CANDLESTREAM_STATE_DIR: join(clone, '.local') }).dir, 'data');
  const postmaster = processTree([1]).find((pid) => commandLine(pid).endsWith(` -D ${dataDir}`));
  expect(postmaster, 'the clone\'s postmaster').toBeDefined();
  const pids = [...processTree([run.pid]), ...processTree([postmaster!])];
  const ports = listeningPorts(pids);
  expect(ports.length).toBeGreaterThanOrEqual(5); // gateway, database, simulator, dashboard, each function
  stop();
  expect(await run.exited).toEqual({ code: 0, signal: null });
  expect(run.output().trimEnd().split('\n').at(-1)).toBe('stopped');
  // What ran before the stop is gone, and nothing new (an orphan restarted meanwhile) is left in the group.
  const left = () => [...new Set([...pids.filter(alive), ...processGroup(run.pid)])].map((pid) => `${pid} ${commandLine(pid)}`);
  await expect.poll(left, { timeout: 10_000 }).toEqual([]);
  for (const port of ports) expect(await isPortFree(port), `port ${port} closed`).toBe(true);
}

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
