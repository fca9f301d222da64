// Benchmark: the dashboard in headless Chromium, measured as ../shared/docs/chart-performance.md
// describes — per-tick cost (update + paint) of the app's chart.js path at 1,440 and 10,000 loaded
// candles, with lightweight-charts as the peer on the same seeded ticks in the same page run; then
// navigation → first candle painted, and the bytes of the server-rendered page for 1,440 candles.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import ts from 'typescript';
import { launchChromium } from '../local/chromium.ts';
import { checkBuild } from '../local/stack/dashboard.ts';
import { appDir, buildDashboard, startDashboard, waitFor, type DashboardStack } from '../app/tests/support/dashboard-stack.ts';
import { ingestCandles, removeSymbol, syntheticCandles, type SeedCandle } from '../app/tests/support/market.ts';
import { ensureChromium } from '../local/chromium.ts';
import { LocalStackError } from '../local/errors.ts';
import { createRandom } from '../local/exchange/random.ts';
import { projectRoot } from '../local/paths.ts';
import type { BenchCandle, BenchLayout, BenchWindow, TickCost, TickTimes } from './chart-page.ts';
import { startIsolatingProxy, type IsolatingProxy } from './isolating-proxy.ts';
import type { BenchContext, Metric } from './metrics.ts';

const SYMBOL = 'CHARTBENCHUSDT';
const SEED = 5;
const MINUTE_MS = 60_000;
/** The chart's size in CSS px (device pixel ratio 1). */
const CHART = { width: 1000, height: 480 };
const WARM_UP_TICKS = 20;
const SERVED_CANDLES = 1_440;

export async function benchChart(ctx: BenchContext): Promise<Metric[]> {
  if (!ensureChromium(ctx.log)) throw new LocalStackError('CHROMIUM_MISSING', 'chart bench: /usr/bin/chromium is needed (apt-get install -y chromium)', 2);
  const measuredTicks = ctx.quick ? 100 : 200;
  const loads = ctx.quick ? 3 : 5;
  if (checkBuild().reason) await buildDashboard();
  await ingestCandles(ctx.sql, SYMBOL, syntheticCandles(SERVED_CANDLES, Date.now(), 67_000, SEED), 'bench');
  const logs: string[] = [];
  const stack = await startDashboard({ databaseUrl: ctx.databaseUrl, log: (line) => logs.push(line) });
  let browser: Browser | null = null;
  let proxy: IsolatingProxy | null = null;
  try {
    browser = await launchChromium();
    proxy = await startIsolatingProxy(stack.url);
    const ssrBytes = await measureSsrBytes(ctx, stack);
    const firstCandle = await measureFirstCandle(ctx, browser, stack, loads);
    const viewport = { width: CHART.width + firstCandle.chrome.width, height: CHART.height + firstCandle.chrome.height + CHART.height + 16 };
    const at1440 = await measureTicks(ctx, browser, proxy.url, viewport, SERVED_CANDLES, measuredTicks);
    const at10000 = await measureTicks(ctx, browser, proxy.url, viewport, 10_000, measuredTicks);
    return [
      { name: 'chart_tick_ms_1440', value: at1440.chartjs, unit: 'ms', goal: '<= 1', peer: { name: 'lwc_tick_ms_1440', value: at1440.lwc } },
      { name: 'chart_tick_ms_10000', value: at10000.chartjs, unit: 'ms', goal: '<= 1', peer: { name: 'lwc_tick_ms_10000', value: at10000.lwc } },
      { name: 'lwc_tick_ms_1440', value: at1440.lwc, unit: 'ms' },
      { name: 'lwc_tick_ms_10000', value: at10000.lwc, unit: 'ms' },
      { name: 'first_candle_ms', value: median(firstCandle.times), unit: 'ms', goal: '<= 500' },
      { name: 'ssr_bytes_1440', value: ssrBytes, unit: 'bytes', goal: '<= 122880' },
    ];
  } catch (error) {
    ctx.log(`chart: last lines of the app and stand-in logs:\n${logs.slice(-20).join('\n')}`);
    throw error;
  } finally {
    await browser?.close();
    await proxy?.close();
    await stack.stop();
    await removeSymbol(ctx.sql, SYMBOL);
  }
}

