import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { runJest, startPtyPair, startSimOnSerial, tmpDir, writeYaml, type Child } from './helpers.js';
import { describeUnless, socatMissing } from '../support/skip.js';

/**
 * A rack run with MAVLink 2 signing on: two rigs (each a simulator on its own socat pty pair,
 * signing with the rack's key), two Jest workers, four scenario files. Each worker leases a rig of
 * its own for each file (`--rack`, i.e. FLIGHT_RACK), so the two rigs fly at once and no rig is
 * used by two files at the same time; every lease is gone when the run ends.
 */
const SCENARIOS = ['scenarios/takeoff', 'scenarios/offboard', 'scenarios/failsafe', 'scenarios/land-and-return'];
// Two simulators and two Jest workers share 2 cores: at 8x a few ms of host lag become a vehicle-clock
// setpoint-to-motion budget miss, so the rack flies at 4x.
const SPEED = 4;
const KEY_ENV = 'HIL_RACK_SIGNING_KEY';

const run = describeUnless(socatMissing());

interface JestJson {
  numFailedTests: number;
  numPassedTests: number;
  testResults: { name: string; startTime: number; endTime: number; status: string; message: string }[];
}
interface ScenarioRec {
  file: string;
  test: string;
  startedHostMs: number;
  durationMs: number;
  info: { [k: string]: string };
}

run('rack run on the hil target (two rigs, two Jest workers, signing on)', () => {
  const dir = tmpDir('hil-rack');
  const started: Child[] = [];
  afterAll(async () => {
    for (const c of started.reverse()) await c.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives each worker its own rig through a lease, flies the scenarios signed, and releases every lease', async () => {
    const env = { [KEY_ENV]: `rack-key-${process.pid}` };
    const rigs: string[] = [];
    for (const [i, name] of ['rig-a', 'rig-b'].entries()) {
      const sub = path.join(dir, name);
      fs.mkdirSync(sub);
      const pty = await startPtyPair(sub);
      started.push(pty);
      started.push(await startSimOnSerial(pty.b, { speed: SPEED, env, signingKeyEnv: KEY_ENV, instance: i }));
      rigs.push(writeYaml(path.join(dir, `${name}.yaml`), {
        name,
        serial: { path: pty.a, baud: 921600 },
        mavlink: { sysId: i + 1, signing: { keyEnv: KEY_ENV } },
        safety: { armingAllowed: true, propellersRemoved: true },
      }));
    }
    const leases = path.join(dir, 'leases');
    const rack = writeYaml(path.join(dir, 'rack.yaml'), { name: 'test-rack', rigs: rigs.map((r) => path.basename(r)), leaseDir: 'leases' });
    const results = path.join(dir, 'results');
    const json = path.join(dir, 'jest.json');
    const r = await runJest(SCENARIOS, 2, { ...env, FLIGHT_TARGET: 'hil', FLIGHT_RACK: rack, FLIGHT_RESULTS_DIR: results }, json);
    if (r.code !== 0) console.log(r.output.slice(-6000));
    const jest = JSON.parse(fs.readFileSync(json, 'utf8')) as JestJson;
    expect({ code: r.code, failed: jest.numFailedTests }).toEqual({ code: 0, failed: 0 });
    expect(jest.numPassedTests).toBeGreaterThanOrEqual(7);

    const records = fs.readdirSync(path.join(results, 'scenarios')).map((f) => JSON.parse(fs.readFileSync(path.join(results, 'scenarios', f), 'utf8')) as ScenarioRec);
    // Both rigs flew, each with its identity, signing and TIMESYNC offset in the report.
    expect(new Set(records.map((x) => x.info.rig))).toEqual(new Set(['rig-a', 'rig-b']));
    for (const x of records) {
      expect(x.info).toMatchObject({ target: 'hil', signing: `on (key from $${KEY_ENV}; unsigned frames rejected)` });
      expect(x.info.sysId).toBe(x.info.rig === 'rig-a' ? '1' : '2');
      expect(Number(x.info.clockOffsetUncertaintyMs)).toBeGreaterThan(0);
    }
    // A rig serves one file at a time: per rig, the files' spans do not overlap; and the two rigs
    // flew at the same time (two workers, two leases).
    const spans = new Map<string, { rig: string; from: number; to: number }>();
    for (const x of records) {
      const s = spans.get(x.file) ?? { rig: x.info.rig!, from: Infinity, to: -Infinity };
      expect(s.rig).toBe(x.info.rig);
      s.from = Math.min(s.from, x.startedHostMs);
      s.to = Math.max(s.to, x.startedHostMs + x.durationMs);
      spans.set(x.file, s);
    }
    const list = [...spans.values()];
    for (const a of list) for (const b of list) if (a !== b && a.rig === b.rig) expect(a.to <= b.from || b.to <= a.from).toBe(true);
    expect(list.some((a) => list.some((b) => a.rig !== b.rig && a.from < b.to && b.from < a.to))).toBe(true);
    // The workers ended: every lease was released.
    expect(fs.existsSync(leases) ? fs.readdirSync(leases) : []).toEqual([]);
  }, 240_000);
});
