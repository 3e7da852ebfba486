/** One jest run for the whole repository: unit tests beside each package, end-to-end tests in test/. */
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];

module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@quorumd/(core|config|store|queue|client)$': '<rootDir>/packages/$1/src',
    '^@quorumd/api$': '<rootDir>/services/api/src',
  },
  testMatch: ['<rootDir>/packages/*/test/**/*.test.ts', '<rootDir>/services/*/test/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 30000,
  maxWorkers: 2,
  // Tests close what they open; a Redis client left retrying by a test that failed half-way
  // must still not keep a CI run waiting until its time-out (jest says so when it forces).
  forceExit: true,
};
