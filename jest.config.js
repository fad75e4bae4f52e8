/** Three projects: fast unit tests, integration tests against a real Temporal dev server, and the long soak tests. */
const base = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  setupFiles: ['<rootDir>/test/support/quiet-notices.ts'],
};
/** Integration and soak tests: against a real Temporal dev server, started once for all their files. */
const againstTemporal = {
  ...base,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  // Worker logs at ERROR unless LLMBATCH_LOG_LEVEL is set: failures the tests provoke stay quiet.
  setupFiles: [...base.setupFiles, '<rootDir>/test/support/quiet-logs.ts'],
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...againstTemporal, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    // The long ones: crashes, chaos, restarts and scale (npm run test:soak; CI runs them too).
    { ...againstTemporal, displayName: 'soak', testMatch: ['<rootDir>/test/soak/**/*.test.ts'] },
  ],
  testTimeout: 600000,
};
