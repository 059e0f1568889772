/**
 * `flightcheck fidelity` refuses bad input before anything flies, one line naming what was wrong:
 * a known-gaps file that is not JSON or has a key without a reason, a bad option, an unknown
 * target, and real PX4 as the reference without a PX4 build.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { flightcheck } from '../cli/helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flightcheck-fidelity-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('flightcheck fidelity', () => {
  it('names a known-gaps file that does not parse, or a gap without its reason', async () => {
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, '{ "takeoff › climb": ');
    const a = await flightcheck(['fidelity', '--reference', 'sim', '--known-gaps', bad]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(new RegExp(`^flightcheck fidelity: --known-gaps ${bad}: .*JSON`, 'm'));
    const noReason = path.join(tmp, 'no-reason.json');
    fs.writeFileSync(noReason, JSON.stringify({ 'takeoff › climb to 2.0 m': '' }));
    const b = await flightcheck(['fidelity', '--reference', 'sim', '--known-gaps', noReason]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(`--known-gaps ${noReason}: takeoff › climb to 2.0 m: say why`);
  });

  it('names a bad option and an unknown target', async () => {
    const a = await flightcheck(['fidelity', '--runs', '0']);
    expect([a.code, a.stderr.trim()]).toEqual([2, 'flightcheck fidelity: --runs: Too small: expected number to be >=1']);
    const b = await flightcheck(['fidelity', '--reference', 'sim', '--candidate', 'nope']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/unknown target "nope": expected one of sim, native/);
  });

  it('says real PX4 is needed as the reference where there is none', async () => {
    const r = await flightcheck(['fidelity'], { FLIGHT_PX4_DIR: '', FLIGHT_NATIVE: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/target native cannot run here: .*FLIGHT_PX4_DIR/);
  });
});
