/** Two projects: fast unit tests, and integration tests against a real Temporal dev server. */
const base = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
};
module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      // Worker logs at ERROR unless LLMBATCH_LOG_LEVEL is set: failures the tests provoke stay quiet.
      setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  testTimeout: 600000,
};
