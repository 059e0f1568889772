import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { minimal } from 'node-mavlink';
import { connect } from '../../src/mavlink/index.js';
import type { Link } from '../../src/mavlink/link.js';
import { readParamByName, readParamList, type ListedParam } from '../../src/vehicle/param-list.js';
import { px4Preset, SitlProcess } from '../../sitl/native/index.js';
import { apiPortFor } from '../../sitl/native/presets.js';
import { INSTANCE_PARAMS, LEARNED_PARAMS } from '../../sitl/sim/model/generate-px4-params.js';
import { PX4_SITL_PARAMS, PX4_SITL_UNLISTED_PARAMS } from '../../sitl/sim/model/px4-params.generated.js';
import { SimWorld } from '../../sitl/sim/world.js';
import { tmpDir } from '../hil/helpers.js';
import { PX4_SITL_GROUND_RATES, ratesAgree } from '../support/px4-stream-rates.js';
import { streamCensus, streamRates } from '../support/stream-census.js';
import { describeUnless } from '../support/skip.js';
import { px4ForTests } from './px4-for-tests.js';

/**
 * Real PX4 v1.16 SITL as the oracle for what the simulator streams on its two links and for its
 * parameter list: every message type PX4 sends on the API link (14580+i) and on the GCS link
 * (18570+i), at PX4's rates, and every parameter with PX4's index, type and value. On the ground,
 * disarmed, as both boot. PX4 instances 122 (streams) and 123 (parameters); simulator 124 and 125.
 */
const px4 = px4ForTests();
const describePx4 = describeUnless(px4.ok ? null : px4.reason);
const px4Dir = px4.ok ? px4.dir : '';
const dir = tmpDir('real-px4-streams');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const CENSUS_S = 30;

async function startPx4(instance: number): Promise<SitlProcess> {
  const proc = SitlProcess.start(px4Preset({ px4Dir }).launch({ instance, speed: 1, seed: 1, params: {}, artifactsDir: path.join(dir, String(instance)) }));
  return proc;
}

/** PX4 answers parameter requests once booted; its first HEARTBEAT comes well before every module has registered its parameters. */
async function settledLink(url: string, sysId: number, settleMs: number): Promise<Link> {
  const link = await connect(url, { targetSysId: sysId, heartbeatTimeoutMs: 0, name: url });
  await link.next(minimal.Heartbeat, { timeoutMs: 30_000, where: (m) => m.sysid === sysId });
  await new Promise((r) => setTimeout(r, settleMs));
  return link;
}

describePx4('real PX4 SITL: the streams of both links and the parameter list, against the simulator', () => {
  const procs: SitlProcess[] = [];
  let world: SimWorld | undefined;
  let paramWorld: SimWorld | undefined;
  beforeAll(async () => {
    procs.push(await startPx4(122), await startPx4(123));
    world = await SimWorld.start({ instance: 124, speed: 5, camera: false });
    paramWorld = await SimWorld.start({ instance: 125, speed: 1, camera: false });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await world?.close();
    await paramWorld?.close();
  });

  it('sends the message types PX4 sends on its API and GCS links, at PX4\'s rates', async () => {
    // Both links at once: PX4 forwards each link's GCS HEARTBEAT to the other, which the census leaves out.
    const [px4Api, px4Gcs, simApi, simGcs] = await Promise.all([
      streamCensus({ port: apiPortFor(122), seconds: CENSUS_S, warmupS: 10, timeoutMs: 90_000 }),
      streamCensus({ port: 18570 + 122, seconds: CENSUS_S, warmupS: 10, timeoutMs: 90_000 }),
      streamCensus({ port: apiPortFor(124), seconds: CENSUS_S, warmupS: 10, timeoutMs: 90_000 }),
      streamCensus({ port: 18570 + 124, seconds: CENSUS_S, warmupS: 10, timeoutMs: 90_000 }),
    ]);
    for (const [link, real, sim] of [['api', px4Api, simApi], ['gcs', px4Gcs, simGcs]] as const) {
      const [want, got, table] = [streamRates(real), streamRates(sim), PX4_SITL_GROUND_RATES[link]];
      const off = (a: Record<string, number>, b: Record<string, number>, what: string) =>
        Object.keys(b).filter((n) => !ratesAgree(a[n] ?? 0, b[n]!, CENSUS_S)).map((n) => `${n}: PX4 ${b[n]} Hz, ${what} ${a[n] ?? 0} Hz`);
      // The simulator against PX4, and the table the simulator's tests use against PX4.
      expect({ link, types: Object.keys(got).sort() }).toEqual({ link, types: Object.keys(want).sort() });
      expect({ link, off: off(got, want, 'simulator') }).toEqual({ link, off: [] });
      expect({ link, types: Object.keys(table).sort() }).toEqual({ link, types: Object.keys(want).sort() });
      expect({ link, off: off(table, want, 'px4-stream-rates.ts') }).toEqual({ link, off: [] });
    }
  }, 150_000);

  it('lists PX4\'s parameters, in PX4\'s order, with its types and values (and px4-params.generated.ts is PX4\'s)', async () => {
    const [real, sim] = await Promise.all([
      settledLink(`udpout://127.0.0.1:${apiPortFor(123)}`, 124, 8000).then(async (l) => ({ link: l, list: await readParamList(l, { targetSysId: 124 }) })),
      settledLink(`udpout://127.0.0.1:${apiPortFor(125)}`, 126, 0).then(async (l) => ({ link: l, list: await readParamList(l, { targetSysId: 126 }) })),
    ]);
    try {
      // As the generator writes them: instance 0's values, learned ones to their digits, floats as float32.
      const row = (p: ListedParam, instance: number) => {
        const toZero = INSTANCE_PARAMS[p.name];
        const learned = LEARNED_PARAMS[p.name];
        const value = toZero ? toZero(p.value, instance) : learned ? Number(p.value.toPrecision(learned.digits)) : p.type === 9 ? Math.fround(p.value) : p.value;
        return `${p.index} ${p.name} ${p.type} ${value}`;
      };
      expect(real.list.count).toBe(PX4_SITL_PARAMS.length);
      const px4Rows = real.list.params.map((p) => row(p, 123));
      expect(sim.list.count).toBe(real.list.count);
      expect(sim.list.params.map((p) => row(p, 125))).toEqual(px4Rows);
      const generated = PX4_SITL_PARAMS.map(([name, type, value], index) => row({ name, type: type === 'INT32' ? 6 : 9, value, index }, 0));
      expect(generated).toEqual(px4Rows);

      // The parameters PX4 has but does not list: answered by name with index -1, by both.
      for (const [name] of PX4_SITL_UNLISTED_PARAMS) {
        const [p, s] = [await readParamByName(real.link, name, { targetSysId: 124 }), await readParamByName(sim.link, name, { targetSysId: 126 })];
        expect({ name, sim: s && { index: s.index, type: s.type, value: s.value } }).toEqual({ name, sim: p && { index: p.index, type: p.type, value: p.value } });
      }
    } finally {
      await real.link.close();
      await sim.link.close();
    }
  }, 120_000);
});
