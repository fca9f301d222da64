import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.ts';

describe('createProgress', () => {
  it('prints one aligned line per step, with its duration when timed', () => {
    const lines: string[] = [];
    const progress = createProgress((line) => lines.push(line));
    progress.step('keys', '.local/keys.json');
    progress.step('postgres', 'started', Date.now() - 1_500);
    expect(lines[0]).toBe('keys           .local/keys.json');
    expect(lines[1]).toMatch(/^postgres {7}started \(1\.[5-9] s\)$/);
  });

  it('prints heartbeat lines while a long step runs, then its result line', async () => {
    const lines: string[] = [];
    const progress = createProgress((line) => lines.push(line), 20);
    const result = await progress.run('dashboard', 'building', () => new Promise<number>((resolve) => setTimeout(() => resolve(7), 90)), (n) => `built ${n} pages`);
    expect(result).toBe(7);
    expect(lines.slice(0, -1).length).toBeGreaterThanOrEqual(2);
    expect(lines.slice(0, -1).every((line) => /^dashboard {6}building\.\.\. \d/.test(line))).toBe(true);
    expect(lines.at(-1)).toMatch(/^dashboard {6}built 7 pages \(0\.\d s\)$/);
  });

  it('stops the heartbeat when a step fails, and passes the error on', async () => {
    const lines: string[] = [];
    const progress = createProgress((line) => lines.push(line), 10);
    await expect(progress.run('feed', 'starting', () => Promise.reject(new Error('port taken')), () => 'never')).rejects.toThrow('port taken');
    const count = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(lines.length).toBe(count);
  });

  it('reports a dead service with how it ended, when it restarts and the end of its log', () => {
    const lines: string[] = [];
    createProgress((line) => lines.push(line)).serviceDied({ name: 'dashboard', code: 1, signal: null, logPath: '/x/dashboard.log', tail: ['boom'], restartInMs: 1_000 });
    expect(lines.join('\n')).toBe('! dashboard exited with code 1; restarting in 1.0 s. Last lines of /x/dashboard.log:\n  | boom');
  });
});
