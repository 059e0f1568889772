/**
 * A project's own target: one file implementing `Target`, named as a plugin in the project's
 * flightcheck.config.ts, registered the same way as the built-in ones and flown by `flightcheck
 * run` (its workers read the same config). The target here wraps the built-in simulator, as a
 * team's launch of its own stack would wrap one of theirs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ConfigError, importPlugins, loadProjectConfig } from '../../src/config/project.js';
import { run, ROOT } from '../cli/helpers.js';
import { withConfigDefaults } from '../../src/cli/run.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flightcheck-user-plugin-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A project folder holding `files`. */
function project(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
  return dir;
}

const TEAM_TARGET = `
import type { FlightcheckPlugin } from ${JSON.stringify(path.join(ROOT, 'src/plugins.ts'))};
import type { Target } from ${JSON.stringify(path.join(ROOT, 'src/targets/target.ts'))};

/** The team's stack: the built-in simulator, brought up its own way. */
async function teamSim(): Promise<Target> {
  const { simTarget } = await import(${JSON.stringify(path.join(ROOT, 'sitl/sim/target.ts'))});
  return { ...simTarget, name: 'team-sim', description: 'our stack on the built-in simulator' };
}

const plugin: FlightcheckPlugin = {
  name: 'team',
  targets: [{ name: 'team-sim', description: 'our stack on the built-in simulator', load: teamSim }],
};
export default plugin;
`;

describe('flightcheck.config.ts', () => {
  it('names each problem of a bad config with its file and field', async () => {
    const dir = project('bad', { 'flightcheck.config.ts': 'export default { plugins: "./one.ts", tagret: "x" };' });
    const err = await loadProjectConfig(dir, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message.split('\n')).toEqual([
      'flightcheck.config.ts: plugins: Invalid input: expected array, received string',
      'flightcheck.config.ts: (config): Unrecognized key: "tagret"',
    ]);
  });

  it('gives a run the config\'s target and results where the command line and the environment give none', () => {
    const loaded = { file: '/p/flightcheck.config.ts', config: { plugins: [], scenarios: ['scenarios/'], target: 'team-sim', results: 'out' } };
    expect(withConfigDefaults(['scenarios/takeoff'], loaded, {})).toEqual(['scenarios/takeoff', '--target', 'team-sim', '--results', '/p/out']);
    expect(withConfigDefaults(['--target=sim', '--results', 'r'], loaded, {})).toEqual(['--target=sim', '--results', 'r']);
    expect(withConfigDefaults([], loaded, { FLIGHT_TARGET: 'native', FLIGHT_RESULTS_DIR: 'x' })).toEqual([]);
  });

  it('refuses a plugin module that exports no plugin, naming it', async () => {
    const dir = project('no-plugin', { 'flightcheck.config.ts': 'export default { plugins: ["./nothing.ts"] };', 'nothing.ts': 'export const x = 1;' });
    const err = await importPlugins(await loadProjectConfig(dir, {})).catch((e: unknown) => e);
    expect((err as Error).message).toBe('flightcheck.config.ts: plugin ./nothing.ts: exports no plugin (export default { name, targets: [{ name, description, load }] })');
  });

  it('flies the takeoff scenario on a target of the project\'s own, named in its config', async () => {
    const dir = project('team', {
      'package.json': '{ "type": "module" }',
      'flightcheck.config.ts': 'export default { plugins: ["./team-target.ts"], target: "team-sim" };',
      'team-target.ts': TEAM_TARGET,
    });
    const env = { FLIGHT_CONFIG: path.join(dir, 'flightcheck.config.ts'), FLIGHT_INSTANCE_BASE: '104' };
    const listed = await run(process.execPath, [path.join(ROOT, 'bin/flightcheck.js'), 'targets'], env, 60_000);
    expect(listed.stdout).toMatch(/^team-sim\s+ready\s+our stack on the built-in simulator$/m);
    // No --target: the config's. The workers load the plugin from the same config.
    const r = await run(process.execPath, [path.join(ROOT, 'bin/flightcheck.js'), 'run', 'scenarios/takeoff', '--no-report', '--results', path.join(dir, 'results')], env, 170_000);
    expect(r.stdout).toContain('running scenarios/takeoff on target team-sim');
    expect(r.stdout).toMatch(/2 passed, 0 failed, 0 skipped/);
    expect(r.code).toBe(0);
  }, 180_000);
});
