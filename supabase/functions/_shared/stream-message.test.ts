import { describe, expect, it } from 'vitest';
import { buildKlineEvent } from './kline-event.ts';
import { parseStreamMessage } from './stream-message.ts';

const OPEN_TIME = Date.UTC(2025, 7, 1, 0, 0);

const KLINE = buildKlineEvent({
  symbol: 'BTCUSDT', openTime: OPEN_TIME, eventTime: OPEN_TIME + 7_000, open: '115764.07', high: '115764.08',
  low: '115704.78', close: '115729.0', volume: '11.87539', quoteVolume: '1374354.6403012', trades: 1421, closed: false,
});

describe('parseStreamMessage', () => {
  it('reads a raw kline event and keeps the frame text as its json', () => {
    const text = JSON.stringify(KLINE);
    expect(parseStreamMessage(text)).toEqual({
      kind: 'kline', json: text, symbol: 'BTCUSDT', openTime: OPEN_TIME, eventTime: OPEN_TIME + 7_000, closed: false,
    });
  });

  it('reads a kline inside a combined-stream wrapper and keeps the whole wrapper as its json', () => {
    const text = JSON.stringify({ stream: 'btcusdt@kline_1m', data: { ...KLINE, k: { ...KLINE.k, x: true } } });
    expect(parseStreamMessage(text)).toEqual({
      kind: 'kline', json: text, symbol: 'BTCUSDT', openTime: OPEN_TIME, eventTime: OPEN_TIME + 7_000, closed: true,
    });
  });

  it('recognises a raw serverShutdown notice', () => {
    expect(parseStreamMessage('{"e":"serverShutdown","E":1754006400000}')).toEqual({ kind: 'shutdown' });
  });

  it('recognises a serverShutdown notice inside a combined-stream wrapper', () => {
    const text = JSON.stringify({ stream: 'btcusdt@kline_1m', data: { e: 'serverShutdown', E: 1754006400000 } });
    expect(parseStreamMessage(text)).toEqual({ kind: 'shutdown' });
  });

  it.each([
    ['another event type', '{"e":"aggTrade","E":1754006400000,"s":"BTCUSDT"}'],
    ['a subscription answer', '{"result":null,"id":1}'],
    ['a kline whose open time is a string', JSON.stringify({ ...KLINE, k: { ...KLINE.k, t: String(OPEN_TIME) } })],
    ['a kline without an event time', JSON.stringify({ e: 'kline', k: KLINE.k })],
    ['a wrapper around a non-kline', '{"stream":"btcusdt@trade","data":{"e":"trade"}}'],
    ['a JSON array', '[1,2,3]'],
    ['a JSON number', '42'],
  ])('passes %s on as other, with the frame text unchanged', (_what, text) => {
    expect(parseStreamMessage(text)).toEqual({ kind: 'other', json: text });
  });

  it.each([
    ['truncated JSON', '{"e":"kline","E":17540'],
    ['plain text', 'hello exchange'],
    ['quotes, backslashes and control characters', 'say "hi"\\ \n\t\u0001 €'],
    ['an empty frame', ''],
  ])('turns %s into a JSON string that round-trips to the exact bytes', (_what, text) => {
    const message = parseStreamMessage(text);
    expect(message.kind).toBe('malformed');
    if (message.kind !== 'malformed') return;
    expect(JSON.parse(message.json)).toBe(text);
    expect(message.reason).not.toBe('');
  });
});
