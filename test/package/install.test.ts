/**
 * flightcheck as a project installs it: `npm pack`, the tarball installed into an empty project,
 * `npx flightcheck init`, then `npx flightcheck run` passes on the built-in simulator and `tsc
 * --noEmit` passes there, with `import { useFlight } from 'flightcheck'` resolved with its types.
 * The installed package runs its compiled code (dist/): no TypeScript loader for its own modules.
 * Needs the npm registry (or its cache) for the package's dependencies: without it, it fails with npm's error.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { run, ROOT } from '../cli/helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flightcheck-install-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const npm = (args: string[], cwd: string, timeoutMs = 300_000) => {
  // The project is installed as a user does, outside this test's own Jest worker.
  const env = { ...process.env, JEST_WORKER_ID: '', NODE_OPTIONS: '', npm_config_audit: 'false', npm_config_fund: 'false' };
  return execFileSync('npm', args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
};

describe('the installed package', () => {
  let tarball = '';
  const project = path.join(tmp, 'my-drone-tests');

  it('packs the compiled code, the CLI and the Jest preset, and no tests, benchmarks or sources', () => {
    // A fresh build: dist/ must be this checkout's code, not an older build's.
    execFileSync(process.execPath, [path.join(ROOT, 'bin/build.js')], { cwd: ROOT, stdio: 'ignore', timeout: 180_000 });
    const out = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], ROOT)) as { filename: string; size: number; files: { path: string }[] }[];
    tarball = path.join(tmp, out[0]!.filename);
    const files = out[0]!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['bin/flightcheck.js', 'jest-preset.cjs', 'dist/fixtures/index.js', 'dist/fixtures/index.d.ts', 'dist/src/cli/main.js', 'dist/fixtures/jest-environment.cjs']));
    expect(files.filter((f) => /^(test|bench|scenarios|docs|images)\//.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)))).toEqual([]);
    process.stderr.write(`flightcheck tarball: ${out[0]!.size} bytes, ${files.length} files\n`);
  }, 240_000);

  it('installs into an empty project, where init gives a project whose scenario flies and type-checks', async () => {
    expect(tarball).not.toBe('');
    fs.mkdirSync(project, { recursive: true });
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'my-drone-tests', private: true }, null, 2));
    npm(['install', '--prefer-offline', '--no-save', 'typescript@~6.0', '@types/node@^20.19', tarball], project);
    const bin = path.join(project, 'node_modules', '.bin');
    // npm test's FLIGHT_RESULTS_DIR is the framework's; the project's default is its own flight-results/.
    const env = { JEST_WORKER_ID: '', NODE_OPTIONS: '', FLIGHT_RESULTS_DIR: '', FLIGHT_INSTANCE_BASE: '104' };
    const inProject = (cmd: string, args: string[], timeoutMs: number) => run(path.join(bin, cmd), args, env, timeoutMs, project);

    const init = await inProject('flightcheck', ['init'], 60_000);
    expect(init.code).toBe(0);
    for (const f of ['flightcheck.config.ts', 'jest.config.ts', 'tsconfig.json', 'scenarios/takeoff.test.ts', '.github/workflows/flightcheck.yml', '.gitignore']) expect(fs.existsSync(path.join(project, f))).toBe(true);

    const tsc = await inProject('tsc', ['--noEmit'], 120_000);
    expect({ code: tsc.code, out: tsc.stdout }).toEqual({ code: 0, out: '' });

    const flown = await inProject('flightcheck', ['run', '--no-report'], 240_000);
    expect(flown.stdout).toMatch(/1 passed, 0 failed, 0 skipped — budgets: 1 PASS/);
    expect(flown.code).toBe(0);
    expect(fs.existsSync(path.join(project, 'flight-results', 'summary.json'))).toBe(true);
    // Its own code, compiled: nothing of flightcheck's TypeScript sources is there to load.
    expect(fs.existsSync(path.join(project, 'node_modules/flightcheck/src'))).toBe(false);

    // A second init keeps what is there.
    const again = await inProject('flightcheck', ['init'], 60_000);
    expect(again.stdout).toContain('kept     scenarios/takeoff.test.ts (already there)');
  }, 600_000);
});

