// Drawing engineered for ticks (chart-performance.md, "batched candle controller"): candles of one
// colour drawn as one path (two canvas calls per colour instead of ~8 per candle), and volume bars
// drawn by a plugin from the candle points, so they cost no dataset of their own to update.
import type { BarController, Chart, Plugin } from 'chart.js';
import type { ChartTheme } from './chart-theme.ts';

/** What the candlestick elements hold after an update: pixel positions. */
export interface CandleElement {
  x: number;
  open: number;
  high: number;
  low: number;
  close: number;
  width: number;
}

/** A candle point as the chart's dataset holds it, volume included. */
export interface CandlePoint {
  x: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

type Direction = 'up' | 'down' | 'unchanged';
const DIRECTIONS: Direction[] = ['up', 'down', 'unchanged'];

/** How the chart on a canvas wants its candles drawn (its theme, and how many the controller draws). */
export interface CandleDrawing {
  theme(): ChartTheme;
  /** Candles, of `count`, that the controller draws (the first ones); the chart draws the rest itself. */
  drawn(count: number): number;
}

/** Per canvas, so the one registered controller class serves every chart. */
export const candleDrawings = new WeakMap<HTMLCanvasElement, CandleDrawing>();

/** The id the batched controller is registered under (a dataset's `type`). */
export const BATCHED_CANDLESTICK = 'batchedCandlestick';

/**
 * The financial package's candlestick controller with a batched draw(). It needs an id of its own:
 * chart.js registers a subclass's parent first, and skips a class whose id is already taken.
 */
export function batchCandlestickController(Base: typeof BarController): typeof BarController {
  return class BatchedCandlestickController extends Base {
    static override id = BATCHED_CANDLESTICK;

    override draw(): void {
      const chart = this.chart;
      const drawing = candleDrawings.get(chart.canvas);
      if (!drawing) return;
      const elements = chart.getDatasetMeta(this.index).data as unknown as CandleElement[];
      drawCandles(chart, elements, 0, drawing.drawn(elements.length), drawing.theme());
    }
  };
}

/** Candles `start` to `end` (exclusive) of the elements, one path per colour. */
export function drawCandles(chart: Chart, elements: CandleElement[], start: number, end: number, colors: ChartTheme): void {
  if (end <= start) return;
  const { ctx } = chart;
  ctx.save();
  clipToArea(chart);
  ctx.lineWidth = 1;
  for (const direction of DIRECTIONS) {
    const color = direction === 'up' ? colors.up : direction === 'down' ? colors.down : colors.text;
    if (!traceWicks(ctx, elements, start, end, direction)) continue;
    ctx.strokeStyle = color;
    ctx.stroke();
    traceBodies(ctx, elements, start, end, direction);
    ctx.fillStyle = color;
    ctx.fill();
  }
  ctx.restore();
}

/**
 * Volume bars along the bottom fifth of the plot, scaled to the largest volume in view: the plugin
 * draws the first `drawn(count)`, like the controller.
 */
export function volumePlugin(theme: () => ChartTheme, maxVolume: () => number, drawn: (count: number) => number): Plugin {
  return {
    id: 'volume',
    beforeDatasetsDraw(chart) {
      const elements = chart.getDatasetMeta(0).data as unknown as CandleElement[];
      drawVolume(chart, elements, 0, drawn(elements.length), maxVolume(), theme());
    },
  };
}

/** Volume bars `start` to `end` (exclusive). */
export function drawVolume(chart: Chart, elements: CandleElement[], start: number, end: number, max: number, colors: ChartTheme): void {
  const points = (chart.data.datasets[0]?.data ?? []) as unknown as CandlePoint[];
  if (max <= 0 || end <= start) return;
  const { ctx, chartArea: area } = chart;
  const height = area.height * 0.2;
  ctx.save();
  clipToArea(chart);
  for (const up of [true, false]) {
    ctx.beginPath();
    for (let i = start; i < end; i++) {
      const point = points[i];
      const element = elements[i] as CandleElement;
      if (!point || point.c >= point.o !== up) continue;
      const barHeight = (point.v / max) * height;
      ctx.rect(element.x - element.width * 0.4, area.bottom - barHeight, element.width * 0.8, barHeight);
    }
    ctx.fillStyle = up ? colors.upVolume : colors.downVolume;
    ctx.fill();
  }
  ctx.restore();
}

/** Candle direction from pixels: a close drawn above the open (smaller y) is a rise. */
function directionOf(element: CandleElement): Direction {
  return element.close < element.open ? 'up' : element.close > element.open ? 'down' : 'unchanged';
}

function traceWicks(ctx: CanvasRenderingContext2D, elements: CandleElement[], start: number, end: number, direction: Direction): boolean {
  let any = false;
  ctx.beginPath();
  for (let i = start; i < end; i++) {
    const element = elements[i] as CandleElement;
    if (directionOf(element) !== direction) continue;
    const x = Math.round(element.x) + 0.5;
    ctx.moveTo(x, element.high);
    ctx.lineTo(x, element.low);
    any = true;
  }
  return any;
}

function traceBodies(ctx: CanvasRenderingContext2D, elements: CandleElement[], start: number, end: number, direction: Direction): void {
  ctx.beginPath();
  for (let i = start; i < end; i++) {
    const element = elements[i] as CandleElement;
    if (directionOf(element) !== direction) continue;
    const top = Math.min(element.open, element.close);
    const width = Math.max(1, element.width);
    ctx.rect(Math.round(element.x - width / 2), top, Math.round(width), Math.max(1, Math.abs(element.open - element.close)));
  }
}

function clipToArea(chart: Chart): void {
  const { ctx, chartArea: area } = chart;
  ctx.beginPath();
  ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
  ctx.clip();
}