/** Bytes of the server-rendered page (uncompressed, as the server sends it). */
async function measureSsrBytes(ctx: BenchContext, stack: DashboardStack): Promise<number> {
  const response = await fetch(`${stack.url}/${SYMBOL}`);
  const bytes = Buffer.byteLength(await response.text());
  if (!response.ok) throw new LocalStackError('CHART_BENCH_SSR', `chart bench: GET /${SYMBOL} answered ${response.status}`);
  ctx.log(`chart: server-rendered page for ${SERVED_CANDLES} candles: ${bytes} bytes`);
  return bytes;
}

/**
 * Navigation → the app's `candlestream:first-candle` mark, each load in a new browser context (empty
 * cache). A first load warms the server and finds the page's chrome around the chart, so the measured
 * loads draw a chart of exactly CHART's size.
 */
async function measureFirstCandle(ctx: BenchContext, browser: Browser, stack: DashboardStack, loads: number) {
  const times: number[] = [];
  let chrome = { width: 26, height: 100 };
  for (let i = 0; i <= loads; i++) {
    const viewport = { width: CHART.width + chrome.width, height: CHART.height + chrome.height };
    await withPage(browser, viewport, async (page) => {
      await page.goto(`${stack.url}/${SYMBOL}`);
      const mark = await page.waitForFunction(() => performance.getEntriesByName('candlestream:first-candle')[0]?.startTime, undefined, { timeout: 15_000 });
      const ms = Number(await mark.jsonValue());
      const canvas = await page.evaluate(() => {
        const element = document.querySelector('[data-testid="candle-chart"]');
        return { width: element?.clientWidth ?? 0, height: element?.clientHeight ?? 0, innerWidth, innerHeight };
      });
      if (i === 0) chrome = { width: canvas.innerWidth - canvas.width, height: canvas.innerHeight - canvas.height };
      else times.push(ms);
      ctx.log(`chart: load ${i === 0 ? 'warm-up' : i}: first candle at ${ms.toFixed(0)} ms (chart ${canvas.width}×${canvas.height})`);
    });
  }
  ctx.log(`chart: first candle median ${median(times).toFixed(0)} ms over ${times.length} cold-cache loads`);
  return { times, chrome };
}

/** One page run: the app holding `candles` (older ones merged through applyMinute) and lightweight-charts on the same ticks. */
async function measureTicks(ctx: BenchContext, browser: Browser, origin: string, viewport: { width: number; height: number }, candles: number, measured: number) {
  return withPage(browser, viewport, async (page) => {
    page.on('pageerror', (error) => ctx.log(`chart: page error: ${error.message}`));
    await openBenchPage(page, origin);
    const held = await page.evaluate(() => {
      const drawn = (window as unknown as BenchWindow).candlestream!.market.drawn;
      return { first: drawn.slice(0, 1)[0]!, last: drawn.last()!, length: drawn.length };
    });
    const older = syntheticCandles(candles - held.length, held.first.time - MINUTE_MS, 67_000, SEED + 1).map(closedCandle);
    const layout = await page.evaluate(([o, w, h]) => (window as unknown as BenchWindow).chartBench!.setup(w, h, o), [older, CHART.width, CHART.height] as const);
    checkLayout(layout, candles);
    ctx.log(`chart: ${candles} candles: chart.js ${layout.chartjs.width}×${layout.chartjs.height}, lightweight-charts ${layout.lwc.width}×${layout.lwc.height} showing ${layout.lwcVisibleBars} bars, DPR ${layout.devicePixelRatio}, crossOriginIsolated ${layout.crossOriginIsolated}`);
    const ticks = liveTicks(held.last, WARM_UP_TICKS + measured, SEED);
    const times = await page.evaluate(([t, w]) => (window as unknown as BenchWindow).chartBench!.runTicks(t, w), [ticks, WARM_UP_TICKS] as const);
    checkTicks(times, ticks, candles);
    return summarize(ctx, candles, times);
  });
}

