/**
 * End-to-end tests against real n8n 2.41.1 (Node 24 from the cache filled by
 * scripts/n8n-runtime.sh). Slow: run with `npx jest -c jest.e2e.config.js`.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.e2e.test.ts'],
  // Queue mode (PostgreSQL, Redis, workers) has its own config: jest.queue.config.js.
  testPathIgnorePatterns: ['/node_modules/', '/queue\\.e2e\\.test\\.ts$'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // The first run installs the runtime (~8 min); each n8n CLI call takes 5-15 s.
  testTimeout: 15 * 60 * 1000,
  // One n8n at a time: each start/execute is CPU-heavy on these 2-core machines.
  maxWorkers: 1,
};
