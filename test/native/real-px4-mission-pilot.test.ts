import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { createNativeTarget, px4Preset, type NativeStack } from '../../sitl/native/index.js';
import { waitFor, waitForMissionItem } from '../../src/vehicle/wait.js';
import { MissionError } from '../../src/vehicle/errors.js';
import { fromLatLonE7, toLatLonE7, type MissionPlanItem } from '../../src/vehicle/mission-plan.js';
import { tmpDir } from '../hil/helpers.js';
import { px4ForTests } from './px4-for-tests.js';
import { describeUnless } from '../support/skip.js';

/**
 * The pilot's mission API against real PX4 v1.16 SITL: what it uploads PX4 stores, flies and
 * reports item by item. PX4 instances 192–194.
 */
const px4 = px4ForTests();
const describePx4 = describeUnless(px4.ok ? null : px4.reason);
const px4Dir = px4.ok ? px4.dir : '';
const dir = tmpDir('real-px4-mission-pilot');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function upPx4(name: string, instance: number, speed: number, params: Record<string, number> = {}): Promise<NativeStack> {
  return createNativeTarget({ preset: px4Preset({ px4Dir }) }).up({ vehicles: 1, speed, seed: 1, instance, params, artifactsDir: path.join(dir, name), heartbeatTimeoutMs: 3000 }) as Promise<NativeStack>;
}

const SQUARE: MissionPlanItem[] = [
  { kind: 'takeoff', altitude: 5 },
  { kind: 'waypoint', north: 10, east: 0, altitude: 5 },
  { kind: 'waypoint', north: 10, east: 10, altitude: 5, holdS: 1 },
  { kind: 'waypoint', north: 0, east: 10, altitude: 5 },
  { kind: 'return' },
];

describePx4('real PX4: the pilot\'s mission API', () => {
  it('uploads, downloads, flies and reports a square mission that returns home', async () => {
    const stack = await upPx4('square', 192, 4);
    const v = stack.vehicles[0]!;
    const t = v.telemetry;
    try {
      const homeUp = { ...t.home! };
      const up = await v.pilot.uploadMission(SQUARE);
      expect(up).toMatchObject({ type: 'mission', count: 5, retransmits: 0 });
      const down = await v.pilot.downloadMission();
      const homeDown = { ...t.home! };
      expect(down.map((i) => i.kind)).toEqual(SQUARE.map((i) => i.kind));
      const wp = down[2] as Extract<MissionPlanItem, { kind: 'waypoint' }>;
      // Converted through HOME_POSITION both ways, and PX4 refines home on the ground (its local and
      // global estimates drift apart under SIH, half a metre seen): the point stored at (10, 10)
      // through the upload's home reads back through the download's.
      const stored = toLatLonE7(homeUp, 10, 10);
      const expected = fromLatLonE7(homeDown, stored.x, stored.y);
      expect(Math.abs(wp.north - expected.north)).toBeLessThan(0.05);
      expect(Math.abs(wp.east - expected.east)).toBeLessThan(0.05);
      expect(wp.holdS).toBe(1);
      await waitFor(t, (x) => x.mission?.total === 5, { timeout: '5s', clock: 'vehicle', what: 'MISSION_CURRENT of the new mission' });
      expect(t.mission!.seq).toBe(0);
      expect(t.mission!.missionId).not.toBe(0); // PX4: the CRC32 of the stored items
      await v.pilot.arm();
      await v.pilot.startMission();
      for (let seq = 0; seq < 4; seq++) await waitForMissionItem(t, seq, { timeout: '60s', clock: 'vehicle' });
      expect(t.missionItemsReached.map((r) => r.seq).slice(0, 4)).toEqual([0, 1, 2, 3]);
      await waitFor(t, (x) => !x.armed, { timeout: '90s', clock: 'vehicle', what: 'returned, landed and disarmed' });
      const p = t.localPosition!;
      const home = t.home!;
      expect(Math.hypot(p.north - home.north, p.east - home.east)).toBeLessThan(1.5);
      console.log('reached', JSON.stringify(t.missionItemsReached), 'mission', JSON.stringify(t.mission), 'upload', JSON.stringify(up));
    } finally {
      await stack.down();
    }
  }, 180_000);

  it('refuses what PX4 refuses, named by its MAV_MISSION_RESULT', async () => {
    const stack = await upPx4('refusals', 193, 1);
    const v = stack.vehicles[0]!;
    try {
      // A command PX4's mission parser does not know.
      const err = await v.pilot.uploadMission([{ kind: 'raw', command: 31000, frame: 2, x: 0, y: 0, z: 0 }]).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(MissionError);
      console.log(String(err));
      await expect(v.pilot.clearMission()).resolves.toMatchObject({ type: 'mission' });
      expect(await v.pilot.downloadMission()).toEqual([]);
    } finally {
      await stack.down();
    }
  }, 90_000);
});
