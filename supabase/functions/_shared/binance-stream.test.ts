import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { combinedStreamUrl, startStreamClient, type StreamClient, type StreamClientOptions, type WebSocketLike } from './binance-stream.ts';
import type { StreamMessage } from './stream-message.ts';

const STREAM_URL = 'wss://stream.example.test/stream?streams=btcusdt@kline_1m';
const KLINE = '{"e":"kline","E":1754006407000,"s":"BTCUSDT","k":{"t":1754006400000,"s":"BTCUSDT","x":false}}';
const SHUTDOWN = '{"e":"serverShutdown","E":1754006407000}';
/** With random() = 1 the delays are the ceilings: 1 s, 2 s, 4 s... */
const BACKOFF = { baseMs: 1_000, capMs: 30_000, random: () => 1 };
const SILENCE_MS = 10_000;
/** Every client a test started, stopped after it so no timer outlives the test. */
const clients: StreamClient[] = [];

/** A socket the test drives: it opens, receives, fails and closes when told to, like a real one would. */
class FakeSocket implements WebSocketLike {
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  closedWith: { code: number | undefined; reason: string | undefined } | undefined;

  constructor(readonly url: string) {}

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
  }
  open(): void {
    this.onopen?.({});
  }
  receive(data: unknown): void {
    this.onmessage?.({ data });
  }
  fail(): void {
    this.onerror?.({});
  }
  drop(code = 1006, reason = ''): void {
    this.onclose?.({ code, reason });
  }
}

function startClient(overrides: Partial<StreamClientOptions> = {}) {
  const sockets: FakeSocket[] = [];
  const messages: StreamMessage[] = [];
  const opens: number[] = [];
  const client = startStreamClient({
    url: STREAM_URL,
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    onMessage: (message) => messages.push(message),
    onOpen: (connection) => opens.push(connection),
    log: () => {},
    silenceTimeoutMs: SILENCE_MS,
    backoff: BACKOFF,
    ...overrides,
  });
  clients.push(client);
  const latest = () => sockets[sockets.length - 1]!;
  return { client, sockets, messages, opens, latest };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.stop()));
  vi.useRealTimers();
});

describe('combinedStreamUrl', () => {
  it('lowercases the symbols and joins their 1m kline streams with /', () => {
    expect(combinedStreamUrl('wss://fstream.binance.com', ['BTCUSDT', 'EthUsdt']))
      .toBe('wss://fstream.binance.com/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m');
  });

  it('drops trailing slashes from the base URL', () => {
    expect(combinedStreamUrl('ws://127.0.0.1:9000//', ['BTCUSDT'])).toBe('ws://127.0.0.1:9000/stream?streams=btcusdt@kline_1m');
  });
});

