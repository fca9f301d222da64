// The candle chart: chart.js + chartjs-chart-financial drawing the visible slice of a CandleSeries.
// As chart-performance.md found: chart.js gets only the visible slice,
// changes are coalesced into one animation frame, the last candle is updated in place + chart.draw()
// while the y-range holds (over a copy of everything else from the last full draw), and the time axis
// gets ~8 ticks made here instead of one per bar.
// Browser only: the page imports this module dynamically in onMount (chartjs-chart-financial breaks
// under SSR). Its own imports are static so the browser fetches them in the same wave as this module.
import 'chartjs-adapter-date-fns';
import { Chart, registerables, type BarController, type ChartConfiguration, type Plugin } from 'chart.js';
import { CandlestickController, CandlestickElement } from 'chartjs-chart-financial';
import zoomPlugin from 'chartjs-plugin-zoom';
import type { Candle } from '../candles/candle.ts';
import type { CandleSeries, MergeOutcome } from '../candles/candle-series.ts';
import type { ChartTheme } from './chart-theme.ts';
import { BATCHED_CANDLESTICK, batchCandlestickController, candleDrawings, drawCandles, drawVolume, volumePlugin, type CandleElement, type CandlePoint } from './batched-candles.ts';
import { crosshairPlugin, lastPricePlugin } from './chart-plugins.ts';
import { formatPrice, formatVolume, priceDecimals } from './price-format.ts';
import { formatTick, formatTime, tickStep, timeTicks } from './time-ticks.ts';
import { sliceBounds, type Bounds } from './window-bounds.ts';

/** Bars shown by default: 160 on a desktop, fewer on a narrow screen (about 6 px a bar). */
export const DEFAULT_BARS = 160;
const MIN_DEFAULT_BARS = 48;
const RIGHT_PAD_BARS = 3;
const MIN_BARS = 20;
const MAX_BARS = 2_000;

/** One of chart.js' internal draw layers (Chart#_layers: a scale's grid, border or labels). */
interface Layer {
  z: number;
  draw(area: unknown): void;
}

/** What the chart exposes to the page. */
export interface CandleChart {
  /** Records a merge into the series; the chart redraws once in the next animation frame. */
  noteChange(outcome: MergeOutcome): void;
  panBy(bars: number): void;
  zoomBy(factor: number): void;
  /** Back to the latest bars, following new ones. */
  follow(): void;
  setTheme(theme: ChartTheme): void;
  destroy(): void;
}

/** Draws `series` on `canvas`. */
export function createCandleChart(canvas: HTMLCanvasElement, series: CandleSeries, theme: ChartTheme): CandleChart {
  if (!registered) {
    Chart.register(...registerables, batchCandlestickController(CandlestickController as unknown as typeof BarController), CandlestickElement, zoomPlugin);
    registered = true;
  }
  return new ChartView(canvas, series, theme);
}

let registered = false;

class ChartView implements CandleChart {
  readonly #chart: Chart;
  #series: CandleSeries;
  #theme: ChartTheme;
  #view = { min: 0, max: 0 };
  #following = true;
  #slice = { start: 0, end: 0 };
  #bounds: Bounds = { low: 0, high: 0, volume: 0, lowBeforeLast: Infinity, highBeforeLast: -Infinity, volumeBeforeLast: 0 };
  #candles: CandlePoint[] = [];
  #dirty: 'none' | 'tail' | 'full' = 'none';
  #frame: number | null = null;
  #painted = false;
  /** The canvas as the last full draw left it before the last candle: grid, axes, labels, other candles and volume. */
  #background: HTMLCanvasElement | null = null;
  #backgroundValid = false;
  #reusingBackground = false;

