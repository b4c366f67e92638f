/**
 * The queue-mode end-to-end test (issue #10): real n8n 2.41.1 main + workers on throwaway
 * PostgreSQL and Redis. Slow and needs root on first use (apt-get); run with `npm run test:queue`.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/queue.e2e.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // Starting main + two workers takes a minute or two on a busy 2-core machine; syncs of ~1,000 users a few minutes.
  testTimeout: 20 * 60 * 1000,
  maxWorkers: 1,
};
