/**
 * The simulator's streams as a ground station sees them over real UDP: every message type PX4
 * SITL sends on its API and GCS links, at PX4's rate (vehicle time; the rates measured on the
 * binary, test/support/px4-stream-rates.ts), and what they carry on the ground and in the air.
 * Instances 120 and 121.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { common, minimal, type MavLinkData } from 'node-mavlink';
import type { Link } from '../../src/mavlink/link.js';
import { CurrentEventSequence, LinkNodeStatus, TimeEstimateToTarget } from '../../src/mavlink/common-extras.js';
import { SimWorld } from '../../sitl/sim/world.js';
import { PX4_SITL_GROUND_RATES, ratesAgree } from '../support/px4-stream-rates.js';
import { streamCensus, streamRates } from '../support/stream-census.js';
import { ackOf, commandLong, udpClient } from './helpers.js';

const WINDOW_S = 100;
describe('sim streams: PX4 SITL\'s API and GCS links at PX4\'s rates (instance 120, speed 10)', () => {
  let world: SimWorld;
  beforeAll(async () => {
    world = await SimWorld.start({ instance: 120, speed: 10, camera: false });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('sends every message type PX4 sends on each link at PX4\'s rate (±20 %) over UDP, and no other stream', async () => {
    const v = world.vehicle(0);
    const [api, gcs] = await Promise.all([
      streamCensus({ port: v.ports.apiLocal, seconds: WINDOW_S, warmupS: 2, timeoutMs: 50_000 }),
      streamCensus({ port: v.ports.gcsLocal, seconds: WINDOW_S, warmupS: 2, timeoutMs: 50_000 }),
    ]);
    for (const [link, census] of [['api', api], ['gcs', gcs]] as const) {
      const [want, got] = [PX4_SITL_GROUND_RATES[link], streamRates(census)];
      expect({ link, types: Object.keys(got).sort() }).toEqual({ link, types: Object.keys(want).sort() });
      const off = Object.entries(want)
        .filter(([name, hz]) => !ratesAgree(census.streams[name]?.hz ?? 0, hz, census.windowS))
        .map(([name, hz]) => `${name}: ${census.streams[name]?.hz.toFixed(3) ?? 0} Hz, PX4 ${hz} Hz`);
      expect({ link, off }).toEqual({ link, off: [] });
      expect(census.sysId).toBe(121);
    }
  }, 60_000);
});

describe('sim streams: what they carry (instance 121, speed 10)', () => {
  let world: SimWorld;
  let client: Link;
  const sys = 122;
  const next = <T extends MavLinkData>(kind: { MSG_ID: number; MSG_NAME: string; new (): T }, where?: (m: T) => boolean) =>
    client.next(kind, { timeoutMs: 5000, where: (m) => m.sysid === sys && (!where || where(m.data)) }).then((m) => m.data);

  beforeAll(async () => {
    world = await SimWorld.start({ instance: 121, speed: 10, camera: false });
    client = await udpClient(world.vehicle(0).ports.apiLocal);
  });
  afterAll(async () => {
    await client?.close();
    await world?.close();
  });

  it('on the ground: the IMU reads gravity, the rangefinder 0, the motors off, no return time, no events', async () => {
    const imu = await next(common.HighresImu);
    expect(imu.zacc).toBeCloseTo(-9.81, 1);
    expect(Math.hypot(imu.xacc, imu.yacc)).toBeLessThan(0.05);
    expect(imu.absPressure).toBeGreaterThan(94_000); // Pa, as PX4 fills it
    const baro = await next(common.ScaledPressure);
    expect(baro.pressAbs).toBeCloseTo(imu.absPressure / 100, 0);
    const range = await next(common.DistanceSensor);
    expect([range.currentDistance, range.orientation, range.maxDistance]).toEqual([0, 25, 10000]);
    const servo = await next(common.ServoOutputRaw);
    expect([servo.servo1Raw, servo.servo4Raw, servo.servo16Raw]).toEqual([900, 900, 900]);
    const target = await next(common.PositionTargetLocalNed);
    expect(target.typeMask).toBe(63);
    const odom = await next(common.Odometry);
    expect([odom.frameId, odom.childFrameId, odom.estimatorType]).toEqual([1, 1, 8]);
    const hb = await next(minimal.Heartbeat);
    const mode = await next(common.CurrentMode);
    expect(mode.customMode).toBe(hb.customMode);
    expect(mode.standardMode).toBe(common.MavStandardMode.NON_STANDARD); // Hold
    expect((await next(common.OpenDroneIdLocation)).status).toBe(common.MavOdidStatus.GROUND);
    expect((await next(TimeEstimateToTarget)).safeReturn).toBe(0);
    expect((await next(CurrentEventSequence)).flags).toBe(1);
    const link = await next(LinkNodeStatus, (m) => m.messagesReceived > 0);
    expect(link.messagesSent).toBeGreaterThan(0);
  });

  it('in the air: the navigator\'s target at 10 Hz, the takeoff standard mode, motors running, a return time', async () => {
    expect((await ackOf(client, commandLong(400, [1], { system: sys }))).result).toBe(0);
    expect((await ackOf(client, commandLong(22, [0, 0, 0, NaN, NaN, NaN, NaN], { system: sys }))).result).toBe(0);
    expect((await next(common.CurrentMode, (m) => m.standardMode === common.MavStandardMode.TAKEOFF)).standardMode).toBe(8);
    const home = await next(common.HomePosition);
    const first = await next(common.PositionTargetGlobalInt);
    const until = first.timeBootMs + 2000;
    let n = 1;
    let last = first;
    while (last.timeBootMs < until) {
      last = await next(common.PositionTargetGlobalInt);
      n++;
    }
    expect(n).toBeGreaterThanOrEqual(18); // 10 Hz over 2 s of vehicle time
    expect(n).toBeLessThanOrEqual(22);
    expect(last.coordinateFrame).toBe(5);
    expect(Math.abs(last.latInt - home.latitude)).toBeLessThan(20);
    expect(Math.abs(last.lonInt - home.longitude)).toBeLessThan(20);
    expect(last.alt - home.altitude / 1000).toBeCloseTo(world.vehicle(0).model.params.get('MIS_TAKEOFF_ALT'), 0);
    const servo = await next(common.ServoOutputRaw);
    expect(servo.servo1Raw).toBeGreaterThan(1100);
    expect(servo.servo5Raw).toBe(900);
    const range = await next(common.DistanceSensor, (m) => m.currentDistance > 100);
    expect(range.currentDistance).toBeLessThan(400);
    expect((await next(TimeEstimateToTarget, (m) => m.safeReturn > 0)).safeReturn).toBeGreaterThanOrEqual(100); // RTL_TIME_MARGIN
  }, 30_000);
});
