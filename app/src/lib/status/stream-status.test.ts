import { describe, expect, it } from 'vitest';
import { classifySource, displayStatus, initialStatus, nextStatus, STALE_AFTER_MS, type StatusEvent, type StatusState } from './stream-status.ts';

function run(events: StatusEvent[], state: StatusState = initialStatus()) {
  const backfills: number[] = [];
  events.forEach((event, i) => {
    const transition = nextStatus(state, event);
    state = transition.state;
    if (transition.backfill) backfills.push(i);
  });
  return { state, backfills };
}

describe('displayStatus', () => {
  it('is connecting until the channel first subscribes', () => {
    expect(displayStatus(initialStatus(), 0)).toBe('connecting');
    const { state } = run([{ type: 'channel', status: 'CHANNEL_ERROR', at: 5 }]);
    expect(displayStatus(state, 5)).toBe('connecting');
  });

  it('is live once subscribed to the real exchange', () => {
    const { state } = run([{ type: 'channel', status: 'SUBSCRIBED', at: 1_000 }]);
    expect(displayStatus(state, 1_001)).toBe('live');
  });

  it('turns stale after 10 s subscribed without an update, and live again on the next one', () => {
    const { state } = run([
      { type: 'channel', status: 'SUBSCRIBED', at: 0 },
      { type: 'update', at: 2_000 },
    ]);
    expect(displayStatus(state, 2_000 + STALE_AFTER_MS - 1)).toBe('live');
    expect(displayStatus(state, 2_000 + STALE_AFTER_MS)).toBe('stale');
    const after = nextStatus(state, { type: 'update', at: 20_000 }).state;
    expect(displayStatus(after, 20_001)).toBe('live');
  });

  it('is reconnecting after an error, timeout or close once it had subscribed', () => {
    for (const status of ['CHANNEL_ERROR', 'TIMED_OUT', 'CLOSED'] as const) {
      const { state } = run([
        { type: 'channel', status: 'SUBSCRIBED', at: 0 },
        { type: 'channel', status, at: 10 },
      ]);
      expect(displayStatus(state, 11)).toBe('reconnecting');
    }
  });

  it('names a simulated or replayed feed instead of live', () => {
    const subscribed: StatusEvent = { type: 'channel', status: 'SUBSCRIBED', at: 0 };
    expect(displayStatus(run([subscribed], initialStatus('simulated')).state, 1)).toBe('simulated');
    expect(displayStatus(run([subscribed], initialStatus('replay:BTCUSDT-1m.csv')).state, 1)).toBe('replay');
    expect(displayStatus(run([subscribed, { type: 'source', source: 'binance' }], initialStatus('replay')).state, 1)).toBe('live');
  });

  it('reports stale before simulated: a silent feed is the more urgent fact', () => {
    const { state } = run([{ type: 'channel', status: 'SUBSCRIBED', at: 0 }], initialStatus('simulated'));
    expect(displayStatus(state, STALE_AFTER_MS)).toBe('stale');
  });
});

describe('nextStatus backfill', () => {
  it('backfills on the first subscription and on every resubscription after an error or timeout', () => {
    const { backfills } = run([
      { type: 'channel', status: 'SUBSCRIBED', at: 0 },
      { type: 'update', at: 1 },
      { type: 'channel', status: 'CHANNEL_ERROR', at: 2 },
      { type: 'channel', status: 'SUBSCRIBED', at: 3 },
      { type: 'channel', status: 'TIMED_OUT', at: 4 },
      { type: 'channel', status: 'SUBSCRIBED', at: 5 },
    ]);
    expect(backfills).toEqual([0, 3, 5]);
  });

  it('backfills when the tab becomes visible while subscribed, not while hidden or disconnected', () => {
    const { backfills } = run([
      { type: 'channel', status: 'SUBSCRIBED', at: 0 },
      { type: 'visibility', visible: false, at: 1 },
      { type: 'visibility', visible: true, at: 2 },
      { type: 'visibility', visible: true, at: 3 },
      { type: 'channel', status: 'CHANNEL_ERROR', at: 4 },
      { type: 'visibility', visible: false, at: 5 },
      { type: 'visibility', visible: true, at: 6 },
    ]);
    expect(backfills).toEqual([0, 2]);
  });
});

describe('classifySource', () => {
  it('treats only simulated and replay sources as not the real exchange', () => {
    expect(classifySource('binance')).toBe('exchange');
    expect(classifySource(null)).toBe('exchange');
    expect(classifySource('simulated')).toBe('simulated');
    expect(classifySource('replay')).toBe('replay');
  });
});
