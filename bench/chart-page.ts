// In-page half of `npm run bench -- chart`, run inside the dashboard's `?bench` page: pins the app's
// chart to the measured size, puts lightweight-charts beside it on the same candles, and times every
// tick through both. bench/chart.ts transpiles this file and injects it as a module after the
// standalone lightweight-charts build; neither ever reaches the app's bundle.
import type { CandlestickData, ISeriesApi, UTCTimestamp } from 'lightweight-charts';
import type { Candle } from '../app/src/lib/candles/candle.ts';

/** The app's Candle, as `window.candlestream.applyMinute` takes it (a type only: erased when injected). */
export type BenchCandle = Candle;

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
  /** The canvas backing store, in device pixels. */
  pixels: string;
}

export interface BenchLayout {
  chartjs: Box;
  lwc: Box;
  viewport: { width: number; height: number };
  devicePixelRatio: number;
  crossOriginIsolated: boolean;
  /** Candles the app holds (after `older` were merged) and bars lightweight-charts holds. */
  appCandles: number;
  lwcBars: number;
  /** Bars in lightweight-charts' default visible range. */
  lwcVisibleBars: number;
}

/** One tick's cost in ms: `total` is the figure; the parts say where it went. */
export interface TickCost {
  /** The update call plus the paint it scheduled (the rAF callbacks it requested, and their microtasks). */
  total: number;
  /** The update call alone. */
  sync: number;
  /** Each rAF callback the update requested, in the order requested. */
  callbacks: number[];
}

export interface TickTimes {
  /** Per measured tick. */
  chartjs: TickCost[];
  lwc: TickCost[];
  /** Whether the measured tick opened a new candle. */
  opened: boolean[];
  appCandles: number;
  lwcBars: number;
  appLastClose: number | null;
  lwcLastClose: number | null;
}

export interface ChartBench {
  /** Merges `older` through applyMinute, pins the app's chart to width × height and draws the same candles with lightweight-charts below it. */
  setup(width: number, height: number, older: BenchCandle[]): Promise<BenchLayout>;
  /** Feeds every tick to both charts, alternating which goes first; times all but the first `warmUp`. */
  runTicks(ticks: BenchCandle[], warmUp: number): Promise<TickTimes>;
}

/** What the dashboard's `?bench` mode exposes (see Dashboard.svelte). */
interface AppHooks {
  applyMinute(candle: BenchCandle): void;
  market: { drawn: { length: number; slice(start: number, end?: number): BenchCandle[]; last(): BenchCandle | undefined } };
}

export interface BenchWindow {
  candlestream?: AppHooks;
  LightweightCharts: typeof import('lightweight-charts');
  chartBench?: ChartBench;
}

const page = window as unknown as BenchWindow;
let lwcSeries: ISeriesApi<'Candlestick'> | null = null;

page.chartBench = { setup, runTicks };

async function setup(width: number, height: number, older: BenchCandle[]): Promise<BenchLayout> {
  const app = hooks();
  for (const candle of older) app.applyMinute(candle);
  const style = document.createElement('style');
  style.textContent = `main { height: auto !important; min-height: 0 !important; }
    section.chart { flex: none !important; box-sizing: content-box !important; width: ${width}px !important; height: ${height}px !important; }`;
  document.head.append(style);
  const container = document.createElement('div');
  container.style.cssText = `width: ${width}px; height: ${height}px; margin: 0 0.75rem 0.5rem;`;
  document.body.append(container);
  // Its defaults, as a page would get them: only the size is set.
  const lwcChart = page.LightweightCharts.createChart(container, { width, height });
  lwcSeries = lwcChart.addSeries(page.LightweightCharts.CandlestickSeries);
  lwcSeries.setData(app.market.drawn.slice(0).map(toBar));
  // chart.js resizes through a ResizeObserver; lightweight-charts paints in a frame of its own.
  for (let i = 0; i < 5; i++) await nextFrame();
  const range = lwcChart.timeScale().getVisibleLogicalRange();
  return {
    chartjs: boxOf(document.querySelector<HTMLCanvasElement>('[data-testid="candle-chart"]')),
    lwc: boxOf(container.querySelector<HTMLCanvasElement>('canvas'), container),
    viewport: { width: innerWidth, height: innerHeight },
    devicePixelRatio,
    crossOriginIsolated,
    appCandles: app.market.drawn.length,
    lwcBars: lwcSeries.data().length,
    lwcVisibleBars: range ? Math.round(range.to - range.from) : 0,
  };
}

