// Fault knobs that change which events reach clients: duplicates and swapped pairs (the socket-level
// faults live in ws-server.ts), and validation of fault requests arriving over HTTP.
import type { KlineEvent } from '../../supabase/functions/_shared/kline-event.ts';

export type FaultRequest =
  | { kind: 'drop' }
  | { kind: 'stall'; ms: number }
  | { kind: 'malformed' }
  | { kind: 'duplicate'; count: number }
  | { kind: 'reorder'; count: number }
  | { kind: 'shutdown' };

export type FaultRequestResult = { ok: true; fault: FaultRequest } | { ok: false; error: { code: 'INVALID_FAULT'; message: string } };

export interface EventFaults {
  /** Send each of the next `count` events twice in a row. */
  duplicateNext(count: number): void;
  /** Swap the next `count` pairs of events (each pair is two consecutive events of one symbol). */
  reorderNext(count: number): void;
  /** The events to send in place of `events`, with pending faults applied. */
  apply(events: KlineEvent[]): KlineEvent[];
  /** Events held back waiting for a partner to swap with; call when no more events will come. */
  release(): KlineEvent[];
}

const MAX_STALL_MS = 3_600_000;
const MAX_COUNT = 1_000_000;

/** Duplicate and reorder faults over the stream of outgoing events. */
export function createEventFaults(): EventFaults {
  let duplicates = 0;
  let reorders = 0;
  // Per symbol, so a client subscribed to one symbol sees its own pair swapped.
  const held = new Map<string, KlineEvent>();
  return {
    duplicateNext: (count) => { duplicates += count; },
    reorderNext: (count) => { reorders += count; },
    apply(events) {
      const out: KlineEvent[] = [];
      const send = (event: KlineEvent) => {
        out.push(event);
        if (duplicates > 0) {
          duplicates -= 1;
          out.push(event);
        }
      };
      for (const event of events) {
        const first = held.get(event.s);
        if (first) {
          held.delete(event.s);
          send(event);
          send(first);
        } else if (reorders > 0) {
          reorders -= 1;
          held.set(event.s, event);
        } else {
          send(event);
        }
      }
      return out;
    },
    release() {
      const out = [...held.values()];
      held.clear();
      return out;
    },
  };
}

/** Validates a `POST /_sim/faults` body: {"kind": ..., "ms"?: n, "count"?: n}. */
export function parseFaultRequest(body: unknown): FaultRequestResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return invalid(`a fault must be a JSON object, got ${JSON.stringify(body)}`);
  const { kind, ms, count } = body as Record<string, unknown>;
  switch (kind) {
    case 'drop':
    case 'malformed':
    case 'shutdown':
      return { ok: true, fault: { kind } };
    case 'stall':
      if (!isWhole(ms, 1, MAX_STALL_MS)) return invalid(`a stall needs "ms", a whole number of milliseconds 1..${MAX_STALL_MS}, got ${JSON.stringify(ms)}`);
      return { ok: true, fault: { kind, ms } };
    case 'duplicate':
    case 'reorder':
      if (count !== undefined && !isWhole(count, 1, MAX_COUNT)) return invalid(`"count" must be a whole number 1..${MAX_COUNT}, got ${JSON.stringify(count)}`);
      return { ok: true, fault: { kind, count: count ?? 1 } };
    default:
      return invalid(`unknown fault kind ${JSON.stringify(kind)}: use drop, stall, malformed, duplicate, reorder or shutdown`);
  }
}

function isWhole(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function invalid(message: string): FaultRequestResult {
  return { ok: false, error: { code: 'INVALID_FAULT', message } };
}