/** Opens the `?bench` page (through the isolating proxy: 5 µs timers) and injects the peer and the harness. */
async function openBenchPage(page: Page, origin: string): Promise<void> {
  await page.goto(`${origin}/${SYMBOL}?bench`);
  await page.waitForFunction(() => 'candlestream' in window && performance.getEntriesByName('candlestream:first-candle').length > 0, undefined, { timeout: 15_000 });
  // The subscription and its backfill settle before any tick is timed.
  await waitFor(async () => (await page.textContent('[data-testid="stream-status"]')) === 'live', 15_000).catch(async () => {
    const status = await page.textContent('[data-testid="stream-status"]');
    throw new LocalStackError('CHART_BENCH_NOT_LIVE', `chart bench: the page for ${SYMBOL} shows "${status}", not "live", after 15 s`);
  });
  await page.addScriptTag({ path: lightweightChartsBuild() });
  await page.addScriptTag({ content: harnessScript(), type: 'module' });
  await page.waitForFunction(() => 'chartBench' in window, undefined, { timeout: 5_000 });
}

/** The live pattern: every fifth tick opens a new candle, the others update the last one; seeded, so identical for both charts. */
function liveTicks(last: BenchCandle, count: number, seed: number): BenchCandle[] {
  const random = createRandom(seed);
  const ticks: BenchCandle[] = [];
  let candle = last;
  let eventTime = last.eventTime;
  for (let i = 0; i < count; i++) {
    const opens = i % 5 === 4;
    const time = opens ? candle.time + MINUTE_MS : candle.time;
    const close = round(candle.close * (1 + (random() - 0.5) * 0.0008), 2);
    // Five ticks a minute: 12 s apart, always newer than the candle they replace.
    eventTime = Math.max(eventTime + 1, time + ((i + 1) % 5) * 12_000);
    const volume = round(random() * 2, 3);
    candle = opens
      ? { time, open: candle.close, high: Math.max(candle.close, close), low: Math.min(candle.close, close), close, volume, trades: 1, closed: false, eventTime }
      : { ...candle, high: Math.max(candle.high, close), low: Math.min(candle.low, close), close, volume: round(candle.volume + volume, 3), trades: candle.trades + 1, eventTime };
    ticks.push(candle);
  }
  return ticks;
}

function checkLayout(layout: BenchLayout, candles: number): void {
  const expected = `${CHART.width}x${CHART.height}`;
  const fits = (box: BenchLayout['lwc']) => box.left >= 0 && box.top >= 0 && box.left + box.width <= layout.viewport.width && box.top + box.height <= layout.viewport.height;
  const problems = [
    layout.chartjs.pixels !== expected && `the app's chart canvas is ${layout.chartjs.pixels} px, not ${expected}`,
    `${layout.lwc.width}x${layout.lwc.height}` !== expected && `the lightweight-charts chart is ${layout.lwc.width}x${layout.lwc.height}, not ${expected}`,
    !(fits(layout.chartjs) && fits(layout.lwc)) && `a chart lies outside the ${layout.viewport.width}x${layout.viewport.height} viewport`,
    layout.devicePixelRatio !== 1 && `devicePixelRatio is ${layout.devicePixelRatio}`,
    (layout.appCandles !== candles || layout.lwcBars !== candles) && `the app holds ${layout.appCandles} candles and lightweight-charts ${layout.lwcBars}, not ${candles}`,
  ].filter(Boolean);
  if (problems.length > 0) throw new LocalStackError('CHART_BENCH_LAYOUT', `chart bench: ${problems.join('; ')}`);
}

