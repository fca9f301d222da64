// Vitest runs the TypeScript suites: unit tests beside the modules they test, integration tests in tests/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['local/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts', 'tests/**/*.test.ts', 'supabase/functions/_shared/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
