import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { common } from 'node-mavlink';
import { connect } from '../../src/mavlink/index.js';
import type { Link, Message } from '../../src/mavlink/link.js';
import { px4Preset, SitlProcess } from '../../sitl/native/index.js';
import { apiPortFor } from '../../sitl/native/presets.js';
import { crcForItem } from '../../sitl/sim/mavlink/mission-items.js';
import { tmpDir } from '../hil/helpers.js';
import { px4ForTests } from './px4-for-tests.js';
import { describeUnless } from '../support/skip.js';
import { MISSION_CASES } from '../support/mission-cases.js';
import { FENCE, MISSION, RALLY, download, itemFields, missionItemInt, missionSetCurrent, runSteps, upload } from '../support/mission-protocol.js';
import { ROUND_TRIP } from '../support/mission-round-trip.js';

/**
 * Real PX4 v1.16 SITL as the oracle for the mission protocol: the table of cases and the round
 * trips the simulator is held to (test/sim/mission-transfer.test.ts) are the answers PX4 gives
 * here. PX4 instances 250–251.
 */
const px4 = px4ForTests();
const describePx4 = describeUnless(px4.ok ? null : px4.reason);
const px4Dir = px4.ok ? px4.dir : '';
const dir = tmpDir('real-px4-mission');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A PX4 started by hand, an API-link client and a GCS-link client; ready once its mission manager speaks (MISSION_CURRENT). */
async function startPx4(instance: number): Promise<{ proc: SitlProcess; api: Link; gcs: Link; sys: number }> {
  const launch = px4Preset({ px4Dir }).launch({ instance, speed: 1, seed: 1, params: {}, artifactsDir: path.join(dir, String(instance)) });
  const proc = SitlProcess.start(launch);
  const sys = instance + 1;
  let api: Link | undefined;
  let gcs: Link | undefined;
  try {
    api = await connect(`udpout://127.0.0.1:${apiPortFor(instance)}`, { targetSysId: sys, heartbeatTimeoutMs: 0, name: `px4-${instance} api` });
    gcs = await connect(`udpout://127.0.0.1:${18570 + instance}`, { targetSysId: sys, heartbeatTimeoutMs: 0, name: `px4-${instance} gcs` });
    await api.next(common.MissionCurrent, { timeoutMs: 30_000, where: (m) => m.sysid === sys });
    await gcs.next(common.MissionCurrent, { timeoutMs: 10_000, where: (m) => m.sysid === sys });
    return { proc, api, gcs, sys };
  } catch (err) {
    await api?.close();
    await gcs?.close();
    await proc.stop();
    throw err;
  }
}

describePx4('real PX4 SITL: the mission protocol', () => {
  let px: Awaited<ReturnType<typeof startPx4>>;
  beforeAll(async () => {
    px = await startPx4(250);
  }, 60_000);
  afterAll(async () => {
    await px?.api.close();
    await px?.gcs.close();
    await px?.proc.stop();
  });

  // In order, on one fresh link, as the simulator's test runs them.
  for (const c of MISSION_CASES) {
    it(c.name, async () => {
      expect(await runSteps(px.api, px.sys, c.steps, px.gcs)).toEqual(c.expect);
    }, 30_000);
  }
});

describePx4('real PX4 SITL: mission lists, current item', () => {
  let px: Awaited<ReturnType<typeof startPx4>>;
  beforeAll(async () => {
    px = await startPx4(251);
  }, 60_000);
  afterAll(async () => {
    await px?.api.close();
    await px?.gcs.close();
    await px?.proc.stop();
  });

  for (const [type, name] of [[MISSION, 'mission'], [FENCE, 'geofence'], [RALLY, 'rally points']] as const) {
    it(`sends the ${name} back normalised, with the CRC32 of the items as received as its id`, async () => {
      const { input, output } = ROUND_TRIP[type]!;
      const up = await upload(px.api, px.sys, type, input);
      expect(up.ack.type).toBe(common.MavMissionResult.ACCEPTED);
      const crc = input.reduce((c, s) => crcForItem(missionItemInt(px.sys, { ...s, missionType: type }) as never, true, c), 0);
      expect(up.ack.opaqueId).toBe(crc);
      // PX4 marks the current item once its navigator has reported it (MISSION_CURRENT seq 0, not -1).
      await px.api.next(common.MissionCurrent, { timeoutMs: 3000, where: (m) => m.data.seq === 0 && m.data.total === ROUND_TRIP[MISSION]!.input.length });
      const down = await download(px.api, px.sys, type);
      expect(down.count.opaqueId).toBe(crc);
      expect(down.items.map(itemFields)).toEqual(output);
    }, 30_000);
  }

  it('MISSION_CURRENT at 1 Hz: seq, total and the three ids; mission_state and mission_mode 0', async () => {
    const got: Message<common.MissionCurrent>[] = [];
    const off = px.api.on(common.MissionCurrent, (m) => got.push(m));
    await new Promise((r) => setTimeout(r, 3500));
    off();
    expect(got.length).toBeGreaterThanOrEqual(3);
    expect(got.length).toBeLessThanOrEqual(4);
    const c = got.at(-1)!.data;
    const ids = [MISSION, FENCE, RALLY].map((t) => ROUND_TRIP[t]!.input.reduce((x, s) => crcForItem(missionItemInt(px.sys, { ...s, missionType: t }) as never, true, x), 0));
    expect({ seq: c.seq, total: c.total, state: c.missionState, mode: c.missionMode, ids: [c.missionId, c.fenceId, c.rallyPointsId] }).toEqual({
      seq: 0, total: ROUND_TRIP[MISSION]!.input.length, state: 0, mode: 0, ids,
    });
    const moved = px.api.next(common.MissionCurrent, { timeoutMs: 1500, where: (m) => m.data.seq === 2 });
    px.api.send(missionSetCurrent(px.sys, 2));
    expect((await moved).data.seq).toBe(2);
  }, 30_000);

  it('asks again for an item that did not come, after its retry timeout, and the upload completes', async () => {
    const times: number[] = [];
    const off = px.api.on(common.MissionRequestInt, () => times.push(performance.now()));
    const r = await upload(px.api, px.sys, MISSION, ROUND_TRIP[MISSION]!.input, { drop: (seq, n) => seq === 1 && n === 1 });
    off();
    expect(r.ack.type).toBe(common.MavMissionResult.ACCEPTED);
    expect(r.requests).toEqual([0, 1, 1, 2, 3]);
    const gap = times[2]! - times[1]!;
    expect(gap).toBeGreaterThan(240);
    expect(gap).toBeLessThan(400);
  }, 30_000);
});