/** Both charts took every tick: the same count of candles, the same last close. */
function checkTicks(times: TickTimes, ticks: BenchCandle[], candles: number): void {
  const opened = ticks.filter((tick, i) => i > 0 && tick.time > ticks[i - 1]!.time).length;
  const expected = candles + opened;
  const close = ticks.at(-1)?.close ?? null;
  if (times.appCandles !== expected || times.lwcBars !== expected || times.appLastClose !== close || times.lwcLastClose !== close) {
    throw new LocalStackError('CHART_BENCH_TICKS', `chart bench: after the ticks expected ${expected} candles closing at ${close}; the app holds ${times.appCandles} closing at ${times.appLastClose}, lightweight-charts ${times.lwcBars} closing at ${times.lwcLastClose}`);
  }
}

function summarize(ctx: BenchContext, candles: number, times: TickTimes) {
  const describe = (costs: TickCost[]) => {
    const totals = costs.map((c) => c.total);
    return `median ${median(totals).toFixed(2)} ms, p95 ${percentile(totals, 0.95).toFixed(2)} ms`;
  };
  for (const [name, costs] of [['chart.js', times.chartjs], ['lightweight-charts', times.lwc]] as const) {
    const updates = costs.filter((_, i) => !times.opened[i]);
    const opens = costs.filter((_, i) => times.opened[i]);
    ctx.log(`chart: ${candles} candles, ${name}: all ${costs.length} ticks ${describe(costs)}; updates ${describe(updates)}; new candles ${describe(opens)}`);
    ctx.log(`chart: ${candles} candles, ${name}, update ticks by part (medians): ${describeParts(updates)}`);
  }
  return { chartjs: median(times.chartjs.map((c) => c.total)), lwc: median(times.lwc.map((c) => c.total)) };
}

/** Median of the update call, of each rAF callback it requested, and of what is left (microtasks, scheduling). */
function describeParts(costs: TickCost[]): string {
  const slots = Math.max(0, ...costs.map((c) => c.callbacks.length));
  const parts = [`update call ${median(costs.map((c) => c.sync)).toFixed(2)}`];
  for (let slot = 0; slot < slots; slot++) parts.push(`rAF callback ${slot + 1} ${median(costs.map((c) => c.callbacks[slot] ?? 0)).toFixed(2)}`);
  parts.push(`rest ${median(costs.map((c) => c.total - c.sync - c.callbacks.reduce((sum, x) => sum + x, 0))).toFixed(2)}`);
  return `${parts.join(', ')} ms`;
}

/** Runs `use` on a page of a new context (its own cache), closing the context afterwards. */
async function withPage<T>(browser: Browser, viewport: { width: number; height: number }, use: (page: Page) => Promise<T>): Promise<T> {
  const context: BrowserContext = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  try {
    const page = await context.newPage();
    return await use(page);
  } finally {
    await context.close();
  }
}

function closedCandle(seed: SeedCandle): BenchCandle {
  return { time: seed.openTime, open: seed.open, high: seed.high, low: seed.low, close: seed.close, volume: seed.volume, trades: 100, closed: true, eventTime: seed.openTime + MINUTE_MS - 1 };
}

/** lightweight-charts' standalone build (window.LightweightCharts), from the app's devDependency. */
function lightweightChartsBuild(): string {
  const manifest = createRequire(join(appDir, 'package.json')).resolve('lightweight-charts/package.json');
  return join(dirname(manifest), 'dist', 'lightweight-charts.standalone.production.js');
}

/** bench/chart-page.ts as browser JavaScript (types stripped; it imports nothing at run time). */
function harnessScript(): string {
  const source = readFileSync(join(projectRoot, 'bench', 'chart-page.ts'), 'utf8');
  return ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? Number.NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile. */
function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