describe('startStreamClient', () => {
  it('connects to the URL at once', () => {
    const { sockets } = startClient();
    expect(sockets.map((s) => s.url)).toEqual([STREAM_URL]);
  });

  it('calls onOpen on the first connection and on every reconnect, numbering them', () => {
    const { opens, latest } = startClient();
    latest().open();
    latest().drop();
    vi.advanceTimersByTime(BACKOFF.baseMs);
    latest().open();
    expect(opens).toEqual([1, 2]);
  });

  it('passes every message on, parsed and in arrival order', () => {
    const { messages, latest } = startClient();
    latest().open();
    latest().receive(KLINE);
    latest().receive('{"result":null,"id":1}');
    latest().receive('not json');
    latest().receive(new TextEncoder().encode(KLINE.replace('"x":false', '"x":true')));
    expect(messages.map((m) => m.kind)).toEqual(['kline', 'other', 'malformed', 'kline']);
    expect(messages[0]).toMatchObject({ kind: 'kline', json: KLINE, closed: false });
    expect(messages[2]).toMatchObject({ kind: 'malformed', json: '"not json"' });
    expect(messages[3]).toMatchObject({ kind: 'kline', closed: true });
  });

  it('reconnects after the backoff delay when the connection closes', () => {
    const { sockets, latest } = startClient();
    latest().open();
    latest().drop(1006);
    vi.advanceTimersByTime(BACKOFF.baseMs - 1);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    expect(sockets[1]!.url).toBe(STREAM_URL);
  });

  it('reconnects once after the backoff delay on an error, even when a close follows it', () => {
    const { sockets, latest } = startClient();
    const first = latest();
    first.open();
    first.fail();
    first.drop();
    expect(first.closedWith?.code).toBe(4000);
    vi.advanceTimersByTime(BACKOFF.baseMs - 1);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(SILENCE_MS - 1);
    expect(sockets).toHaveLength(2);
  });

  it('doubles the delay with each failure in a row, and starts over once a message arrives', () => {
    const { sockets, latest } = startClient();
    const waitForNextSocket = () => {
      const before = sockets.length;
      let waited = 0;
      while (sockets.length === before) {
        vi.advanceTimersByTime(100);
        waited += 100;
      }
      return waited;
    };
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      latest().drop();
      delays.push(waitForNextSocket());
    }
    latest().open();
    latest().receive(KLINE);
    latest().drop();
    delays.push(waitForNextSocket());
    expect(delays).toEqual([1_000, 2_000, 4_000, 1_000]);
  });

  it('uses the injected random for jitter', () => {
    const { sockets, latest } = startClient({ backoff: { ...BACKOFF, random: () => 0 } });
    latest().drop();
    vi.advanceTimersByTime(BACKOFF.baseMs / 2 - 1);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
  });

  it('reconnects after silenceTimeoutMs without a message', () => {
    const { sockets, latest } = startClient();
    const first = latest();
    first.open();
    vi.advanceTimersByTime(SILENCE_MS - 1);
    expect(first.closedWith).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(first.closedWith?.code).toBe(4000);
    vi.advanceTimersByTime(BACKOFF.baseMs);
    expect(sockets).toHaveLength(2);
  });

  it('keeps a connection that receives a message within every silenceTimeoutMs', () => {
    const { sockets, latest } = startClient();
    latest().open();
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(SILENCE_MS - 1);
      latest().receive(KLINE);
    }
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.closedWith).toBeUndefined();
  });

  it('reconnects at once on serverShutdown, after passing the notice on', () => {
    const { sockets, messages, latest } = startClient();
    const first = latest();
    first.open();
    first.receive(SHUTDOWN);
    expect(messages).toEqual([{ kind: 'shutdown' }]);
    expect(first.closedWith?.code).toBe(4000);
    vi.advanceTimersByTime(0);
    expect(sockets).toHaveLength(2);
  });

  it('reconnects at once when the connection reaches rotateAfterMs', () => {
    const { sockets, latest } = startClient({ rotateAfterMs: 35_000 });
    const first = latest();
    first.open();
    for (let t = 0; t < 35_000 - 5_000; t += 5_000) {
      vi.advanceTimersByTime(5_000);
      first.receive(KLINE);
    }
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(5_000);
    expect(first.closedWith?.code).toBe(4000);
    // Fake timers run a 0 ms timer set inside a timer callback 1 ms later; the backoff would be 1 s.
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
  });

  it('ignores whatever an old socket does after it was replaced', () => {
    const { sockets, messages, opens, latest } = startClient();
    const old = latest();
    old.open();
    old.drop();
    vi.advanceTimersByTime(BACKOFF.baseMs);
    latest().open();

    old.open();
    old.receive(KLINE);
    old.receive(SHUTDOWN);
    old.fail();
    old.drop();
    vi.advanceTimersByTime(SILENCE_MS - 1);

    expect(messages).toEqual([]);
    expect(opens).toEqual([1, 2]);
    expect(sockets).toHaveLength(2);
    expect(sockets[1]!.closedWith).toBeUndefined();
  });

  it('closes the socket on stop and never reconnects afterwards', async () => {
    const { client, sockets, latest } = startClient();
    latest().open();
    await client.stop();
    expect(sockets[0]!.closedWith?.code).toBe(1000);
    sockets[0]!.drop();
    vi.advanceTimersByTime(24 * 3_600_000);
    expect(sockets).toHaveLength(1);
  });

  it('cancels a pending reconnect on stop', async () => {
    const { client, sockets, latest } = startClient();
    latest().drop();
    await client.stop();
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('retries after the backoff delay when the socket cannot even be created', () => {
    let attempts = 0;
    const created: FakeSocket[] = [];
    startClient({
      createSocket: (url) => {
        attempts += 1;
        if (attempts === 1) throw new Error('invalid URL');
        const socket = new FakeSocket(url);
        created.push(socket);
        return socket;
      },
    });
    expect(created).toHaveLength(0);
    vi.advanceTimersByTime(BACKOFF.baseMs);
    expect(created).toHaveLength(1);
  });

  it('counts the connections opened after the first as reconnects', () => {
    const { client, latest } = startClient();
    expect(client.reconnects()).toBe(0);
    latest().open();
    expect(client.reconnects()).toBe(0);
    for (let i = 0; i < 3; i++) {
      latest().receive(KLINE);
      latest().drop();
      vi.advanceTimersByTime(BACKOFF.baseMs);
      latest().open();
    }
    expect(client.reconnects()).toBe(3);
  });

  it('does not count a connection that never opened', () => {
    const { client, latest } = startClient();
    latest().open();
    latest().drop();
    vi.advanceTimersByTime(BACKOFF.baseMs);
    latest().drop();
    vi.advanceTimersByTime(30_000);
    expect(client.reconnects()).toBe(0);
  });

  it('gives up on a connection that does not open within silenceTimeoutMs', () => {
    const { sockets } = startClient();
    vi.advanceTimersByTime(SILENCE_MS);
    expect(sockets[0]!.closedWith?.code).toBe(4000);
    vi.advanceTimersByTime(BACKOFF.baseMs);
    expect(sockets).toHaveLength(2);
  });
});
