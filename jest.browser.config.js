/**
 * The browser tests (issue #27): n8n's editor in Debian's chromium (playwright-core) against real
 * n8n 2.41.1 set up like `npm run main`. Run with `npm run test:browser` (about 3 minutes once n8n
 * is cached; needs /usr/bin/chromium or CHROMIUM_PATH).
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/browser'],
  testMatch: ['**/*.browser.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // Starting n8n takes a minute on a busy 2-core machine; the steps share one browser page in order.
  testTimeout: 10 * 60 * 1000,
  maxWorkers: 1,
};
