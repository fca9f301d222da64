// The status machine behind the status pill: pure, driven by channel statuses, tab visibility, update
// arrivals and the feed's source, with the clock passed in. It also says when to backfill: on every
// subscription (first or after an error) and whenever the tab becomes visible while subscribed.

export const STALE_AFTER_MS = 10_000;

export type ChannelStatus = 'SUBSCRIBED' | 'CHANNEL_ERROR' | 'TIMED_OUT' | 'CLOSED';
export type Connection = 'connecting' | 'subscribed' | 'reconnecting';
export type FeedSource = 'exchange' | 'simulated' | 'replay';
export type DisplayStatus = 'connecting' | 'live' | 'reconnecting' | 'stale' | 'simulated' | 'replay';

export interface StatusState {
  connection: Connection;
  /** When the current subscription began, ms. */
  subscribedAt: number | null;
  /** When the last live update arrived, ms. */
  lastUpdateAt: number | null;
  source: FeedSource;
  visible: boolean;
}

export type StatusEvent =
  | { type: 'channel'; status: ChannelStatus; at: number }
  | { type: 'visibility'; visible: boolean; at: number }
  | { type: 'update'; at: number }
  | { type: 'source'; source: string | null };

export interface Transition {
  state: StatusState;
  /** Fetch what was committed since the last candle held (the subscription is already in place). */
  backfill: boolean;
}

/** The state before the channel has answered. */
export function initialStatus(source: string | null = null, visible = true): StatusState {
  return { connection: 'connecting', subscribedAt: null, lastUpdateAt: null, source: classifySource(source), visible };
}

/** Applies one event. */
export function nextStatus(state: StatusState, event: StatusEvent): Transition {
  switch (event.type) {
    case 'channel':
      return onChannel(state, event.status, event.at);
    case 'visibility': {
      const becameVisible = event.visible && !state.visible;
      const next = { ...state, visible: event.visible };
      return { state: next, backfill: becameVisible && state.connection === 'subscribed' };
    }
    case 'update':
      return { state: { ...state, lastUpdateAt: event.at }, backfill: false };
    case 'source':
      return { state: { ...state, source: classifySource(event.source) }, backfill: false };
  }
}

/** What the pill shows at `now`. */
export function displayStatus(state: StatusState, now: number): DisplayStatus {
  if (state.connection !== 'subscribed') return state.connection;
  const staleFrom = staleAt(state);
  if (staleFrom !== null && now >= staleFrom) return 'stale';
  return state.source === 'exchange' ? 'live' : state.source;
}

/** When a subscribed feed with no further update turns stale, or null when not subscribed. */
export function staleAt(state: StatusState): number | null {
  if (state.connection !== 'subscribed' || state.subscribedAt === null) return null;
  return Math.max(state.subscribedAt, state.lastUpdateAt ?? 0) + STALE_AFTER_MS;
}

/** `stream_status.source` → what kind of feed it is: simulated and replay are not the real exchange. */
export function classifySource(source: string | null): FeedSource {
  if (source === 'simulated') return 'simulated';
  if (source !== null && (source === 'replay' || source.startsWith('replay:'))) return 'replay';
  return 'exchange';
}

function onChannel(state: StatusState, status: ChannelStatus, at: number): Transition {
  if (status === 'SUBSCRIBED') {
    const resubscribed = state.connection !== 'subscribed';
    return { state: { ...state, connection: 'subscribed', subscribedAt: at }, backfill: resubscribed };
  }
  const connection: Connection = state.subscribedAt === null && state.connection === 'connecting' ? 'connecting' : 'reconnecting';
  return { state: { ...state, connection }, backfill: false };
}
