/**
 * A run's settings: one typed value from `flightcheck run` to its workers and reporters
 * (FLIGHTCHECK_RUN), or, for Jest started directly, the FLIGHT_* variables; a malformed one is an
 * error naming the field or the variable.
 */
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { encodeRunSettings, RUN_SETTINGS_ENV, runSettings, withoutRunSettings } from '../../src/config/run-settings.js';

const require = createRequire(import.meta.url);
const { reporterSettings } = require('../../src/config/run-settings-reporters.cjs') as { reporterSettings(env: NodeJS.ProcessEnv): { resultsDir?: string; journal?: string } };

describe('run settings', () => {
  it('travel as one value and come back as they were sent', () => {
    const sent = { target: 'native', speed: '4', seed: 7, resultsDir: '/tmp/r', instanceBase: 16, config: '/p/flightcheck.config.ts', progressPort: 40123, journal: '/tmp/r/journal.jsonl' };
    const env = encodeRunSettings(sent);
    expect(Object.keys(env)).toEqual([RUN_SETTINGS_ENV]);
    expect(runSettings(env)).toEqual(sent);
    // Jest's reporters (CommonJS) read the same value.
    expect(reporterSettings(env)).toEqual({ resultsDir: '/tmp/r', journal: '/tmp/r/journal.jsonl' });
  });

  it("win over the FLIGHT_* variables the run's processes inherit", () => {
    const env = { ...encodeRunSettings({ target: 'sim', resultsDir: '/tmp/a' }), FLIGHT_TARGET: 'hil', FLIGHT_RESULTS_DIR: '/tmp/b', FLIGHT_SEED: '9' };
    expect(runSettings(env)).toEqual({ target: 'sim', resultsDir: '/tmp/a', instanceBase: 0 });
    expect(withoutRunSettings(env)[RUN_SETTINGS_ENV]).toBeUndefined();
    expect(runSettings(withoutRunSettings(env))).toMatchObject({ target: 'hil', resultsDir: '/tmp/b', seed: 9 });
  });

  it('without a run, come from the FLIGHT_* variables (empty is unset)', () => {
    expect(runSettings({ FLIGHT_TARGET: 'native', FLIGHT_SPEED: 'max', FLIGHT_INSTANCE_BASE: '104', FLIGHT_RESULTS_DIR: 'out', FLIGHT_RIG: 'rigs/a.yaml' })).toEqual({
      target: 'native', speed: 'max', instanceBase: 104, resultsDir: path.resolve('out'), rig: 'rigs/a.yaml',
    });
    expect(runSettings({ FLIGHT_RESULTS_DIR: '', FLIGHT_TARGET: '' })).toEqual({ instanceBase: 0 });
    expect(reporterSettings({ FLIGHT_RESULTS_DIR: '' }).resultsDir).toBe(path.resolve('flight-results'));
  });

  it('name what is malformed, before anything flies', () => {
    expect(() => runSettings({ FLIGHT_SEED: 'abc' })).toThrow(/^FLIGHT_SEED: expected an integer, got "abc"$/);
    expect(() => runSettings({ FLIGHT_INSTANCE_BASE: '-8' })).toThrow(/^FLIGHT_INSTANCE_BASE: /);
    expect(() => runSettings({ FLIGHT_SPEED: 'fast' })).toThrow(/^FLIGHT_SPEED: expected a number or max, got "fast"$/);
    expect(() => runSettings({ [RUN_SETTINGS_ENV]: '{"target":' })).toThrow(/^FLIGHTCHECK_RUN: not JSON/);
    expect(() => runSettings({ [RUN_SETTINGS_ENV]: '{"target":"sim","progressPort":70000}' })).toThrow(/^FLIGHTCHECK_RUN: progressPort: /);
    expect(() => runSettings({ [RUN_SETTINGS_ENV]: '{"target":"sim","colour":"red"}' })).toThrow(/^FLIGHTCHECK_RUN: unknown field "colour"$/);
    expect(() => runSettings({ [RUN_SETTINGS_ENV]: '[1]' })).toThrow(/^FLIGHTCHECK_RUN: expected an object$/);
    expect(() => encodeRunSettings({ target: '', resultsDir: '/tmp' })).toThrow();
  });
});
