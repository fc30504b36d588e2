/** Integration tests share one Temporal dev server and one sshd, started in globalSetup; each jest worker has its own database and Temporal namespace. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  setupFiles: ['reflect-metadata', '<rootDir>/test/harness/quiet-logs.ts'],
  testTimeout: 120000,
  // The Temporal SDK's native runtime keeps the process alive after the last test.
  forceExit: true,
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
};
