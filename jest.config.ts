/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

// ESM throughout (node-mavlink, execa and p-retry are ESM-aware); ts-jest only transpiles,
// type-checking is `npm run typecheck`.
const config: Config = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: { isolatedModules: true } }],
  },
  roots: ['<rootDir>/test', '<rootDir>/scenarios'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 60_000,
};

export default config;
