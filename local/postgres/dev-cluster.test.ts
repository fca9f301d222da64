import { describe, expect, it } from 'vitest';
import { devClusterSpec, parsePort } from './dev-cluster.ts';

describe('devClusterSpec', () => {
  it('defaults to port 54322 in .local/postgres, durable', () => {
    const spec = devClusterSpec({ CANDLESTREAM_STATE_DIR: '/tmp/state' });
    expect(spec).toMatchObject({ dir: '/tmp/state/postgres', port: 54322, logFile: '/tmp/state/logs/postgres.log', durable: true, portVariable: 'DB_PORT' });
  });

  it('takes the port from DB_PORT', () => {
    expect(devClusterSpec({ DB_PORT: '6543' }).port).toBe(6543);
  });
});

describe('parsePort', () => {
  it.each(['0', '70000', 'abc', '54.3', '-1'])('refuses %s with a message naming the variable', (value) => {
    expect(() => parsePort(value, 1, 'DB_PORT')).toThrow(expect.objectContaining({ code: 'INVALID_PORT', exitCode: 2 }));
  });
});
