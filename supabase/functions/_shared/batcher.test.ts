import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBatcher, type BatcherOptions } from './batcher.ts';

/** A send whose calls stay in flight until the test settles them. */
function fakeSend() {
  const calls: { items: string[]; resolve: () => void; reject: (error: Error) => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const send = (items: string[]) => new Promise<void>((resolve, reject) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const settle = <T extends unknown[]>(then: (...args: T) => void) => (...args: T) => { inFlight -= 1; then(...args); };
    calls.push({ items, resolve: settle(resolve), reject: settle(reject) });
  });
  return { send, calls, maxInFlight: () => maxInFlight };
}

/** A send that succeeds at once and records each batch. */
function recordingSend() {
  const batches: string[][] = [];
  return { batches, send: (items: string[]) => { batches.push(items); return Promise.resolve(); } };
}

function batcherWith(overrides: Partial<BatcherOptions>) {
  const errors: { error: unknown; items: string[] }[] = [];
  const batcher = createBatcher({
    maxEvents: 3, flushIntervalMs: 250, send: () => Promise.resolve(),
    onError: (error, items) => errors.push({ error, items }), ...overrides,
  });
  return { batcher, errors };
}

/** Lets every settled promise run its callbacks, without moving the clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createBatcher', () => {
  it('sends a batch as soon as it holds maxEvents, without waiting for the interval', async () => {
    const { batches, send } = recordingSend();
    const { batcher } = batcherWith({ send });
    ['a', 'b', 'c', 'd'].forEach((json) => batcher.add(json));
    await settle();
    expect(batches).toEqual([['a', 'b', 'c']]);
    expect(batcher.pending()).toBe(1);
  });

  it('sends a smaller batch flushIntervalMs after its first event', async () => {
    const { batches, send } = recordingSend();
    const { batcher } = batcherWith({ send });
    batcher.add('a');
    await vi.advanceTimersByTimeAsync(100);
    batcher.add('b');
    await vi.advanceTimersByTimeAsync(149);
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([['a', 'b']]);
    expect(batcher.pending()).toBe(0);
  });

  it('starts a new interval with the first event after a flush', async () => {
    const { batches, send } = recordingSend();
    const { batcher } = batcherWith({ send });
    ['a', 'b', 'c'].forEach((json) => batcher.add(json));
    await vi.advanceTimersByTimeAsync(200);
    batcher.add('d');
    await vi.advanceTimersByTimeAsync(249);
    expect(batches).toEqual([['a', 'b', 'c']]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('sends nothing while nothing was added', async () => {
    const { batches, send } = recordingSend();
    batcherWith({ send });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(batches).toEqual([]);
  });

  it('keeps one send in flight and sends the batches in arrival order', async () => {
    const fake = fakeSend();
    const { batcher } = batcherWith({ send: fake.send });
    ['a', 'b', 'c', 'd', 'e', 'f', 'g'].forEach((json) => batcher.add(json));
    await vi.advanceTimersByTimeAsync(250);
    expect(fake.calls.map((c) => c.items)).toEqual([['a', 'b', 'c']]);

    fake.calls[0]!.resolve();
    await settle();
    expect(fake.calls.map((c) => c.items)).toEqual([['a', 'b', 'c'], ['d', 'e', 'f']]);

    fake.calls[1]!.resolve();
    await settle();
    fake.calls[2]!.resolve();
    await settle();
    expect(fake.calls.map((c) => c.items)).toEqual([['a', 'b', 'c'], ['d', 'e', 'f'], ['g']]);
    expect(fake.maxInFlight()).toBe(1);
  });

  it('sends what waits on drain without waiting for the interval', async () => {
    const { batches, send } = recordingSend();
    const { batcher } = batcherWith({ send });
    batcher.add('a');
    await batcher.drain();
    expect(batches).toEqual([['a']]);
    expect(batcher.pending()).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(batches).toEqual([['a']]);
  });

  it('resolves drain only after every batch added so far has been sent', async () => {
    const fake = fakeSend();
    const { batcher } = batcherWith({ send: fake.send });
    ['a', 'b', 'c', 'd'].forEach((json) => batcher.add(json));
    let drained = false;
    const drain = batcher.drain().then(() => { drained = true; });

    await settle();
    fake.calls[0]!.resolve();
    await settle();
    expect(fake.calls.map((c) => c.items)).toEqual([['a', 'b', 'c'], ['d']]);
    expect(drained).toBe(false);

    fake.calls[1]!.resolve();
    await drain;
    expect(drained).toBe(true);
  });

  it('resolves drain at once when nothing was ever added', async () => {
    const { batches, send } = recordingSend();
    const { batcher } = batcherWith({ send });
    await batcher.drain();
    expect(batches).toEqual([]);
  });

  it('reports a failed send to onError with its batch and still sends the next batch', async () => {
    const fake = fakeSend();
    const { batcher, errors } = batcherWith({ send: fake.send });
    ['a', 'b', 'c', 'd'].forEach((json) => batcher.add(json));
    const drain = batcher.drain();
    await settle();
    const failure = new Error('connection reset');
    fake.calls[0]!.reject(failure);
    await settle();
    expect(errors).toEqual([{ error: failure, items: ['a', 'b', 'c'] }]);
    expect(fake.calls.map((c) => c.items)).toEqual([['a', 'b', 'c'], ['d']]);

    fake.calls[1]!.resolve();
    await expect(drain).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
  });

  it('counts pending events until they are handed to send', () => {
    const { batcher } = batcherWith({ maxEvents: 10 });
    batcher.add('a');
    batcher.add('b');
    expect(batcher.pending()).toBe(2);
  });
});
