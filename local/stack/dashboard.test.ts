import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkBuild, sourceHash } from './dashboard.ts';

/** A minimal app folder: sources, and optionally a build made from them. */
function appFolder(built: boolean): string {
  const root = mkdtempSync(join(tmpdir(), 'dashboard-'));
  const app = join(root, 'app');
  mkdirSync(join(app, 'src', 'routes'), { recursive: true });
  writeFileSync(join(app, 'src', 'routes', '+page.svelte'), '<h1>candles</h1>');
  writeFileSync(join(app, 'package.json'), '{}');
  writeFileSync(join(root, 'package-lock.json'), '{}');
  if (built) {
    mkdirSync(join(app, 'build'));
    writeFileSync(join(app, 'build', 'index.js'), '');
    writeFileSync(join(app, 'build', '.source-hash'), `${sourceHash(app)}\n`);
  }
  return app;
}

describe('checkBuild', () => {
  it('asks for a build when there is none', () => {
    expect(checkBuild(appFolder(false)).reason).toBe('no build yet');
  });

  it('accepts a build made from the current sources', () => {
    expect(checkBuild(appFolder(true)).reason).toBeUndefined();
  });

  it('asks for a rebuild when a source changed, was added, or the lockfile changed', () => {
    const edited = appFolder(true);
    writeFileSync(join(edited, 'src', 'routes', '+page.svelte'), '<h1>candles!</h1>');
    expect(checkBuild(edited).reason).toBe('sources changed since the last build');
    const added = appFolder(true);
    writeFileSync(join(added, 'src', 'routes', '+layout.svelte'), '<slot />');
    expect(checkBuild(added).reason).toBe('sources changed since the last build');
    const locked = appFolder(true);
    writeFileSync(join(locked, '..', 'package-lock.json'), '{"lockfileVersion":3}');
    expect(checkBuild(locked).reason).toBe('sources changed since the last build');
  });

  it('ignores a touched file whose content did not change (a checkout)', () => {
    const app = appFolder(true);
    const page = join(app, 'src', 'routes', '+page.svelte');
    utimesSync(page, new Date(), new Date(Date.now() + 60_000));
    expect(checkBuild(app).reason).toBeUndefined();
  });
});
