import { describe, expect, it } from 'vitest';
import { bindingId, parseBinding, parseJoin, type JoinRequest } from './join.ts';

function joined(payload: Record<string, unknown>): JoinRequest {
  const result = parseJoin(payload);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

describe('parseJoin', () => {
  it('reads the join supabase-js sends (docs/realtime-protocol.md §4.1)', () => {
    const params = { event: '*', schema: 'public', table: 'live_candles_1m', filter: 'symbol=eq.BTCUSDT' };
    const request = joined({ config: { broadcast: { ack: false, self: false }, presence: { key: '', enabled: false }, postgres_changes: [params], private: false }, access_token: 'token', version: 'realtime-js/2.119.0' });
    expect(request).toEqual({
      broadcast: { ack: false, self: false }, presence: { enabled: false, key: '' }, private: false, accessToken: 'token',
      bindings: [{ id: expect.any(Number), event: '*', schema: 'public', table: 'live_candles_1m', filter: [{ column: 'symbol', operator: 'eq', values: ['BTCUSDT'] }] }],
      echo: [{ ...params, id: request.bindings[0]!.id }],
    });
  });

  it('takes a missing key as the client default, as the shallow config merge leaves it', () => {
    const request = joined({ config: { broadcast: { ack: true }, presence: { key: 'ada' } } });
    expect([request.broadcast, request.presence, request.private, request.accessToken, request.bindings]).toEqual([{ ack: true, self: false }, { enabled: false, key: 'ada' }, false, undefined, []]);
    expect(joined({}).echo).toEqual([]);
  });

  it.each([
    ['a config that is not an object', { config: [] }],
    ['postgres_changes that is not a list', { config: { postgres_changes: {} } }],
    ['a broadcast setting that is not an object', { config: { broadcast: true } }],
    ['more than 100 bindings', { config: { postgres_changes: Array.from({ length: 101 }, (_, i) => ({ event: '*', table: `t${i}` })) } }],
  ])('refuses %s with InvalidJoinPayload', (_, payload) => {
    const result = parseJoin(payload);
    expect(result.ok ? 'parsed' : result.error.code).toBe('InvalidJoinPayload');
  });
});

describe('parseBinding', () => {
  it('defaults the schema to public for a table, and the table to every table for a schema', () => {
    const forTable = parseBinding({ event: 'insert', table: 'live_candles_1m' });
    const forSchema = parseBinding({ event: 'DELETE', schema: 'audit' });
    expect(forTable.ok && [forTable.value.event, forTable.value.schema, forTable.value.table]).toEqual(['INSERT', 'public', 'live_candles_1m']);
    expect(forSchema.ok && [forSchema.value.event, forSchema.value.schema, forSchema.value.table]).toEqual(['DELETE', 'audit', '*']);
  });

  it('keeps a select list', () => {
    const result = parseBinding({ event: '*', table: 't', select: ['symbol', 'close'] });
    expect(result.ok && result.value.select).toEqual(['symbol', 'close']);
  });

  it.each([
    ['an entry that is not an object', 'x', 'InvalidJoinPayload'],
    ['an unknown event', { event: 'TRUNCATE', table: 't' }, 'InvalidJoinPayload'],
    ['a missing event', { table: 't' }, 'InvalidJoinPayload'],
    ['neither schema nor table', { event: '*' }, 'InvalidJoinPayload'],
    ['a table that is not a string', { event: '*', table: 1 }, 'InvalidJoinPayload'],
    ['a select that is not a list of names', { event: '*', table: 't', select: 'symbol' }, 'InvalidJoinPayload'],
    ['a filter without a table', { event: '*', schema: 'public', filter: 'a=eq.1' }, 'InvalidFilter'],
    ['a filter that does not parse', { event: '*', table: 't', filter: 'a=like.1' }, 'InvalidFilter'],
  ])('refuses %s', (_, params, code) => {
    const result = parseBinding(params);
    expect(result.ok ? 'parsed' : result.error.code).toBe(code);
  });
});

describe('bindingId', () => {
  it('gives equal params equal truthy ids below 2^27, whatever their key order', () => {
    const id = bindingId({ event: '*', schema: 'public', table: 't', filter: 'a=eq.1' });
    expect(bindingId({ filter: 'a=eq.1', table: 't', schema: 'public', event: '*' })).toBe(id);
    expect(id).toBeGreaterThan(0);
    expect(id).toBeLessThan(2 ** 27);
  });

  it('gives different params different ids', () => {
    const ids = new Set(['a=eq.1', 'a=eq.2', 'a=neq.1', 'b=eq.1'].map((filter) => bindingId({ event: '*', schema: 'public', table: 't', filter })));
    ids.add(bindingId({ event: 'INSERT', schema: 'public', table: 't', filter: 'a=eq.1' }));
    expect(ids.size).toBe(5);
  });
});
