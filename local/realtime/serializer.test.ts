import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeMessage, encodePostgresChanges, encodeUserBroadcast } from './serializer.ts';

const text = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

// A kind-3 push captured from supabase-js (docs/realtime-protocol.md §7.1).
const CLIENT_PUSH = Buffer.from('0301010a06000136377265616c74696d653a7863616e646c657b2273796d626f6c223a2242544355534454222c22636c6f7365223a312e32352c22766961223a22636c69656e74322d7773227d', 'hex');
// The kind-4 broadcast the client decoded in the same capture (§7.2).
const SERVER_BROADCAST = '040a0600017265616c74696d653a7863616e646c657b2273796d626f6c223a2242544355534454222c22636c6f7365223a36373031362c22766961223a227365727665722d62696e617279227d';

describe('decodeFrame', () => {
  it('reads a vsn 2.0.0 array into a typed message', () => {
    const decoded = decodeFrame('2.0.0', text(['6', '6', 'realtime:x', 'phx_join', { config: {} }]), false);
    expect(decoded).toEqual({ ok: true, value: { joinRef: '6', ref: '6', topic: 'realtime:x', event: 'phx_join', payload: { config: {} } } });
  });

  it('reads a vsn 1.0.0 object, a missing join_ref being null', () => {
    const decoded = decodeFrame('1.0.0', text({ topic: 'phoenix', event: 'heartbeat', payload: {}, ref: '3' }), false);
    expect(decoded).toEqual({ ok: true, value: { joinRef: null, ref: '3', topic: 'phoenix', event: 'heartbeat', payload: {} } });
  });

  it('reads the client\'s binary user broadcast push (kind 3), keeping the JSON body as sent', () => {
    const decoded = decodeFrame('2.0.0', CLIENT_PUSH, true);
    expect(decoded).toEqual({
      ok: true,
      value: {
        joinRef: '6', ref: '7', topic: 'realtime:x', event: 'broadcast', payload: { type: 'broadcast', event: 'candle' },
        userBroadcast: { event: 'candle', body: { encoding: 'json', json: '{"symbol":"BTCUSDT","close":1.25,"via":"client2-ws"}' } },
      },
    });
  });

  it('keeps a raw binary body (encoding 0) as bytes', () => {
    const frame = Buffer.concat([Buffer.from([3, 0, 1, 3, 1, 0, 0]), Buffer.from('9t/ee'), Buffer.from([0, 255])]);
    const decoded = decodeFrame('2.0.0', frame, true);
    expect(decoded.ok && decoded.value.userBroadcast).toEqual({ event: 'e', body: { encoding: 'binary', bytes: Buffer.from([0, 255]) } });
    expect(decoded.ok && [decoded.value.joinRef, decoded.value.ref, decoded.value.topic]).toEqual([null, '9', 't/e']);
  });

  it.each([
    ['text that is not JSON', '2.0.0', text('{'), false],
    ['an array of four', '2.0.0', text([null, '1', 'phoenix', 'heartbeat']), false],
    ['a numeric ref', '2.0.0', text([null, 1, 'phoenix', 'heartbeat', {}]), false],
    ['an array payload', '2.0.0', text([null, '1', 'phoenix', 'heartbeat', []]), false],
    ['an array on vsn 1.0.0', '1.0.0', text([null, '1', 'phoenix', 'heartbeat', {}]), false],
    ['binary on vsn 1.0.0', '1.0.0', CLIENT_PUSH, true],
    ['a binary kind other than 3', '2.0.0', Buffer.from(SERVER_BROADCAST, 'hex'), true],
    ['a push shorter than its header says', '2.0.0', CLIENT_PUSH.subarray(0, 20), true],
    ['a push whose JSON body does not parse', '2.0.0', Buffer.concat([CLIENT_PUSH.subarray(0, 25), Buffer.from('{oops')]), true],
    ['a push with an unknown encoding', '2.0.0', Buffer.from([3, 0, 0, 0, 0, 0, 7]), true],
  ] as const)('refuses %s as MalformedFrame', (_, vsn, data, isBinary) => {
    const decoded = decodeFrame(vsn, data, isBinary);
    expect(decoded.ok ? 'decoded' : decoded.error.code).toBe('MalformedFrame');
  });
});

describe('encodeMessage', () => {
  it('writes vsn 2.0.0 arrays with null for a missing ref, and vsn 1.0.0 objects', () => {
    const message = { joinRef: null, ref: '8', topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} } };
    expect(encodeMessage('2.0.0', message).data.toString()).toBe('[null,"8","phoenix","phx_reply",{"status":"ok","response":{}}]');
    expect(JSON.parse(encodeMessage('1.0.0', message).data.toString())).toEqual({ topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} }, ref: '8', join_ref: null });
  });
});

describe('encodePostgresChanges', () => {
  it('wraps the once-encoded data as [null, null, topic, "postgres_changes", {ids, data}]', () => {
    const frame = encodePostgresChanges('2.0.0', 'realtime:x', [52360638], '{"type":"INSERT"}');
    expect(frame.binary).toBe(false);
    expect(JSON.parse(frame.data.toString())).toEqual([null, null, 'realtime:x', 'postgres_changes', { ids: [52360638], data: { type: 'INSERT' } }]);
    expect(JSON.parse(encodePostgresChanges('1.0.0', 'realtime:x', [1, 2], '{}').data.toString()))
      .toEqual({ topic: 'realtime:x', event: 'postgres_changes', payload: { ids: [1, 2], data: {} }, ref: null, join_ref: null });
  });
});

describe('encodeUserBroadcast', () => {
  const candle = { event: 'candle', body: { encoding: 'json' as const, json: '{"symbol":"BTCUSDT","close":67016,"via":"server-binary"}' } };

  it('writes kind 4 on vsn 2.0.0, byte for byte as the client reads it', () => {
    const frame = encodeUserBroadcast('2.0.0', 'realtime:x', candle);
    expect(frame?.binary).toBe(true);
    expect(frame?.data.toString('hex')).toBe(SERVER_BROADCAST);
  });

  it('writes JSON on vsn 1.0.0, and nothing for a binary body it cannot carry', () => {
    expect(JSON.parse(encodeUserBroadcast('1.0.0', 'realtime:x', candle)!.data.toString())).toEqual({
      topic: 'realtime:x', event: 'broadcast', ref: null, join_ref: null,
      payload: { type: 'broadcast', event: 'candle', payload: { symbol: 'BTCUSDT', close: 67016, via: 'server-binary' } },
    });
    expect(encodeUserBroadcast('1.0.0', 'realtime:x', { event: 'raw', body: { encoding: 'binary', bytes: Buffer.from([1]) } })).toBeUndefined();
  });

  it('falls back to a JSON array when the topic is too long for a kind-4 header', () => {
    const topic = `realtime:${'t'.repeat(300)}`;
    const frame = encodeUserBroadcast('2.0.0', topic, candle)!;
    expect(frame.binary).toBe(false);
    expect(JSON.parse(frame.data.toString())).toEqual([null, null, topic, 'broadcast', { type: 'broadcast', event: 'candle', payload: { symbol: 'BTCUSDT', close: 67016, via: 'server-binary' } }]);
  });
});