async function runTicks(ticks: BenchCandle[], warmUp: number): Promise<TickTimes> {
  const app = hooks();
  const series = lwcSeries;
  if (!series) throw new Error('chartBench.setup() has not run');
  const times: TickTimes = { chartjs: [], lwc: [], opened: [], appCandles: 0, lwcBars: 0, appLastClose: null, lwcLastClose: null };
  let lastTime = app.market.drawn.last()?.time ?? 0;
  for (const [i, tick] of ticks.entries()) {
    const timeChartJs = () => timeUpdateAndPaint(() => app.applyMinute(tick));
    const timeLwc = () => timeUpdateAndPaint(() => series.update(toBar(tick)));
    const [first, second] = i % 2 === 0 ? [timeChartJs, timeLwc] : [timeLwc, timeChartJs];
    const a = await first();
    await nextFrame();
    const b = await second();
    await nextFrame();
    if (i < warmUp) {
      lastTime = Math.max(lastTime, tick.time);
      continue;
    }
    times.chartjs.push(i % 2 === 0 ? a : b);
    times.lwc.push(i % 2 === 0 ? b : a);
    times.opened.push(tick.time > lastTime);
    lastTime = Math.max(lastTime, tick.time);
  }
  const lwcLast = series.data().at(-1) as CandlestickData | undefined;
  return {
    ...times,
    appCandles: app.market.drawn.length,
    lwcBars: series.data().length,
    appLastClose: app.market.drawn.last()?.close ?? null,
    lwcLastClose: lwcLast?.close ?? null,
  };
}

/**
 * Times one update as chart-performance.md does: `update` runs inside a rAF callback (its synchronous
 * cost), and the paint it schedules for the next frame is bracketed by a rAF callback registered
 * before it and one registered after it. While `update` runs, requestAnimationFrame is wrapped so
 * each callback it requests is timed too (for the breakdown only; the total is the bracket's).
 */
function timeUpdateAndPaint(update: () => void): Promise<TickCost> {
  const request = window.requestAnimationFrame;
  return new Promise((resolve) => {
    request(() => {
      let paintStart = 0;
      request(() => {
        paintStart = performance.now();
      });
      const callbacks: number[] = [];
      window.requestAnimationFrame = (callback) => {
        const slot = callbacks.push(0) - 1;
        return request((time) => {
          const start = performance.now();
          callback(time);
          callbacks[slot] = performance.now() - start;
        });
      };
      const start = performance.now();
      try {
        update();
      } finally {
        window.requestAnimationFrame = request;
      }
      const sync = performance.now() - start;
      request(() => resolve({ total: sync + performance.now() - paintStart, sync, callbacks }));
    });
  });
}

function hooks(): AppHooks {
  const app = page.candlestream;
  if (!app) throw new Error('window.candlestream is missing: open the dashboard with ?bench');
  return app;
}

function toBar(candle: BenchCandle): CandlestickData<UTCTimestamp> {
  return { time: (candle.time / 1000) as UTCTimestamp, open: candle.open, high: candle.high, low: candle.low, close: candle.close };
}

function boxOf(canvas: HTMLCanvasElement | null, element: Element | null = canvas): Box {
  const rect = element?.getBoundingClientRect();
  return {
    left: Math.round(rect?.left ?? 0),
    top: Math.round(rect?.top ?? 0),
    width: Math.round(rect?.width ?? 0),
    height: Math.round(rect?.height ?? 0),
    pixels: canvas ? `${canvas.width}x${canvas.height}` : 'none',
  };
}

function nextFrame(): Promise<number> {
  return new Promise((resolve) => requestAnimationFrame(resolve));
}
