// Vitest for the dashboard: unit tests beside their modules in src/, the browser end-to-end suite in
// tests/ (it builds the app, and skips without the test database or /usr/bin/chromium). The root is
// pinned to app/, so `vitest run --config app/vitest.config.ts` from the repository root works too.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 180_000,
  },
});
