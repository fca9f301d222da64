import { describe, expect, it } from 'vitest';
import { createLifecycle } from './lifecycle.ts';

describe('createLifecycle', () => {
  it('stops parts newest first, once, however often it is asked', async () => {
    const stopped: string[] = [];
    const lifecycle = createLifecycle(() => {});
    for (const name of ['postgres', 'gateway', 'dashboard']) lifecycle.add({ name, stop: async () => void stopped.push(name) });
    expect(lifecycle.isShuttingDown()).toBe(false);
    const [first, second] = await Promise.all([lifecycle.stopAll(), lifecycle.stopAll()]);
    expect([first, second]).toEqual([true, true]);
    expect(stopped).toEqual(['dashboard', 'gateway', 'postgres']);
    expect(lifecycle.isShuttingDown()).toBe(true);
  });

  it('aborts its stopping signal as stopping begins, before any part stops', async () => {
    const lifecycle = createLifecycle(() => {});
    const seen: boolean[] = [];
    lifecycle.add({ name: 'postgres', stop: () => void seen.push(lifecycle.stopping.aborted) });
    expect(lifecycle.stopping.aborted).toBe(false);
    await lifecycle.stopAll();
    expect(seen).toEqual([true]);
  });

  it('stops the remaining parts after one fails, and says the stop was not clean', async () => {
    const stopped: string[] = [];
    const lines: string[] = [];
    const lifecycle = createLifecycle((line) => lines.push(line));
    lifecycle.add({ name: 'postgres', stop: () => void stopped.push('postgres') });
    lifecycle.add({ name: 'functions', stop: () => Promise.reject(new Error('deno would not die')) });
    expect(await lifecycle.stopAll()).toBe(false);
    expect(stopped).toEqual(['postgres']);
    expect(lines).toEqual(['! stopping functions failed: deno would not die']);
  });

  it('reports the health of the parts that have one, in start order', () => {
    const lifecycle = createLifecycle(() => {});
    lifecycle.add({ name: 'client', stop: () => {} });
    lifecycle.add({ name: 'postgres', stop: () => {}, health: () => ({ state: 'up' }) });
    lifecycle.add({ name: 'dashboard', stop: () => {}, health: () => ({ state: 'restarting' }) });
    expect(lifecycle.health()).toEqual({ postgres: { state: 'up' }, dashboard: { state: 'restarting' } });
  });

  it('exits 0 after a clean stop on the first signal and ignores the same Ctrl-C arriving twice', async () => {
    const exits: number[] = [];
    const lifecycle = createLifecycle(() => {});
    let release!: () => void;
    lifecycle.add({ name: 'slow', stop: () => new Promise<void>((resolve) => (release = resolve)) });
    const before = process.listeners('SIGINT');
    lifecycle.exitOnSignals((code) => exits.push(code));
    const added = process.listeners('SIGINT').filter((listener) => !before.includes(listener));
    try {
      process.emit('SIGINT', 'SIGINT');
      process.emit('SIGINT', 'SIGINT');
      expect(lifecycle.isShuttingDown()).toBe(true);
      release();
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(exits).toEqual([0]);
    } finally {
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
        for (const listener of added) process.off(signal, listener as NodeJS.SignalsListener);
      }
    }
  });
});
