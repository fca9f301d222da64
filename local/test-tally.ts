// Reads test runners' closing output into pass/fail counts for npm test's summary line.

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/** Reads pg_prove's closing lines: "Files=6, Tests=120" and, per failing file, "Failed 2/30 subtests". */
export function countPgProve(output: string, status: number | null): Counts {
  const total = Number(output.match(/Files=\d+, Tests=(\d+)/)?.[1] ?? 0);
  let failed = 0;
  for (const match of output.matchAll(/Failed (\d+)\/\d+ subtests/g)) failed += Number(match[1]);
  // A file that died or had a bad plan fails the run without a subtest count: count it once. So does
  // a run that found no test at all: a suite that proves nothing has failed.
  if ((status !== 0 || total === 0) && failed === 0) failed = 1;
  return { passed: Math.max(total - failed, 0), failed, skipped: 0 };
}

/** Reads deno test's closing line: "ok | 6 passed | 0 failed (27ms)" or "FAILED | 5 passed | 1 failed". */
export function countDenoTest(output: string, status: number | null): Counts {
  const match = output.match(/(\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \| (\d+) ignored)?/);
  if (!match) return { passed: 0, failed: 1, skipped: 0 };
  const counts = { passed: Number(match[1]), failed: Number(match[3]), skipped: Number(match[4] ?? 0) };
  if (status !== 0 && counts.failed === 0) counts.failed = 1;
  if (counts.passed + counts.failed === 0) counts.failed = 1;
  return counts;
}
