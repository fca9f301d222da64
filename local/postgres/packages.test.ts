import { describe, expect, it } from 'vitest';
import { planInstall } from './packages.ts';
import type { MachineProbe } from './binaries.ts';

const withApt: MachineProbe = { exists: (path) => path === '/usr/bin/apt-get', run: () => undefined };
const withoutApt: MachineProbe = { exists: () => false, run: () => undefined };
const PACKAGES = 'postgresql-15 postgresql-15-cron postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl';

describe('planInstall', () => {
  it('installs with apt-get when running as root', () => {
    expect(planInstall(true, withApt)).toEqual({ action: 'install', command: `apt-get update && apt-get install -y ${PACKAGES}` });
  });

  it('tells a non-root user the exact sudo command instead of installing', () => {
    expect(planInstall(false, withApt)).toEqual({
      action: 'instruct',
      command: `sudo apt-get update && sudo apt-get install -y ${PACKAGES}`,
    });
  });

  it('names the packages and PG_BIN_DIR where there is no apt-get', () => {
    const plan = planInstall(true, withoutApt);
    expect(plan.action).toBe('instruct');
    expect(plan.command).toContain('PG_BIN_DIR');
  });
});
