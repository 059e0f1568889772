import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { pidAlive, REPO, runFlightcheck, tmpDir } from '../hil/helpers.js';

/**
 * The scenario suite on FLIGHT_TARGET=native with the built-in simulator's process (FLIGHT_NATIVE=sim):
 * one `flightcheck sim` process per vehicle on PX4's ports, reached over UDP on loopback.
 * Detection needs a speed of 2 or less: the detector's inference takes host time (12–15 ms a frame,
 * one at a time), so above that it cannot keep the camera's 30 fps of vehicle time, as a real one
 * could not (a file that pins its own speed keeps it).
 */
const dir = tmpDir('native-suite');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Summary { passed: number; failed: number; skipped: number; scenarios: { file: string; status: string }[] }

async function fly(name: string, patterns: string[], speed: number, timeoutMs: number): Promise<Summary> {
  const results = path.join(dir, name);
  const r = await runFlightcheck([...patterns, '--target', 'native', '--speed', String(speed), '--results', results], { FLIGHT_NATIVE: 'sim', FLIGHT_INSTANCE_BASE: '70' }, timeoutMs);
  if (r.code !== 0) console.log(r.output.slice(-4000));
  expect(r.code).toBe(0);
  return JSON.parse(fs.readFileSync(path.join(results, 'summary.json'), 'utf8')) as Summary;
}

function simPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').includes(' sim --instance 7');
      } catch {
        return false;
      }
    })
    .map(Number)
    .filter(pidAlive);
}

describe('scenario suite on the native target (built-in simulator process)', () => {
  it('passes, and leaves no simulator process behind', async () => {
    const files = fs.readdirSync(path.join(REPO, 'scenarios')).filter((f) => f.endsWith('.test.ts') && !f.startsWith('detection'));
    const all = await fly('suite', files.map((f) => `scenarios/${f}`), 6, 180_000);
    expect(all.failed).toBe(0);
    expect(all.passed).toBeGreaterThanOrEqual(10);
    expect(simPids()).toEqual([]);
  }, 200_000);

  it('detection: the standalone simulator\'s detections reach the scenario over UDP within the budgets', async () => {
    const detection = await fly('detection', ['scenarios/detection'], 2, 80_000);
    expect({ passed: detection.passed, failed: detection.failed }).toEqual({ passed: 2, failed: 0 });
    expect(simPids()).toEqual([]);
  }, 100_000);
});
