// Groups event texts into batches for one SQL call each: a batch is sent when it holds `maxEvents`
// or `flushIntervalMs` after its first event, whichever comes first. One batch is in flight at a time,
// so the database sees batches in arrival order.

export interface BatcherOptions {
  maxEvents: number;
  flushIntervalMs: number;
  /** Sends one batch; `items` are JSON texts, one per event. */
  send: (items: string[]) => Promise<void>;
  /** Told about a batch whose send failed; the batcher goes on with the next one. */
  onError: (error: unknown, items: string[]) => void;
}

export interface Batcher {
  add(json: string): void;
  /** Sends whatever is waiting and resolves when everything added so far has been sent. */
  drain(): Promise<void>;
  pending(): number;
}

export const DEFAULT_BATCHING = { maxEvents: 500, flushIntervalMs: 250 } as const;

export function createBatcher(options: BatcherOptions): Batcher {
  let waiting: string[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let chain: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (waiting.length === 0) return chain;
    const batch = waiting;
    waiting = [];
    chain = chain.then(() => options.send(batch)).catch((error: unknown) => options.onError(error, batch));
    return chain;
  };

  return {
    add(json) {
      waiting.push(json);
      if (waiting.length >= options.maxEvents) void flush();
      else if (timer === undefined) timer = setTimeout(() => void flush(), options.flushIntervalMs);
    },
    drain: flush,
    pending: () => waiting.length,
  };
}
