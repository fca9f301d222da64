// The live feed: a postgres_changes subscription on live_candles_1m for one symbol through the
// unmodified supabase-js, a presence channel counting viewers, and backfills from /api/candles on
// every (re)subscription, on the tab becoming visible and when a minute is missing. Subscribe first,
// then fetch, then merge: whatever was committed while disconnected arrives by one path or the other.
// Above 1m, each new minute also moves the 24 h change's reference minute, fetched from the server.
import { createClient, type RealtimeChannel, type SupabaseClient } from '@supabase/supabase-js';
import { decodeCandles, MINUTE_MS, type Candle, type CandleColumns } from '../candles/candle.ts';
import { parseCandleRow } from '../candles/candle-change.ts';
import type { MergeOutcome } from '../candles/candle-series.ts';
import { nextStatus, initialStatus, type ChannelStatus, type StatusEvent, type StatusState } from '../status/stream-status.ts';
import type { MarketView } from './market-view.ts';

export interface FeedOptions {
  supabaseUrl: string;
  anonKey: string;
  symbol: string;
  source: string | null;
  market: MarketView;
  /** A merge changed the drawn series. */
  onChange(outcome: MergeOutcome): void;
  /** The 24 h change's reference moved (above 1m): the header's figures need a refresh. */
  onQuoteChange(): void;
  onStatus(state: StatusState): void;
  onViewers(count: number | null): void;
}

export interface LiveFeed {
  stop(): Promise<void>;
  /** Feeds an event to the status machine (visibility, source changes). */
  dispatch(event: StatusEvent): void;
}

/** Starts the subscription; the status starts as `connecting`. */
export function startLiveFeed(options: FeedOptions): LiveFeed {
  const client = sharedClient(options.supabaseUrl, options.anonKey);
  let state = initialStatus(options.source, document.visibilityState !== 'hidden');
  const reference = createReferenceRefresher(options);
  const backfiller = createBackfiller(options, reference);

  const dispatch = (event: StatusEvent) => {
    const transition = nextStatus(state, event);
    state = transition.state;
    options.onStatus(state);
    if (transition.backfill) backfiller.run(options.market.lastMinuteTime());
  };

  const candles = subscribeCandles(client, options.symbol, (row) => {
    const candle = parseCandleRow(row, options.symbol);
    if (!candle) return;
    dispatch({ type: 'update', at: Date.now() });
    const { outcome, gap, newMinute } = options.market.applyMinute(candle);
    options.onChange(outcome);
    if (gap) backfiller.run(gap.from);
    if (newMinute) reference.run();
  }, (status) => dispatch({ type: 'channel', status, at: Date.now() }));
  const viewers = trackViewers(client, options.symbol, options.onViewers);

  options.onStatus(state);
  return {
    dispatch,
    async stop() {
      backfiller.stop();
      reference.stop();
      // The socket stays open for the next feed (an interval or symbol switch); its channels go.
      await Promise.allSettled([client.removeChannel(candles), client.removeChannel(viewers)]);
    },
  };
}

let cached: { key: string; client: SupabaseClient } | null = null;

/** One client (one Realtime socket) per page, whatever the feeds that come and go on it. */
function sharedClient(url: string, anonKey: string): SupabaseClient {
  const key = `${url} ${anonKey}`;
  if (cached?.key !== key) {
    cached = { key, client: createClient(url, anonKey, { auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false } }) };
  }
  return cached.client;
}

function subscribeCandles(client: SupabaseClient, symbol: string, onRow: (row: unknown) => void, onStatus: (status: ChannelStatus) => void): RealtimeChannel {
  return client
    .channel(`candles:${symbol}`)
    .on('postgres_changes', { event: '*', schema: 'public', table: 'live_candles_1m', filter: `symbol=eq.${symbol}` }, (payload) => onRow(payload.new))
    .subscribe((status) => onStatus(status as ChannelStatus));
}

/** Joins the symbol's presence channel and reports how many distinct viewers are on it. */
function trackViewers(client: SupabaseClient, symbol: string, onViewers: (count: number | null) => void): RealtimeChannel {
  const key = crypto.randomUUID();
  const channel = client.channel(`viewers:${symbol}`, { config: { presence: { key } } });
  channel
    .on('presence', { event: 'sync' }, () => onViewers(Object.keys(channel.presenceState()).length))
    .subscribe((status) => {
      if (status === 'SUBSCRIBED') void channel.track({ since: Date.now() });
      else onViewers(null);
    });
  return channel;
}

interface Backfiller {
  run(since: number | null): void;
  stop(): void;
}

/** One backfill at a time; a request made while one runs is served by one more run after it. */
function createBackfiller(options: FeedOptions, reference: { run(): void }): Backfiller {
  let running = false;
  let pending: number | null | undefined;
  let stopped = false;
  const controller = new AbortController();

  const run = async (since: number | null): Promise<void> => {
    if (running) {
      pending = pending === undefined || pending === null || since === null ? since : Math.min(pending, since);
      return;
    }
    running = true;
    try {
      let newMinute = false;
      for (const candle of await fetchMinutes(options.symbol, since, controller.signal)) {
        const result = options.market.applyMinute(candle);
        options.onChange(result.outcome);
        newMinute ||= result.newMinute;
      }
      if (newMinute) reference.run();
    } catch (error) {
      if (!stopped) console.warn('backfill failed', error);
    } finally {
      running = false;
    }
    if (pending !== undefined && !stopped) {
      const next = pending;
      pending = undefined;
      await run(next);
    }
  };

  return {
    run: (since) => void run(since),
    stop() {
      stopped = true;
      controller.abort();
    },
  };
}

/** Above 1m: fetches the open of the 24 h reference minute for the newest minute, one request at a time, the latest wins. */
function createReferenceRefresher(options: FeedOptions): { run(): void; stop(): void } {
  let running = false;
  let again = false;
  const controller = new AbortController();
  const run = async (): Promise<void> => {
    const since = options.market.reference24hSince();
    if (since === null) return;
    if (running) return void (again = true);
    running = true;
    try {
      // get_candles with `since` reads the window [since, since + limit minutes): an hour's window
      // finds the first stored minute after a missing one, as the server's own look-up does.
      const [first] = await fetchMinutes(options.symbol, since, controller.signal, 60);
      options.market.setReference24h(first?.open ?? null);
      options.onQuoteChange();
    } catch (error) {
      if (!controller.signal.aborted) console.warn('24 h reference fetch failed', error);
    } finally {
      running = false;
    }
    if (again && !controller.signal.aborted) {
      again = false;
      await run();
    }
  };
  return { run: () => void run(), stop: () => controller.abort() };
}

/** 1m candles from `since` (the last minute held; it may have changed) up to now. */
async function fetchMinutes(symbol: string, since: number | null, signal: AbortSignal, limit = 10_000): Promise<Candle[]> {
  const params = new URLSearchParams({ symbol, interval: '1m', limit: String(limit) });
  if (since !== null) params.set('since', String(since));
  else params.set('since', String(Date.now() - 1_440 * MINUTE_MS));
  const response = await fetch(`/api/candles?${params}`, { signal, cache: 'no-store' });
  if (!response.ok) throw new Error(`GET /api/candles answered ${response.status}`);
  const body = (await response.json()) as { candles: CandleColumns };
  return decodeCandles(body.candles);
}
