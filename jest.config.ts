/** @jest-config-loader esbuild-register */
// Loaded through esbuild-register (the docblock above), not ts-node: about 2 s less on every run.
// ESM throughout (node-mavlink, execa and p-retry are ESM-aware); esbuild only strips types,
// type-checking is `npm run typecheck`.
import path from 'node:path';
import type { Config } from 'jest';

const config: Config = {
  // allure-jest's Node environment records every test for the Allure report (steps, attachments,
  // labels via src/report/allure.ts); ours adds skipping a file whose target cannot run here.
  // `--testEnvironment node` turns both off; the Allure helpers then do nothing (and node-mavlink
  // and zod load once per file again).
  testEnvironment: '<rootDir>/fixtures/jest-environment.cjs',
  testEnvironmentOptions: {
    resultsDir: path.resolve(process.env.FLIGHT_RESULTS_DIR ?? 'flight-results', 'allure-results'),
  },
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // Loaded once per Jest worker, not once per file (fixtures/jest-environment.cjs says why).
    '^node-mavlink$': '<rootDir>/fixtures/shared/node-mavlink.cjs',
    '^zod$': '<rootDir>/fixtures/shared/zod.cjs',
  },
  transform: { '^.+\\.ts$': '<rootDir>/test/support/esbuild-transformer.cjs' },
  roots: ['<rootDir>/test', '<rootDir>/scenarios'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 60_000,
  // After the run, every skipped test and why (test/support/skip-reporter.cjs): no silent skips.
  reporters: ['default', '<rootDir>/test/support/skip-reporter.cjs'],
};

export default config;
