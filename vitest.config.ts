import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Resolves the real servers once (env vars, else Docker, else the native stack).
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000, // integration tests wait on consumer-group joins and real round trips
    hookTimeout: 120_000,
    // Two cores: more parallel files only queue on the same Kafka broker.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
