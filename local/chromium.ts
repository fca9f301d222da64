// Debian's Chromium for the browser tests (playwright-core drives /usr/bin/chromium; a test tool's own
// browser download cannot work here). Installed with apt-get when root; otherwise the exact command.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
/** What works as root on this kind of machine (docs: local-stack-facts). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Debian's Chromium; playwright-core gives every launch a fresh temporary --user-data-dir of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** True when Chromium is (now) installed; false, after printing what to run, when it cannot be. */
export function ensureChromium(log: (line: string) => void = console.log): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
    log(`browser tests: ${CHROMIUM_PATH} is missing and cannot be installed without root; run: sudo apt-get install -y chromium`);
    return false;
  }
  log('browser tests: installing Debian chromium with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (result.status !== 0) {
      log(`browser tests: apt-get ${args.join(' ')} failed with exit status ${result.status}`);
      return false;
    }
  }
  return existsSync(CHROMIUM_PATH);
}
