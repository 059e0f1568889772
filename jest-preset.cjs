'use strict';
// The Jest preset a project names in its jest.config.ts (`preset: 'flightcheck'`): the scenarios'
// environment, TypeScript through esbuild, ESM throughout. From an installed package it points
// into the compiled dist/; in a checkout of flightcheck, at the sources.
const fs = require('node:fs');
const path = require('node:path');

const base = fs.existsSync(path.join(__dirname, 'fixtures', 'use-flight.ts')) ? __dirname : path.join(__dirname, 'dist');
const here = (p) => path.join(base, p);
// The run's settings, as `flightcheck run` hands them to Jest (src/config/run-settings.ts).
const { reporterSettings } = require(here('src/config/run-settings-reporters.cjs'));

module.exports = {
  // allure-jest's Node environment records every test for the Allure report (steps, attachments,
  // labels via src/report/allure.ts); ours adds skipping a file whose target cannot run here.
  // `--testEnvironment node` turns both off; the Allure helpers then do nothing (and node-mavlink
  // and zod load once per file again).
  testEnvironment: here('fixtures/jest-environment.cjs'),
  testEnvironmentOptions: {
    resultsDir: path.join(reporterSettings().resultsDir, 'allure-results'),
  },
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // Loaded once per Jest worker, not once per file (fixtures/jest-environment.cjs says why).
    '^node-mavlink$': here('fixtures/shared/node-mavlink.cjs'),
    '^zod$': here('fixtures/shared/zod.cjs'),
  },
  // TypeScript → ESM, types stripped (type-checking is tsc's job, as `flightcheck run` does first).
  transform: { '^.+\\.ts$': here('fixtures/esbuild-transformer.cjs') },
  testMatch: ['**/*.test.ts'],
  testTimeout: 60_000,
  // After the run, every skipped test and why: no silent skips.
  reporters: ['default', here('fixtures/skip-reporter.cjs')],
};
