// Two small chart.js plugins: a crosshair following the pointer (with its price at the right edge)
// and the last-price line with its label. Both draw after the datasets, so chart.draw() refreshes them.
import type { Chart, Plugin } from 'chart.js';
import type { Candle } from '../candles/candle.ts';
import type { ChartTheme } from './chart-theme.ts';
import { formatPrice, priceDecimals } from './price-format.ts';

/** Lines through the pointer while it is over the plot area. */
export function crosshairPlugin(getTheme: () => ChartTheme): Plugin {
  let pointer: { x: number; y: number } | null = null;
  return {
    id: 'crosshair',
    afterEvent(chart, args) {
      const { event } = args;
      const area = chart.chartArea;
      const inside = event.x !== null && event.y !== null && event.x >= area.left && event.x <= area.right && event.y >= area.top && event.y <= area.bottom;
      const next = event.type !== 'mouseout' && inside ? { x: event.x as number, y: event.y as number } : null;
      if (next?.x !== pointer?.x || next?.y !== pointer?.y) args.changed = true;
      pointer = next;
    },
    afterDatasetsDraw(chart) {
      if (!pointer) return;
      const theme = getTheme();
      const { ctx, chartArea: area } = chart;
      const active = chart.tooltip?.getActiveElements()[0]?.element;
      const x = active ? active.x : pointer.x;
      ctx.save();
      ctx.strokeStyle = theme.crosshair;
      ctx.setLineDash([4, 4]);
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, area.top);
      ctx.lineTo(x, area.bottom);
      ctx.moveTo(area.left, pointer.y);
      ctx.lineTo(area.right, pointer.y);
      ctx.stroke();
      ctx.restore();
      const price = chart.scales.y?.getValueForPixel(pointer.y);
      if (price !== undefined) drawPriceLabel(chart, pointer.y, price, theme.crosshair, theme);
    },
  };
}

/** A dashed line at the last close, coloured by the last candle's direction. */
export function lastPricePlugin(getTheme: () => ChartTheme, last: () => Candle | undefined): Plugin {
  return {
    id: 'lastPrice',
    afterDatasetsDraw(chart) {
      const candle = last();
      const scale = chart.scales.y;
      if (!candle || !scale) return;
      const theme = getTheme();
      const y = scale.getPixelForValue(candle.close);
      const area = chart.chartArea;
      if (y < area.top || y > area.bottom) return;
      const color = candle.close >= candle.open ? theme.up : theme.down;
      const { ctx } = chart;
      ctx.save();
      ctx.strokeStyle = color;
      ctx.setLineDash([2, 3]);
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(area.left, y);
      ctx.lineTo(area.right, y);
      ctx.stroke();
      ctx.restore();
      drawPriceLabel(chart, y, candle.close, color, theme);
    },
  };
}

function drawPriceLabel(chart: Chart, y: number, price: number, background: string, theme: ChartTheme): void {
  const { ctx, chartArea: area } = chart;
  const text = formatPrice(price, priceDecimals(price));
  ctx.save();
  ctx.font = `11px ${theme.font}`;
  const width = ctx.measureText(text).width + 8;
  ctx.fillStyle = background;
  ctx.fillRect(area.right + 1, y - 8, width, 16);
  ctx.fillStyle = theme.labelText;
  ctx.textBaseline = 'middle';
  ctx.fillText(text, area.right + 5, y);
  ctx.restore();
}
