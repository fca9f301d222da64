import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeTail, openServiceLog, rotateLog, tailLines } from './service-log.ts';

const folder = () => mkdtempSync(join(tmpdir(), 'service-log-'));

describe('openServiceLog', () => {
  it('appends timestamped lines across openings, creating the folder', async () => {
    const path = join(folder(), 'logs', 'gateway.log');
    const first = openServiceLog('gateway', path);
    first.write('listening');
    await first.close();
    const second = openServiceLog('gateway', path);
    second.write('listening again');
    await second.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z listening again$/);
  });

  it('ignores a write after close instead of crashing the process', async () => {
    const log = openServiceLog('late', join(folder(), 'late.log'));
    log.write('first words');
    await log.close();
    // Without the stream's error handler this write would raise an uncaught error and fail the run.
    expect(() => log.write('a child\'s last words')).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(readFileSync(log.path, 'utf8')).toMatch(/ first words\n$/);
  });
});

describe('rotateLog', () => {
  it('moves a log past the limit to .1, replacing the older one, and leaves a small one alone', () => {
    const dir = folder();
    const big = join(dir, 'big.log');
    writeFileSync(`${big}.1`, 'oldest');
    writeFileSync(big, 'x'.repeat(20));
    rotateLog(big, 10);
    expect(existsSync(big)).toBe(false);
    expect(readFileSync(`${big}.1`, 'utf8')).toBe('x'.repeat(20));
    const small = join(dir, 'small.log');
    writeFileSync(small, 'ok');
    rotateLog(small, 10);
    expect(readFileSync(small, 'utf8')).toBe('ok');
  });
});

describe('tailLines and describeTail', () => {
  it('gives the last lines without the trailing newline, and nothing for a missing file', () => {
    const path = join(folder(), 'x.log');
    writeFileSync(path, 'a\nb\nc\n');
    expect(tailLines(path, 2)).toEqual(['b', 'c']);
    expect(tailLines(join(folder(), 'missing.log'))).toEqual([]);
  });

  it('shows where the lines come from, indented, and says when the log is empty', () => {
    expect(describeTail('/l/x.log', ['boom'])).toBe('Last lines of /l/x.log:\n  | boom');
    expect(describeTail('/l/x.log', [])).toBe('Last lines of /l/x.log:\n  | (empty log)');
  });
});
