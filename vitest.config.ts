import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/schema/**/*.test.ts', 'test/api/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // wrangler dev (workerd) against the real API: slow to start, so long timeouts.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' } })],
        test: {
          name: 'workers',
          include: ['test/edge/**/*.test.ts'],
          testTimeout: 30_000,
          // A real HTTP server as the API's ruleset feed (test/edge/ruleset-kv.test.ts, ruleset-sharing.test.ts).
          globalSetup: ['test/helpers/ruleset-feed-server.ts'],
        },
      },
    ],
  },
});
