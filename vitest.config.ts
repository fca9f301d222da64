// Vitest runs the TypeScript suites: unit tests beside the modules they test, integration tests in tests/.
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['local/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts', 'tests/**/*.test.ts', 'supabase/functions/_shared/**/*.test.ts'],
    // npm start's own suite clones the repository and runs the whole stack: it runs alone (tests/start/).
    exclude: [...configDefaults.exclude, 'tests/start/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
