import { describe, expect, it } from 'vitest';
import { encodeChangeData, filteredRow, fromText, oldRecordOf } from './change-payload.ts';
import { candleChange } from './test-kit.ts';

describe('encodeChangeData', () => {
  it('sends an INSERT with its record and no old_record, errors null, type in upper case', () => {
    const data = JSON.parse(encodeChangeData(candleChange('INSERT')));
    expect(Object.keys(data).sort()).toEqual(['columns', 'commit_timestamp', 'errors', 'record', 'schema', 'table', 'type']);
    expect(data).toMatchObject({ schema: 'public', table: 'live_candles_1m', commit_timestamp: '2025-01-01T12:34:05.200Z', type: 'INSERT', errors: null, record: { close: 67005.25, is_closed: false } });
    expect(data.columns).toContainEqual({ name: 'close', type: 'numeric' });
  });

  it('sends an UPDATE with both records and a DELETE with the old record only', () => {
    expect(Object.keys(JSON.parse(encodeChangeData(candleChange('UPDATE'))))).toEqual(expect.arrayContaining(['record', 'old_record']));
    const deleted = JSON.parse(encodeChangeData(candleChange('DELETE')));
    expect(deleted.record).toBeUndefined();
    expect(deleted.old_record).toEqual({ symbol: 'BTCUSDT', timestamp: '2025-01-01T12:34:00+00:00' });
  });

  it('keeps only the selected columns when asked', () => {
    const data = JSON.parse(encodeChangeData(candleChange('UPDATE'), new Set(['symbol', 'close'])));
    expect([data.record, data.old_record, data.columns]).toEqual([{ symbol: 'BTCUSDT', close: 67005.25 }, { symbol: 'BTCUSDT' }, [{ name: 'symbol', type: 'text' }, { name: 'close', type: 'numeric' }]]);
  });
});

describe('oldRecordOf', () => {
  it('uses the change source\'s old record, else the primary key converted like to_jsonb', () => {
    const change = candleChange('DELETE');
    expect(oldRecordOf(change)).toBe(change.oldRecord);
    const { oldRecord: _, ...withoutOld } = change;
    expect(oldRecordOf(withoutOld)).toEqual({ symbol: 'BTCUSDT', timestamp: '2025-01-01T12:34:00+00:00' });
  });
});

describe('filteredRow', () => {
  it('is the new record, or for a DELETE the old one', () => {
    expect(filteredRow(candleChange('UPDATE', { symbol: 'ETHUSDT' }))?.symbol).toBe('ETHUSDT');
    expect(filteredRow(candleChange('DELETE', { symbol: 'ETHUSDT' }))).toEqual({ symbol: 'ETHUSDT', timestamp: '2025-01-01T12:34:00+00:00' });
  });
});

describe('fromText', () => {
  it.each([
    ['42', 'int8', 42],
    ['67000.10', 'numeric', 67000.1],
    ['NaN', 'numeric', 'NaN'],
    ['t', 'bool', true],
    ['f', 'bool', false],
    ['{"a":[1]}', 'jsonb', { a: [1] }],
    ['2025-01-01 12:34:00+00', 'timestamptz', '2025-01-01T12:34:00+00:00'],
    ['2025-01-01 12:34:00.5+05:30', 'timestamptz', '2025-01-01T12:34:00.5+05:30'],
    ['2025-01-01 12:34:00', 'timestamp', '2025-01-01T12:34:00'],
    ['BTCUSDT', 'text', 'BTCUSDT'],
  ])('turns %j of type %s into %j', (text, type, value) => {
    expect(fromText(text, type)).toEqual(value);
  });
});
