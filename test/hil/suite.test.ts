import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { runFlightcheck, startPtyPair, startSimOnSerial, tmpDir, writeYaml, type Child } from './helpers.js';
import { describeUnless, socatMissing } from '../support/skip.js';

/**
 * The scenario suite on the hil target, end to end over a real serial line: the built-in
 * simulator speaks MAVLink on one end of a socat pty pair at 921600 baud, like a Pixhawk on USB,
 * and `flightcheck run --target hil --rig` flies the scenarios through the other end.
 *
 * Scenarios that need what one rig without ROS 2 cannot give (two vehicles: a rack; detections:
 * the Pi's /<drone>/detected_objects) are not run here. MAVLink 2 signing on, and a rack of two
 * rigs flown by two Jest workers: test/hil/rack.test.ts.
 */
const SCENARIOS = ['scenarios/takeoff', 'scenarios/offboard', 'scenarios/failsafe', 'scenarios/land-and-return', 'scenarios/degraded-link'];
/** The simulator runs 6x faster than real time: the hil target does not care (vehicle-clock waits), and 6x leaves the host room for the vehicle-clock setpoint budgets on 2 cores. */
const SPEED = 6;

const run = describeUnless(socatMissing());

run('scenario suite on the hil target over a socat pty pair', () => {
  const dir = tmpDir('hil-suite');
  const started: Child[] = [];
  afterAll(async () => {
    for (const c of started.reverse()) await c.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('passes with MAVLink 2 signing off (signing on: test/hil/rack.test.ts)', async () => {
    const pty = await startPtyPair(dir);
    started.push(pty);
    const sim = await startSimOnSerial(pty.b, { speed: SPEED });
    started.push(sim);
    const rig = writeYaml(path.join(dir, 'rig-unsigned.yaml'), {
      name: 'rig-unsigned',
      serial: { path: pty.a, baud: 921600 },
      safety: { armingAllowed: true, propellersRemoved: true },
    });
    const results = path.join(dir, 'results');
    const r = await runFlightcheck([...SCENARIOS, '--target', 'hil', '--rig', rig, '--results', results], { FLIGHT_LEASE_DIR: path.join(dir, 'leases') }, 200_000);
    if (r.code !== 0) console.log(r.output.slice(-6000));
    const summary = JSON.parse(fs.readFileSync(path.join(results, 'summary.json'), 'utf8')) as { passed: number; failed: number };
    const records = fs.readdirSync(path.join(results, 'scenarios')).map((f) => JSON.parse(fs.readFileSync(path.join(results, 'scenarios', f), 'utf8')) as { info: Record<string, string> });
    expect({ code: r.code, failed: summary.failed }).toEqual({ code: 0, failed: 0 });
    expect(summary.passed).toBeGreaterThanOrEqual(9);
    for (const x of records) {
      expect(x.info).toMatchObject({ target: 'hil', rig: 'rig-unsigned', signing: 'off', sysId: '1' });
      expect(Number(x.info.clockOffsetUncertaintyMs)).toBeGreaterThan(0);
    }
    // The run ended: the rig's lease is released.
    expect(fs.readdirSync(path.join(dir, 'leases'))).toEqual([]);
  }, 240_000);
});
