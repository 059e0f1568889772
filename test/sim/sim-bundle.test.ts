/**
 * The simulator thread's program, bundled once by esbuild and cached: rebuilt when a source it
 * was built from changes, and what it was built from is recorded with it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { simWorkerEntry } from '../../sitl/sim/bundle.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const inputsOf = (bundle: string) => JSON.parse(fs.readFileSync(bundle.replace(/\.mjs$/, '.inputs.json'), 'utf8')) as Record<string, { mtimeMs: number }>;

describe('the simulator thread bundle', () => {
  it('is built from the simulator sources, reused while they stand, rebuilt when one changes', () => {
    const bundle = fileURLToPath(simWorkerEntry());
    expect(bundle).toBe(path.join(ROOT, 'node_modules', '.cache', 'flightcheck', 'sim-worker.mjs'));
    expect(Object.keys(inputsOf(bundle))).toEqual(expect.arrayContaining(['sitl/sim/worker-main.ts', 'sitl/sim/worker.ts', 'sitl/sim/model/vehicle.ts']));
    expect(fs.readFileSync(bundle, 'utf8')).toContain('hostSimWorlds(parentPort)');

    const built = fs.statSync(bundle).mtimeMs;
    simWorkerEntry();
    expect(fs.statSync(bundle).mtimeMs).toBe(built);

    const source = path.join(ROOT, 'sitl/sim/model/vehicle.ts');
    const was = fs.statSync(source);
    try {
      fs.utimesSync(source, was.atime, new Date(was.mtimeMs + 5000));
      simWorkerEntry();
      expect(inputsOf(bundle)['sitl/sim/model/vehicle.ts']!.mtimeMs).toBe(fs.statSync(source).mtimeMs);
    } finally {
      fs.utimesSync(source, was.atime, was.mtime);
    }
    simWorkerEntry();
    expect(inputsOf(bundle)['sitl/sim/model/vehicle.ts']!.mtimeMs).toBe(fs.statSync(source).mtimeMs);
  });
});
