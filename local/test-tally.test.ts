import { describe, expect, it } from 'vitest';
import { countDenoTest, countPgProve } from './test-tally.ts';

describe('countPgProve', () => {
  it('counts every test as passed when pg_prove reports success', () => {
    const output = 'All tests successful.\nFiles=6, Tests=120,  1 wallclock secs\nResult: PASS\n';
    expect(countPgProve(output, 0)).toEqual({ passed: 120, failed: 0, skipped: 0 });
  });

  it('subtracts the failed subtests of every failing file', () => {
    const output = [
      'supabase/tests/database/01_schema.test.sql (Wstat: 0 Tests: 30 Failed: 2)',
      '  Failed tests:  3, 9',
      'Failed 2/30 subtests',
      'supabase/tests/database/03_ingest.test.sql (Wstat: 0 Tests: 40 Failed: 1)',
      'Failed 1/40 subtests',
      'Files=6, Tests=120,  1 wallclock secs',
      'Result: FAIL',
    ].join('\n');
    expect(countPgProve(output, 1)).toEqual({ passed: 117, failed: 3, skipped: 0 });
  });

  it('counts a failure when pg_prove fails without subtest counts (a file that died)', () => {
    expect(countPgProve('Parse errors: Bad plan.\nResult: FAIL\n', 1).failed).toBe(1);
  });

  it('counts a run that found no test as a failure', () => {
    expect(countPgProve('Files=0, Tests=0,  0 wallclock secs\nResult: NOTESTS\n', 0)).toEqual({ passed: 0, failed: 1, skipped: 0 });
  });
});

describe('countDenoTest', () => {
  it('reads the passed and failed counts of the closing line', () => {
    expect(countDenoTest('ok | 6 passed | 0 failed (27ms)\n', 0)).toEqual({ passed: 6, failed: 0, skipped: 0 });
    expect(countDenoTest('FAILED | 5 passed | 1 failed | 2 ignored (30ms)\n', 1)).toEqual({ passed: 5, failed: 1, skipped: 2 });
  });

  it('counts a run without a closing line, or with no test, as a failure', () => {
    expect(countDenoTest('error: Type checking failed.\n', 1).failed).toBe(1);
    expect(countDenoTest('ok | 0 passed | 0 failed (1ms)\n', 0).failed).toBe(1);
  });
});
