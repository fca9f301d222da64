// Classifies one text frame from the exchange stream: a kline event (raw, or inside a combined-stream
// wrapper), Binance's serverShutdown notice, some other event, or a frame that is not JSON at all.

import type { KlineEvent } from './kline-event.ts';

export type StreamMessage =
  /** A kline: `json` is the frame's own text (valid JSON), passed to the database as is. */
  | { kind: 'kline'; json: string; symbol: string; openTime: number; eventTime: number; closed: boolean }
  | { kind: 'shutdown' }
  /** Valid JSON that is not a kline: still sent on, so ingest_klines records why it was refused. */
  | { kind: 'other'; json: string }
  /** Not JSON: sent on as a JSON string, so the reject keeps the exact bytes received. */
  | { kind: 'malformed'; json: string; reason: string };

export function parseStreamMessage(text: string): StreamMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'malformed', json: JSON.stringify(text), reason: (error as Error).message };
  }
  const event = isRecord(value) && isRecord(value.data) && 'stream' in value ? value.data : value;
  if (isRecord(event) && event.e === 'serverShutdown') return { kind: 'shutdown' };
  const kline = asKline(event);
  if (!kline) return { kind: 'other', json: text };
  return { kind: 'kline', json: text, symbol: kline.k.s, openTime: kline.k.t, eventTime: kline.E, closed: kline.k.x };
}

/** The fields the client itself needs; full validation is the database's job. */
function asKline(value: unknown): Pick<KlineEvent, 'E'> & { k: Pick<KlineEvent['k'], 's' | 't' | 'x'> } | undefined {
  if (!isRecord(value) || value.e !== 'kline' || typeof value.E !== 'number' || !isRecord(value.k)) return undefined;
  const k = value.k;
  if (typeof k.s !== 'string' || typeof k.t !== 'number' || typeof k.x !== 'boolean') return undefined;
  return { E: value.E, k: { s: k.s, t: k.t, x: k.x } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
