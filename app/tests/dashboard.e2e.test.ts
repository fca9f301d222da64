// Browser end-to-end: the built dashboard (adapter-node) against the test Postgres and the Realtime
// stand-in on a gateway of its own, driven by playwright-core through Debian's Chromium. Candles go
// in through public.ingest_klines, as the Edge Function writes them.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, launchChromium } from '../../local/chromium.ts';
import { appDir, buildDashboard, startDashboard, waitFor, type DashboardStack } from './support/dashboard-stack.ts';
import { ingestCandles, removeSymbol, syntheticCandles, type SeedCandle } from './support/market.ts';

const artifacts = resolve(appDir, '..', 'tests', 'artifacts');
const databaseUrl = process.env.CANDLESTREAM_TEST_DATABASE_URL;
const SERVICE_KEY_MARKER = `service-key-marker-${randomBytes(6).toString('hex')}`;

const missing = !databaseUrl ? 'CANDLESTREAM_TEST_DATABASE_URL is not set (run with npm test)' : !existsSync(CHROMIUM_PATH) ? `${CHROMIUM_PATH} is absent (apt-get install -y chromium)` : null;
if (missing) console.warn(`dashboard end-to-end tests skipped: ${missing}`);
const describeE2E = missing ? describe.skip : describe;

const suffix = randomBytes(3).toString('hex').toUpperCase();
const SYMBOL = `E2EAPP${suffix}`;
const OTHER = `E2EAPQ${suffix}`;
const MINUTE = 60_000;

