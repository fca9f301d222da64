// What a benchmark scenario returns, and how the runner prints and stores it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type postgres from 'postgres';

export interface Metric {
  name: string;
  value: number;
  unit: string;
  /** The goal, as text (">= 25000"); checked and shown in the table. */
  goal?: string;
  /** The figure to beat, measured in the same run. */
  peer?: { name: string; value: number };
}

export interface BenchContext {
  sql: postgres.Sql;
  databaseUrl: string;
  quick: boolean;
  log: (line: string) => void;
}

/** Whether value meets a goal written as ">= n" or "<= n"; undefined without a goal. */
export function meetsGoal(value: number, goal: string | undefined): boolean | undefined {
  const match = goal?.match(/^(>=|<=)\s*([\d.]+)$/);
  if (!match) return undefined;
  const bound = Number(match[2]);
  return match[1] === '>=' ? value >= bound : value <= bound;
}

export function formatTable(metrics: Metric[]): string {
  const rows = metrics.map((m) => {
    const verdict = meetsGoal(m.value, m.goal);
    return [
      m.name,
      `${formatNumber(m.value)} ${m.unit}`,
      m.goal ? `${m.goal}${verdict === undefined ? '' : verdict ? ' ok' : ' MISSED'}` : '',
      m.peer ? `${m.peer.name} ${formatNumber(m.peer.value)}` : '',
    ];
  });
  const header = ['metric', 'value', 'goal', 'peer'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function formatNumber(value: number): string {
  return Math.abs(value) >= 100 ? String(Math.round(value)) : value.toFixed(2);
}

/** Merges metrics into the flat name → number JSON file, keeping figures of scenarios not run now. */
export function writeResults(file: string, metrics: Metric[]): void {
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>) : {};
  const merged = { ...previous, ...Object.fromEntries(metrics.map((m) => [m.name, Math.round(m.value * 100) / 100])) };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`);
}
