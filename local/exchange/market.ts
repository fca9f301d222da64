// The simulated market: per symbol, the candles emitted so far and the minute in progress. Advancing
// it to a simulated time yields every kline event due by then, oldest first across symbols, and
// records each event's candle state, so history is exactly what the stream sent.
import { buildKlineEvent, MINUTE_MS, type KlineEvent } from '../../supabase/functions/_shared/kline-event.ts';
import { UPDATES_PER_MINUTE, type CandleSource, type MinutePath } from './minute-path.ts';

export interface Market {
  readonly symbols: string[];
  /** Every event due at or before `simNow` (at most `maxEvents`), oldest first; records them in history. */
  advance(simNow: number, maxEvents?: number): KlineEvent[];
  /** The event time of the next update of any symbol, or undefined when every source has ended. */
  nextDueTime(): number | undefined;
  /** The latest emitted event of each minute, oldest first; undefined for an unknown symbol. */
  history(symbol: string): readonly KlineEvent[] | undefined;
  /** Whether every source has run out of candles (a replay that reached the dump's end). */
  ended(): boolean;
}

interface SymbolState {
  source: CandleSource;
  path: MinutePath | undefined;
  /** Index into path.updates of the next update to emit. */
  next: number;
  history: KlineEvent[];
}

/** A market over the given sources, nothing emitted yet. */
export function createMarket(sources: CandleSource[]): Market {
  const states = sources.map((source): SymbolState => ({ source, path: source.nextMinute(), next: 0, history: [] }));
  const bySymbol = new Map(states.map((state) => [state.source.symbol, state]));
  return {
    symbols: states.map((state) => state.source.symbol),
    advance(simNow, maxEvents = Number.POSITIVE_INFINITY) {
      const events: KlineEvent[] = [];
      for (let state = earliestDue(states, simNow); state && events.length < maxEvents; state = earliestDue(states, simNow)) {
        events.push(emitNext(state));
      }
      return events;
    },
    nextDueTime() {
      const times = states.map(dueTime).filter((time): time is number => time !== undefined);
      return times.length > 0 ? Math.min(...times) : undefined;
    },
    history: (symbol) => bySymbol.get(symbol)?.history,
    ended: () => states.every((state) => state.path === undefined),
  };
}

/** Update i of a minute is sent after i+1 simulated seconds; the last one at the minute's close time. */
export function updateEventTime(openTime: number, index: number): number {
  return index + 1 < UPDATES_PER_MINUTE ? openTime + (index + 1) * 1_000 : openTime + MINUTE_MS - 1;
}

function dueTime(state: SymbolState): number | undefined {
  return state.path ? updateEventTime(state.path.openTime, state.next) : undefined;
}

function earliestDue(states: SymbolState[], simNow: number): SymbolState | undefined {
  let earliest: SymbolState | undefined;
  let earliestTime = simNow;
  for (const state of states) {
    const time = dueTime(state);
    if (time !== undefined && time <= earliestTime && (!earliest || time < earliestTime)) {
      earliest = state;
      earliestTime = time;
    }
  }
  return earliest;
}

function emitNext(state: SymbolState): KlineEvent {
  const path = state.path!;
  const values = path.updates[state.next]!;
  const closed = state.next === path.updates.length - 1;
  const event = buildKlineEvent({
    symbol: state.source.symbol,
    openTime: path.openTime,
    eventTime: updateEventTime(path.openTime, state.next),
    ...values,
    closed,
  });
  if (state.next === 0) state.history.push(event);
  else state.history[state.history.length - 1] = event;
  state.next += 1;
  if (closed) {
    state.path = state.source.nextMinute();
    state.next = 0;
  }
  return event;
}
