import { postgresChangesFilter } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { matchesFilter, parseFilter, type Filter, type RowValue } from './filters.ts';

function parsed(text: string): Filter {
  const result = parseFilter(text);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

describe('parseFilter', () => {
  it('reads one column=op.value condition', () => {
    expect(parsed('symbol=eq.BTCUSDT')).toEqual([{ column: 'symbol', operator: 'eq', values: ['BTCUSDT'] }]);
  });

  it('reads conditions joined by commas, an escaped comma staying in its value', () => {
    expect(parsed('area=eq.Oslo\\, Norway,id=gte.3')).toEqual([
      { column: 'area', operator: 'eq', values: ['Oslo, Norway'] },
      { column: 'id', operator: 'gte', values: ['3'] },
    ]);
  });

  it('reads what the client\'s postgresChangesFilter() builds: quoted values and in lists', () => {
    const text = postgresChangesFilter().eq('note', 'a, "b" (c) \\d').in('symbol', ['BTCUSDT', 'x,y']).lt('close', 5).build();
    expect(parsed(text)).toEqual([
      { column: 'note', operator: 'eq', values: ['a, "b" (c) \\d'] },
      { column: 'symbol', operator: 'in', values: ['BTCUSDT', 'x,y'] },
      { column: 'close', operator: 'lt', values: ['5'] },
    ]);
  });

  it('reads is.null and not.is.null', () => {
    expect(parsed('closed_at=is.null,opened_at=not.is.null').map(({ operator }) => operator)).toEqual(['isnull', 'notnull']);
  });

  it.each([
    ['an unknown operator', 'symbol=like.BTC%'],
    ['a negated operator other than is.null', 'symbol=not.eq.BTC'],
    ['a condition without "="', 'symbol'],
    ['an operator without a value', 'symbol=eq'],
    ['an in without parentheses', 'symbol=in.BTC,ETH'],
    ['an empty in list', 'symbol=in.()'],
    ['an unclosed quote', 'symbol=eq."BTC'],
    ['an unbalanced parenthesis', 'symbol=in.(BTC'],
    ['a quote inside a quoted value', 'symbol=eq."a"b"'],
  ])('refuses %s with InvalidFilter', (_, text) => {
    const result = parseFilter(text);
    expect(result.ok ? 'parsed' : result.error.code).toBe('InvalidFilter');
  });
});

describe('matchesFilter', () => {
  const columns = [
    { name: 'symbol', type: 'text' }, { name: 'close', type: 'numeric' }, { name: 'trades', type: 'int4' },
    { name: 'timestamp', type: 'timestamptz' }, { name: 'is_closed', type: 'bool' }, { name: 'day', type: 'date' },
  ];
  const row: Record<string, RowValue> = {
    symbol: 'BTCUSDT', close: '67000.123456789012345678', trades: 10, timestamp: '2025-01-01T12:34:00.250001+00:00', is_closed: true, day: '2025-01-01', note: null,
  };
  const matches = (text: string, values: Record<string, RowValue> = row) => matchesFilter(parsed(text), values, columns);

  it('compares numeric columns as numbers, exactly', () => {
    expect(matches('trades=gt.9')).toBe(true);
    expect(matches('trades=in.(9,10.0)')).toBe(true);
    expect(matches('close=gt.67000.123456789012345677')).toBe(true);
    expect(matches('close=lt.67000.123456789012345679')).toBe(true);
    expect(matches('close=eq.67000.1234567890123456780')).toBe(true);
    expect(matches('close=gt.not-a-number')).toBe(false);
  });

  it('compares timestamptz columns as instants, whatever the zone or separator', () => {
    expect(matches('timestamp=gt.2025-01-01 13:34:00.25+01')).toBe(true);
    expect(matches('timestamp=lt.2025-01-01T12:34:00.250002Z')).toBe(true);
    expect(matches('timestamp=eq.2025-01-01T07:34:00.250001-05:00')).toBe(true);
    expect(matches('day=gte.2025-01-01,day=lt.2025-01-02')).toBe(true);
  });

  it('compares text as text and booleans as booleans', () => {
    expect(matches('symbol=gt.BTC')).toBe(true);
    expect(matches('symbol=lt.ETH,symbol=neq.ETHUSDT')).toBe(true);
    expect(matches('symbol=eq.btcusdt')).toBe(false);
    expect(matchesFilter(parsed('trades=lt.9'), { trades: '10' }, [{ name: 'trades', type: 'text' }])).toBe(true);
    expect(matches('is_closed=eq.true')).toBe(true);
    expect(matches('is_closed=eq.f', { ...row, is_closed: 'f' })).toBe(true);
  });

  it('lets only is.null match a null or missing value', () => {
    expect(matches('note=eq.x')).toBe(false);
    expect(matches('note=neq.x')).toBe(false);
    expect(matches('note=is.null')).toBe(true);
    expect(matches('missing=is.null,symbol=not.is.null')).toBe(true);
    expect(matchesFilter(parsed('symbol=eq.BTCUSDT'), undefined, columns)).toBe(false);
  });

  it('needs every condition of an AND to hold', () => {
    expect(matches('symbol=eq.BTCUSDT,trades=gt.10')).toBe(false);
    expect(matches('symbol=eq.BTCUSDT,trades=gte.10')).toBe(true);
  });
});
