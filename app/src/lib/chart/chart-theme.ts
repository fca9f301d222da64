// Chart colours, read from the page's CSS custom properties so the chart follows the light/dark theme.

export interface ChartTheme {
  up: string;
  down: string;
  upVolume: string;
  downVolume: string;
  text: string;
  grid: string;
  crosshair: string;
  labelText: string;
  font: string;
}

/** The theme in force for `element` (its computed --chart-* properties, with dark defaults). */
export function readChartTheme(element: Element): ChartTheme {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    up: read('--up', '#26a69a'),
    down: read('--down', '#ef5350'),
    upVolume: read('--up-volume', 'rgba(38, 166, 154, 0.35)'),
    downVolume: read('--down-volume', 'rgba(239, 83, 80, 0.35)'),
    text: read('--text-dim', '#9aa4b2'),
    grid: read('--grid', 'rgba(128, 128, 128, 0.15)'),
    crosshair: read('--crosshair', 'rgba(154, 164, 178, 0.7)'),
    labelText: read('--label-text', '#ffffff'),
    font: read('--font-mono', 'ui-monospace, SFMono-Regular, Menlo, monospace'),
  };
}