describeE2E('dashboard in Chromium', () => {
  const owner = postgres(databaseUrl ?? 'postgresql://unused@127.0.0.1:1/unused', { max: 2, onnotice: () => {} });
  const logs: string[] = [];
  let stack: DashboardStack;
  let appUrl: string;
  let browser: Browser;
  let page: Page;
  let history: SeedCandle[];

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    await buildDashboard({ SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY_MARKER });
    history = syntheticCandles(1_440);
    await ingestCandles(owner, SYMBOL, history, 'binance');
    await ingestCandles(owner, OTHER, syntheticCandles(300, Date.now(), 3_000, 11), 'simulated');
    stack = await startDashboard({ databaseUrl: databaseUrl!, env: { SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY_MARKER }, log: (line) => logs.push(line) });
    appUrl = stack.url;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.on('pageerror', (error) => logs.push(`pageerror: ${error.message}`));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await removeSymbol(owner, SYMBOL);
    await removeSymbol(owner, OTHER);
    await owner.end();
    if (logs.some((line) => line.startsWith('pageerror'))) console.warn(logs.filter((line) => line.startsWith('pageerror')).join('\n'));
  });

  it('server-renders the last price of 1,440 candles in under 120 KB', async () => {
    const response = await fetch(`${appUrl}/${SYMBOL}`);
    const html = await response.text();
    expect(response.status).toBe(200);
    console.info(`ssr_bytes_1440=${Buffer.byteLength(html)}`);
    expect(Buffer.byteLength(html)).toBeLessThan(120 * 1024);
    expect(html).toContain('data-testid="last-price"');
    expect(html).toContain(formatClose(history.at(-1)!.close));
    expect(html).not.toContain(SERVICE_KEY_MARKER);
  });

  it('answers GET /api/candles with compact candles, and a bad parameter with 400 and a code', async () => {
    const since = history.at(-3)!.openTime;
    const ok = await fetch(`${appUrl}/api/candles?symbol=${SYMBOL}&interval=1m&since=${since}`);
    const body = (await ok.json()) as { candles: { t: number[]; c: number[] } };
    expect(body.candles.t[0]).toBe(since);
    expect(body.candles.c.length).toBeGreaterThanOrEqual(3);
    const bad = await fetch(`${appUrl}/api/candles?symbol=${SYMBOL}&interval=3m`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'INVALID_INTERVAL' });
  });

  it('never puts a service key in the client bundle', () => {
    const files = listFiles(join(appDir, 'build', 'client'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toContain(SERVICE_KEY_MARKER);
      expect(text, file).not.toContain('SUPABASE_SERVICE_ROLE_KEY');
    }
  });

  it('draws candles, shows the last close and goes live', async () => {
    await page.goto(`${appUrl}/${SYMBOL}`);
    await waitFor(async () => (await paintedPixels(page)) > 2_000, 10_000);
    await expect.poll(() => page.textContent('[data-testid="last-price"]')).toBe(formatClose(history.at(-1)!.close));
    await expect.poll(() => page.textContent('[data-testid="stream-status"]'), { timeout: 15_000 }).toBe('live');
    const firstCandle = await page.evaluate(() => performance.getEntriesByName('candlestream:first-candle')[0]?.startTime ?? -1);
    console.info(`first_candle_ms=${firstCandle.toFixed(0)}`);
    await page.screenshot({ path: join(artifacts, 'dashboard-desktop.png') });
  });

  it('shows a close ingested after the first paint within 3 s', async () => {
    const close = history.at(-1)!.close + 123.45;
    await ingestUpdate(owner, SYMBOL, close);
    await expect.poll(() => page.textContent('[data-testid="last-price"]'), { timeout: 3_000, interval: 100 }).toBe(formatClose(close));
  });

  it('leaves live while Realtime is down and shows what was committed meanwhile once it is back', async () => {
    await stack.stopRealtime();
    await expect.poll(() => page.textContent('[data-testid="stream-status"]'), { timeout: 15_000 }).not.toBe('live');
    const close = history.at(-1)!.close + 321.5;
    await ingestUpdate(owner, SYMBOL, close);
    await new Promise((r) => setTimeout(r, 500));
    expect(await page.textContent('[data-testid="last-price"]')).not.toBe(formatClose(close));
    await stack.startRealtime();
    await expect.poll(() => page.textContent('[data-testid="stream-status"]'), { timeout: 30_000 }).toBe('live');
    await expect.poll(() => page.textContent('[data-testid="last-price"]'), { timeout: 5_000 }).toBe(formatClose(close));
  }, 60_000);

  it('redraws on an interval switch', async () => {
    const before = await canvasHash(page);
    await page.selectOption('[data-testid="interval-select"]', '5m');
    await page.waitForURL(/interval=5m/);
    await waitFor(async () => (await paintedPixels(page)) > 2_000 && (await canvasHash(page)) !== before, 10_000);
  });

  it('redraws on a symbol switch and names a simulated feed', async () => {
    const before = await canvasHash(page);
    await page.selectOption('[data-testid="symbol-select"]', OTHER);
    await page.waitForURL(new RegExp(`/${OTHER}`));
    await waitFor(async () => (await paintedPixels(page)) > 2_000 && (await canvasHash(page)) !== before, 10_000);
    await expect.poll(() => page.textContent('[data-testid="stream-status"]'), { timeout: 15_000 }).toBe('simulated');
  });

  it('is readable at a phone’s width', async () => {
    await page.goto(`${appUrl}/${SYMBOL}`);
    await page.setViewportSize({ width: 390, height: 844 });
    await waitFor(async () => (await paintedPixels(page)) > 1_000, 10_000);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(artifacts, 'dashboard-phone.png') });
  });

  it('reaches the selectors, the theme switch and the chart by keyboard', async () => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.goto(`${appUrl}/${SYMBOL}`);
    const reached = new Set<string>();
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      reached.add(await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.className ?? ''));
    }
    expect([...reached]).toEqual(expect.arrayContaining(['symbol-select', 'interval-select', 'candle-chart']));
  });
});

/** An update of the current minute with the given close, as the exchange would send it. */
async function ingestUpdate(sql: postgres.Sql, symbol: string, close: number): Promise<void> {
  const openTime = Math.floor(Date.now() / MINUTE) * MINUTE;
  const candle = { openTime, open: close - 10, high: close + 5, low: close - 20, close, volume: 3 };
  await ingestCandles(sql, symbol, [candle], 'binance', Date.now());
}

function formatClose(close: number): string {
  return close.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** Pixels of the chart canvas that are neither transparent nor the panel background. */
function paintedPixels(page: Page): Promise<number> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="candle-chart"]');
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || canvas.width === 0) return 0;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
      // Candle bodies: saturated red or green.
      if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 80) painted++;
    }
    return painted;
  });
}

function canvasHash(page: Page): Promise<string> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="candle-chart"]');
    const url = canvas?.toDataURL() ?? '';
    let hash = 0;
    for (let i = 0; i < url.length; i++) hash = (Math.imul(hash, 31) + url.charCodeAt(i)) | 0;
    return `${url.length}:${hash}`;
  });
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}
