import { describe, expect, it } from 'vitest';
import { describeWithDatabase, testDatabaseUrl } from '../../tests/support/database.ts';
import { checkBindings, createBindingChecker, type ColumnLookup } from './binding-check.ts';
import { parseFilter } from './filters.ts';
import type { Binding } from './join.ts';

const columnsOf: ColumnLookup = async (schema, table) =>
  schema === 'public' && table === 'live_candles_1m' ? new Set(['symbol', 'timestamp', 'close']) : undefined;

function binding(table: string, filter?: string): Binding {
  if (filter === undefined) return { id: 1, event: '*', schema: 'public', table, filter: [] };
  const parsed = parseFilter(filter);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return { id: 1, event: '*', schema: 'public', table, filter: parsed.value };
}

describe('checkBindings', () => {
  it('accepts filters on columns the table has, and a whole schema (table *) unchecked', async () => {
    expect(await checkBindings([binding('live_candles_1m', 'symbol=eq.BTCUSDT,close=gte.1'), binding('*')], columnsOf)).toBeNull();
  });

  it('refuses a filter on a column the table does not have, as the real server words it', async () => {
    expect(await checkBindings([binding('live_candles_1m', 'symbl=eq.BTCUSDT')], columnsOf)).toBe(
      'Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: ' +
      '[event: *, schema: public, table: live_candles_1m, filters: [{"symbl", "eq", "BTCUSDT"}]]. ' +
      'Exception: ERROR P0001 (raise_exception) invalid column for filter symbl');
  });

  it('refuses a table that does not exist', async () => {
    expect(await checkBindings([binding('live_candles_5m')], columnsOf)).toMatch(/filters: \[\]\]\. Exception: ERROR 42P01 \(undefined_table\) relation "public\.live_candles_5m" does not exist$/);
  });

  it('names the first binding it refuses', async () => {
    const refusal = await checkBindings([binding('live_candles_1m', 'symbol=eq.A'), binding('live_candles_1m', 'nope=in.(a,b)')], columnsOf);
    expect(refusal).toContain('filters: [{"nope", "in", "a,b"}]');
  });
});

describe('createBindingChecker', () => {
  it('lets the join stand, and logs, when the database cannot be asked', async () => {
    const lines: string[] = [];
    const checker = createBindingChecker({ databaseUrl: 'postgresql://postgres:x@127.0.0.1:1/postgres', log: (line) => lines.push(line) });
    try {
      expect(await checker.check([binding('live_candles_1m', 'symbol=eq.A')])).toBeNull();
      expect(lines.join('\n')).toMatch(/could not check postgres_changes bindings: .*ECONNREFUSED/);
    } finally {
      await checker.close();
    }
  });
});

describeWithDatabase('createBindingChecker on the real catalog', () => {
  it('answers at once, without a query, only for tables it has already looked up', async () => {
    const checker = createBindingChecker({ databaseUrl: testDatabaseUrl!, log: () => {} });
    try {
      const typo = [binding('live_candles_1m', 'symbl=eq.A')];
      expect(checker.checkKnown(typo)).toBeUndefined();
      expect(await checker.check(typo)).toContain('invalid column for filter symbl');
      expect(checker.checkKnown(typo)).toContain('invalid column for filter symbl');
      expect(checker.checkKnown([binding('live_candles_1m', 'symbol=eq.A,close=gt.1')])).toBeNull();
      expect(checker.checkKnown([binding('stream_status')])).toBeUndefined();
    } finally {
      await checker.close();
    }
  });

  it('knows every table of the supabase_realtime publication after prefetch', async () => {
    const checker = createBindingChecker({ databaseUrl: testDatabaseUrl!, log: () => {} });
    try {
      await checker.prefetch();
      expect(checker.checkKnown([binding('live_candles_1m', 'symbol=eq.A')])).toBeNull();
    } finally {
      await checker.close();
    }
  });
});
