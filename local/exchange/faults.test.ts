import { describe, expect, it } from 'vitest';
import { buildKlineEvent, type KlineEvent } from '../../supabase/functions/_shared/kline-event.ts';
import { createEventFaults, parseFaultRequest } from './faults.ts';

const START = Date.UTC(2025, 7, 1, 0, 0);

function event(symbol: string, second: number): KlineEvent {
  return buildKlineEvent({
    symbol, openTime: START, eventTime: START + second * 1_000, open: '1', high: '1', low: '1', close: '1',
    volume: '0', quoteVolume: '0', trades: 0, closed: false,
  });
}

const label = (events: KlineEvent[]) => events.map((e) => `${e.s[0]}${(e.E - START) / 1_000}`);

describe('createEventFaults', () => {
  it('passes events through untouched when no fault is pending', () => {
    const faults = createEventFaults();
    expect(label(faults.apply([event('B', 1), event('B', 2)]))).toEqual(['B1', 'B2']);
  });

  it('sends each of the next count events twice, then stops', () => {
    const faults = createEventFaults();
    faults.duplicateNext(2);
    expect(label(faults.apply([event('B', 1), event('B', 2), event('B', 3)]))).toEqual(['B1', 'B1', 'B2', 'B2', 'B3']);
    expect(label(faults.apply([event('B', 4)]))).toEqual(['B4']);
  });

  it('swaps the next count pairs, across ticks', () => {
    const faults = createEventFaults();
    faults.reorderNext(2);
    expect(label(faults.apply([event('B', 1)]))).toEqual([]);
    expect(label(faults.apply([event('B', 2), event('B', 3), event('B', 4), event('B', 5)]))).toEqual(['B2', 'B1', 'B4', 'B3', 'B5']);
  });

  it('pairs events of one symbol, so each symbol\'s stream sees its swap', () => {
    const faults = createEventFaults();
    faults.reorderNext(1);
    expect(label(faults.apply([event('B', 1), event('E', 1), event('B', 2)]))).toEqual(['E1', 'B2', 'B1']);
  });

  it('releases a held event when nothing will come to swap it with', () => {
    const faults = createEventFaults();
    faults.reorderNext(1);
    faults.apply([event('B', 1)]);
    expect(label(faults.release())).toEqual(['B1']);
    expect(faults.release()).toEqual([]);
  });
});

describe('parseFaultRequest', () => {
  it.each([
    [{ kind: 'drop' }, { kind: 'drop' }],
    [{ kind: 'stall', ms: 500 }, { kind: 'stall', ms: 500 }],
    [{ kind: 'malformed' }, { kind: 'malformed' }],
    [{ kind: 'duplicate' }, { kind: 'duplicate', count: 1 }],
    [{ kind: 'reorder', count: 3 }, { kind: 'reorder', count: 3 }],
    [{ kind: 'shutdown' }, { kind: 'shutdown' }],
  ])('accepts %j', (body, fault) => {
    expect(parseFaultRequest(body)).toEqual({ ok: true, fault });
  });

  it.each([
    ['a non-object', [1]],
    ['an unknown kind', { kind: 'explode' }],
    ['a stall without ms', { kind: 'stall' }],
    ['a negative stall', { kind: 'stall', ms: -5 }],
    ['a fractional count', { kind: 'duplicate', count: 1.5 }],
    ['a count given as text', { kind: 'reorder', count: '2' }],
  ])('refuses %s with INVALID_FAULT', (_what, body) => {
    expect(parseFaultRequest(body)).toMatchObject({ ok: false, error: { code: 'INVALID_FAULT' } });
  });
});
