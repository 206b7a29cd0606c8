/** Tests run through @swc/jest (decorator metadata on); `tsc --noEmit` type-checks separately. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['reflect-metadata'],
  // Each test file runs on its own copy of the migrated database.
  setupFilesAfterEnv: ['<rootDir>/test/support/file-database.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
};
