import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkScenarioFiles } from '../../src/cli/preflight/index.js';
import { flightcheck, ROOT } from './helpers.js';

/**
 * Scenario files with mistakes, written where `flightcheck run` looks for scenarios (under test/),
 * for the time of this file only (the name keeps them out of git: .gitignore).
 */
const dir = path.join(ROOT, 'test', 'cli', `preflight-tmp-${process.pid}`);
const BAD = `import { describe, it } from '@jest/globals';
import { useFlight } from '../../../fixtures/index.js';

const flight = useFlight({
  budgets: {
    ack: { metric: 'command_ack_latency', clock: 'hots', unit: 'ms', limits: { p96: '50ms' } },
    tta: { metric: 'time_to_altitude', clock: 'vehicle', unit: 's', limts: { max: '8s' } },
  },
});

describe('bad', () => {
  it('calls a pilot method that does not exist', async () => {
    await flight.vehicle().pilot.setPosition({ x: 0, y: 0, z: -2 });
  });
});
`;

beforeAll(() => {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'bad.test.ts'), BAD);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('flightcheck run checks everything before anything flies', () => {
  it('reports every bad input at once, one line each with its path, with "did you mean", and starts no Jest', async () => {
    const results = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-preflight-'));
    const rig = path.join(results, 'rig.yaml');
    fs.writeFileSync(rig, 'serial:\n  path: /dev/ttyACM0\nsafety:\n  armingAlowed: true\n');
    try {
      const rel = path.relative(ROOT, dir);
      const r = await flightcheck(['run', rel, 'scenarios/takof', '--speed', '-3', '--target', 'simm', '--rig', rig, '--results', results]);
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('flightcheck: checking'));
      expect(lines.every((l) => l.startsWith('flightcheck run: '))).toBe(true);
      const expected = [
        /^flightcheck run: --speed: expected a positive number \(1 = real time\) or "max", got "-3"$/,
        /^flightcheck run: --target: unknown target "simm" .*\(did you mean "sim"\?\)$/,
        /^flightcheck run: .*rig\.yaml: safety: unknown field "armingAlowed" \(did you mean "armingAllowed"\?\)$/,
        /^flightcheck run: scenario path "scenarios\/takof": matches no scenario file .*\(did you mean scenarios\/takeoff\.test\.ts\?\)$/,
        new RegExp(`^flightcheck run: ${rel}/bad\\.test\\.ts:6: budgets\\.ack\\.clock: .*\\(did you mean "host"\\?\\)$`),
        new RegExp(`^flightcheck run: ${rel}/bad\\.test\\.ts:6: budgets\\.ack\\.limits: Unrecognized key: "p96" \\(did you mean "p95"\\?\\)$`),
        new RegExp(`^flightcheck run: ${rel}/bad\\.test\\.ts:7: budgets\\.tta: Unrecognized key: "limts" \\(did you mean "limits"\\?\\)$`),
        new RegExp(`^flightcheck run: ${rel}/bad\\.test\\.ts:13:\\d+: Property 'setPosition' does not exist on type 'Pilot'`),
      ];
      for (const e of expected) expect(lines.filter((l) => e.test(l))).toHaveLength(1);
      // Nothing started: no run announced, no Jest output, no results.
      expect(r.stdout).not.toContain('flightcheck: running');
      expect(fs.existsSync(path.join(results, 'jest-output.log'))).toBe(false);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    } finally {
      fs.rmSync(results, { recursive: true, force: true });
    }
  }, 120_000);

  it.each([
    [['--speed', '0'], /^flightcheck run: --speed: expected a positive number \(1 = real time\) or "max", got "0"$/],
    [['--sped', '3'], /^flightcheck run: Unknown option '--sped' \(did you mean '--speed'\?\)$/],
    [['scenarios/no-such-scenario'], /^flightcheck run: scenario path "scenarios\/no-such-scenario": matches no scenario file/],
  ])('rejects %j with its one line, before Jest starts', async (args, message) => {
    // One results directory for these three: its check cache spares the later ones the type check.
    const results = path.join(os.tmpdir(), `fc-preflight-each-${process.pid}`);
    try {
      const r = await flightcheck(['run', 'scenarios/takeoff', ...args, '--results', results]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith('flightcheck: checking'))).toEqual([expect.stringMatching(message)]);
      expect(fs.existsSync(path.join(results, 'jest-output.log'))).toBe(false);
    } finally {
      if (args[0] === 'scenarios/no-such-scenario') fs.rmSync(results, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses a results folder that holds the scenarios (a run empties its scenarios/), before anything is deleted', async () => {
    const r = await flightcheck(['run', 'scenarios/takeoff', '--results', '.']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('flightcheck run: --results: . holds the scenario scenarios/takeoff.test.ts: a run empties its results\' scenarios/ and recordings/');
    expect(fs.existsSync(path.join(ROOT, 'scenarios/takeoff.test.ts'))).toBe(true);
  }, 120_000);

  it('a re-run with nothing changed reuses the verdict (< 2 s); a changed file is checked again', async () => {
    const cache = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fc-preflight-cache-')), 'preflight.json');
    const good = path.join(dir, 'good.test.ts');
    fs.writeFileSync(good, BAD.replace(/hots/, 'host').replace('p96', 'p95').replace('limts', 'limits').replace('setPosition({ x: 0, y: 0, z: -2 })', 'goTo(0, 0, -2)'));
    const files = [path.join(ROOT, 'scenarios/takeoff.test.ts'), good];
    const quiet = () => {};
    expect(await checkScenarioFiles(files, cache, quiet)).toEqual([]);
    const t0 = performance.now();
    const again = await checkScenarioFiles(files, cache, quiet);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(again).toEqual([]);
    fs.writeFileSync(good, BAD);
    expect((await checkScenarioFiles(files, cache, quiet)).length).toBeGreaterThan(3);
    fs.rmSync(path.dirname(cache), { recursive: true, force: true });
  }, 120_000);
});
