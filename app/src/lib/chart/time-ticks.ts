// App-fixed time-axis ticks: about eight aligned times for the visible range and a cheap label for
// each, instead of letting the time scale generate and format a label per bar (chart-performance.md).

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const STEPS = [MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY];

/** The tick step for a range: the smallest nice step giving at most `target` ticks. */
export function tickStep(min: number, max: number, target = 8): number {
  const span = Math.max(0, max - min);
  return STEPS.find((step) => span / step <= target) ?? (STEPS[STEPS.length - 1] as number);
}

/** Aligned tick times within [min, max], aligned in the viewer's time zone (offset in minutes, as Date gives it). */
export function timeTicks(min: number, max: number, target = 8, offsetMinutes = 0): number[] {
  const step = tickStep(min, max, target);
  const shift = -offsetMinutes * MINUTE;
  const first = Math.ceil((min + shift) / step) * step - shift;
  const ticks: number[] = [];
  for (let t = first; t <= max; t += step) ticks.push(t);
  return ticks;
}

/** "14:05" within a day, "25 Nov" at midnight or for day steps. */
export function formatTick(time: number, step: number): string {
  const date = new Date(time);
  const hh = date.getHours();
  const mm = date.getMinutes();
  if (step >= DAY || (hh === 0 && mm === 0)) return `${date.getDate()} ${MONTHS[date.getMonth()]}`;
  return `${pad(hh)}:${pad(mm)}`;
}

/** "25 Nov 14:05" for the crosshair tooltip. */
export function formatTime(time: number): string {
  const date = new Date(time);
  return `${date.getDate()} ${MONTHS[date.getMonth()]} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