  constructor(canvas: HTMLCanvasElement, series: CandleSeries, theme: ChartTheme) {
    this.#series = series;
    this.#theme = theme;
    candleDrawings.set(canvas, { theme: () => this.#theme, drawn: (count) => this.#headCount(count) });
    this.#chart = new Chart(canvas, this.#config());
    this.follow();
  }

  noteChange(outcome: MergeOutcome): void {
    if (outcome.kind === 'ignored') return;
    const lastIndex = this.#series.length - 1;
    if (outcome.kind === 'appended') {
      if (this.#following) this.#moveToTail(this.#view.max - this.#view.min);
      if (this.#following || outcome.trimmed > 0) this.#schedule('full');
      return;
    }
    if (outcome.kind === 'replaced' && outcome.index === lastIndex && this.#slice.end === this.#series.length) {
      this.#schedule('tail');
      return;
    }
    const time = this.#series.at(outcome.index)?.time ?? 0;
    if (time >= this.#view.min - this.#series.step && time <= this.#view.max + this.#series.step) this.#schedule('full');
  }

  panBy(bars: number): void {
    const shift = bars * this.#series.step;
    this.#setView(this.#view.min + shift, this.#view.max + shift);
  }

  zoomBy(factor: number): void {
    const span = this.#view.max - this.#view.min;
    const bars = Math.min(MAX_BARS, Math.max(MIN_BARS, Math.round((span / this.#series.step) * factor)));
    const newSpan = bars * this.#series.step;
    if (this.#following) this.#moveToTail(newSpan);
    else this.#setView(this.#view.max - newSpan, this.#view.max);
    this.#schedule('full');
  }

  follow(): void {
    this.#following = true;
    const width = this.#chart.canvas.clientWidth || 1000;
    const fitting = Math.round(Math.min(DEFAULT_BARS, Math.max(MIN_DEFAULT_BARS, width / 6)));
    // With fewer candles than fit, show them all rather than an empty left side.
    const bars = Math.max(MIN_BARS, Math.min(fitting, this.#series.length + RIGHT_PAD_BARS + 1));
    this.#moveToTail(bars * this.#series.step);
    this.#schedule('full');
  }

  setTheme(theme: ChartTheme): void {
    this.#theme = theme;
    const options = this.#config().options;
    if (options) this.#chart.options = options;
    this.#schedule('full');
  }

  destroy(): void {
    if (this.#frame !== null) cancelAnimationFrame(this.#frame);
    candleDrawings.delete(this.#chart.canvas);
    this.#chart.destroy();
  }

  /** Puts the view's right edge a few bars past the last candle. */
  #moveToTail(span: number): void {
    const step = this.#series.step;
    const lastTime = this.#series.last()?.time ?? Date.now();
    const max = lastTime + step / 2 + RIGHT_PAD_BARS * step;
    this.#view = { min: max - span, max };
  }

  /** A user-chosen view: clamped to the data; following again once it reaches the last candle. */
  #setView(min: number, max: number): void {
    const step = this.#series.step;
    const span = max - min;
    const last = (this.#series.last()?.time ?? Date.now()) + step / 2 + RIGHT_PAD_BARS * step;
    const first = (this.#series.first()?.time ?? last) - step / 2;
    const clampedMax = Math.min(last, Math.max(first + MIN_BARS * step, max));
    this.#view = { min: clampedMax - span, max: clampedMax };
    this.#following = clampedMax >= last - step / 2;
    this.#schedule('full');
  }

  #schedule(kind: 'tail' | 'full'): void {
    if (kind === 'full' || this.#dirty === 'none') this.#dirty = kind;
    this.#frame ??= requestAnimationFrame(() => this.#flush());
  }

  #flush(): void {
    this.#frame = null;
    const dirty = this.#dirty;
    this.#dirty = 'none';
    if (dirty === 'tail' && this.#updateTailInPlace()) return;
    if (dirty !== 'none') this.#rebuild();
  }

  /** The last candle changed: redraw it alone when the window's price and volume ranges stay put. */
  #updateTailInPlace(): boolean {
    const candle = this.#series.last();
    const point = this.#candles[this.#candles.length - 1];
    if (!candle || !point || point.x !== candle.time) return false;
    copyCandle(point, candle);
    const b = this.#bounds;
    const low = Math.min(b.lowBeforeLast, candle.low);
    const high = Math.max(b.highBeforeLast, candle.high);
    const maxVolume = Math.max(b.volumeBeforeLast, candle.volume);
    if (low !== b.low || high !== b.high || maxVolume !== b.volume) return false;
    const index = this.#candles.length - 1;
    const { y } = this.#chart.scales;
    const candleElement = this.#chart.getDatasetMeta(0).data[index] as unknown as Record<string, number> | undefined;
    if (!y || !candleElement) return false;
    const pixels = { open: candle.open, high: candle.high, low: candle.low, close: candle.close };
    for (const [key, value] of Object.entries(pixels)) candleElement[key] = y.getPixelForValue(value);
    candleElement.y = ((candleElement.low as number) + (candleElement.high as number)) / 2;
    candleElement.base = candleElement.low as number;
    // A tooltip open on this candle computed its text when it opened: recompute it from the new values.
    const tooltip = this.#chart.tooltip;
    // (update() is the plugin's own method, absent from TooltipModel's public type.)
    if (tooltip?.getActiveElements().some((active) => active.index === index)) {
      (tooltip as unknown as { update(changed: boolean, replay: boolean): void }).update(true, false);
    }
    this.#drawOverBackground();
    return true;
  }

  /**
   * chart.draw() over the last full draw's pixels: its scale layers (grid, axes, tick labels), volume
   * bars and candles before the last, which the in-place path leaves unchanged, are blitted from
   * #background instead of drawn again. The last candle and volume bar, the crosshair, the last-price
   * line and the tooltip are drawn anew, exactly as a full draw draws them (after the copy it takes).
   */
  #drawOverBackground(): void {
    const chart = this.#chart as unknown as Chart & { _layers: Layer[]; _resizeBeforeDraw: unknown };
    const background = this.#background;
    const { canvas, ctx } = chart;
    if (!this.#backgroundValid || !background || background.width !== canvas.width || background.height !== canvas.height || chart._resizeBeforeDraw) {
      chart.draw();
      return;
    }
    const layers = chart._layers;
    const blit: Layer = {
      z: 0,
      draw: () => {
        ctx.save();
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.drawImage(background, 0, 0);
        ctx.restore();
      },
    };
    chart._layers = [blit, ...layers.filter((layer) => layer.z > 0)];
    this.#reusingBackground = true;
    try {
      chart.draw();
    } finally {
      chart._layers = layers;
      this.#reusingBackground = false;
    }
  }

  /** Candles (and volume bars) the dataset draws: all but the last, or none over a reused background. */
  #headCount(count: number): number {
    return this.#reusingBackground ? 0 : Math.max(0, count - 1);
  }

  /**
   * A plugin keeping #background: a copy of the canvas after the datasets of every full draw drew all
   * but the last candle. It then draws the last candle and its volume bar, on full and in-place draws alike.
   */
  #backgroundPlugin(): Plugin {
    return {
      id: 'backgroundCache',
      afterDatasetsDraw: (chart) => {
        if (!this.#reusingBackground) this.#captureBackground(chart.canvas);
        const elements = chart.getDatasetMeta(0).data as unknown as CandleElement[];
        const count = elements.length;
        if (count === 0) return;
        drawVolume(chart, elements, count - 1, count, this.#bounds.volume, this.#theme);
        drawCandles(chart, elements, count - 1, count, this.#theme);
      },
    };
  }

  #captureBackground(canvas: HTMLCanvasElement): void {
    const background = (this.#background ??= document.createElement('canvas'));
    if (background.width !== canvas.width) background.width = canvas.width;
    if (background.height !== canvas.height) background.height = canvas.height;
    const context = background.getContext('2d');
    this.#backgroundValid = context !== null && canvas.width > 0 && canvas.height > 0;
    if (!context || !this.#backgroundValid) return;
    context.globalCompositeOperation = 'copy';
    context.drawImage(canvas, 0, 0);
  }

  /** Re-slices the visible candles and runs a full (animation-free) update. */
  #rebuild(): void {
    const series = this.#series;
    const step = series.step;
    const start = series.lowerBound(this.#view.min - step);
    const end = Math.max(start, series.lowerBound(this.#view.max + step));
    this.#slice = { start, end };
    const candles = series.slice(start, end);
    this.#candles = candles.map((c) => ({ x: c.time, o: c.open, h: c.high, l: c.low, c: c.close, v: c.volume }));
    this.#bounds = sliceBounds(candles);
    const chart = this.#chart;
    const [candleSet] = chart.data.datasets;
    if (candleSet) candleSet.data = this.#candles as never;
    chart.data.labels = timeTicks(this.#view.min, this.#view.max, 8, new Date().getTimezoneOffset());
    this.#applyScales();
    chart.update('none');
    if (candles.length > 0 && !this.#painted) {
      this.#painted = true;
      performance.mark('candlestream:first-candle');
    }
  }

  #applyScales(): void {
    const scales = this.#chart.options.scales as Record<string, { min?: number; max?: number }>;
    const { low, high } = this.#bounds;
    const range = high > low ? high - low : Math.max(high * 0.001, 1e-8);
    // Candles keep clear of the bottom fifth, where the volume plugin draws.
    Object.assign(scales.x ?? {}, { min: this.#view.min, max: this.#view.max });
    Object.assign(scales.y ?? {}, { min: low - range * 0.35, max: high + range * 0.08 });
  }

  #config(): ChartConfiguration<'candlestick'> {
    const theme = this.#theme;
    const getTheme = () => this.#theme;
    const series = () => this.#series;
    const onUserView = ({ chart }: { chart: Chart }) => {
      const x = chart.scales.x;
      if (x) this.#setView(x.min, x.max);
    };
    const candlestickSet = {
      type: BATCHED_CANDLESTICK,
      label: 'price',
      data: [],
      parsing: false as const,
      normalized: true,
      yAxisID: 'y',
      order: 1,
      backgroundColors: { up: theme.up, down: theme.down, unchanged: theme.text },
      borderColors: { up: theme.up, down: theme.down, unchanged: theme.text },
    };
    return {
      type: 'candlestick',
      data: { labels: [], datasets: [candlestickSet] as never },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false, axis: 'x' },
        layout: { padding: { left: 4, right: 0, top: 8, bottom: 0 } },
        scales: {
          x: {
            type: 'time',
            offset: false,
            time: { unit: 'minute' },
            grid: { color: theme.grid },
            border: { color: theme.grid },
            ticks: {
              source: 'labels',
              autoSkip: false,
              maxRotation: 0,
              color: theme.text,
              font: { family: theme.font, size: 11 },
              callback: (value) => {
                const view = this.#view;
                return formatTick(Number(value), tickStep(view.min, view.max));
              },
            },
          },
          y: {
            type: 'linear',
            position: 'right',
            grid: { color: theme.grid },
            border: { color: theme.grid },
            ticks: {
              autoSkip: false,
              includeBounds: false,
              maxTicksLimit: 9,
              color: theme.text,
              font: { family: theme.font, size: 11 },
              callback: (value) => formatPrice(Number(value), priceDecimals(this.#bounds.high)),
            },
          },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            animation: false,
            displayColors: false,
            titleFont: { family: theme.font },
            bodyFont: { family: theme.font },
            callbacks: {
              title: (items) => formatTime(Number((items[0]?.raw as CandlePoint | undefined)?.x ?? 0)),
              label: (item) => describeCandle(series(), (item.raw as CandlePoint).x),
            },
          },
          zoom: {
            pan: { enabled: true, mode: 'x', onPan: onUserView },
            zoom: { wheel: { enabled: true }, pinch: { enabled: true }, mode: 'x', onZoom: onUserView },
          },
        },
      },
      plugins: [
        volumePlugin(getTheme, () => this.#bounds.volume, (count) => this.#headCount(count)),
        // Before the crosshair and last-price line, so it copies the canvas without them.
        this.#backgroundPlugin(),
        crosshairPlugin(getTheme),
        lastPricePlugin(getTheme, () => this.#series.last()),
      ] as Plugin<'candlestick'>[],
    };
  }
}

function copyCandle(point: CandlePoint, candle: Candle): void {
  point.o = candle.open;
  point.h = candle.high;
  point.l = candle.low;
  point.c = candle.close;
  point.v = candle.volume;
}

/** Tooltip lines: OHLC, volume and the candle's change. */
function describeCandle(series: CandleSeries, time: number): string[] {
  const candle = series.at(series.indexOf(time));
  if (!candle) return [];
  const d = priceDecimals(candle.close);
  const change = candle.open > 0 ? ((candle.close - candle.open) / candle.open) * 100 : 0;
  return [
    `O ${formatPrice(candle.open, d)}  H ${formatPrice(candle.high, d)}`,
    `L ${formatPrice(candle.low, d)}  C ${formatPrice(candle.close, d)}`,
    `V ${formatVolume(candle.volume)}  ${change >= 0 ? '+' : ''}${change.toFixed(2)} %`,
  ];
}
