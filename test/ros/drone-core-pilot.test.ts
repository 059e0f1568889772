/**
 * DroneCorePilot against a drone_core stand-in (test/ros/drone-core-stand-in.ts) that serves its
 * services in the in-memory rclnodejs stand-in and commands the built-in simulator over MAVLink,
 * answering the way drone_core does (success = sent). Ground truth is the simulator's MAVLink.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { hostNowMs } from '../../src/clock/host.js';
import { TRIGGER_TYPE, SET_POSITION_TYPE } from '../../src/ros/drone-core-interface.js';
import { DroneCorePilot } from '../../src/ros/drone-core-pilot.js';
import { DroneStateObserver } from '../../src/ros/drone-state.js';
import { DroneCoreMismatch, DroneCoreRefused, DroneCoreTimeout } from '../../src/ros/errors.js';
import { RosSession } from '../../src/ros/session.js';
import type { Stack } from '../../src/targets/target.js';
import type { CommandResult } from '../../src/vehicle/pilot.js';
import type { MavlinkPilot } from '../../src/vehicle/mavlink-pilot.js';
import type { Vehicle } from '../../src/vehicle/vehicle.js';
import { reachAndHold, waitFor } from '../../src/vehicle/wait.js';
import { DroneCoreStandIn, standInRig, type StandInRig } from './drone-core-stand-in.js';
import { NO_REPLY, StandInRosGraph } from './rclnodejs-stand-in.js';

const DOMAIN = 4;
let graph: StandInRosGraph;
let stack: Stack;
let v: Vehicle;
let core: DroneCoreStandIn;
let session: RosSession;
let pilot: DroneCorePilot;
let rig: StandInRig;

beforeAll(async () => {
  rig = await standInRig({ instance: 81, seed: 3, domainId: DOMAIN, nodeName: 'flightcheck_test', callTimeoutMs: 400, discoveryTimeoutMs: 400 });
  ({ stack, v, graph, core, session, pilot } = rig);
}, 30_000);

afterAll(async () => {
  await rig?.down();
});

beforeEach(async () => {
  core.behaviour = 'faithful';
  core.overrides.clear();
  await core.stopStream();
  await stack.reset(v);
  graph.calls.length = 0;
}, 20_000);

describe('DroneCorePilot (drone_core stand-in on the simulator)', () => {
  it('set_offboard → arm → takeoff: each call confirmed on MAVLink; ends in Offboard, 10 m up', async () => {
    const acks: CommandResult[] = [];
    const off = pilot.onCommandAck((a) => acks.push(a));
    const offboard = await pilot.startOffboard();
    expect(v.telemetry.modeName).toBe('Offboard');
    const armed = await pilot.arm();
    expect(v.telemetry.armed).toBe(true);
    const takeoff = await pilot.takeoff();
    off();
    expect(offboard.result).toBe('CONFIRMED');
    for (const r of [armed, takeoff]) {
      expect(r.result).toBe('CONFIRMED');
      expect(r.latencyMs).toBeGreaterThanOrEqual(r.responseMs);
    }
    expect(armed.reply).toBe('Arm command initiated');
    expect(acks.map((a) => a.command)).toEqual(['/drone1/set_offboard', '/drone1/arm', '/drone1/takeoff']);
    expect(graph.calls.map((c) => [c.domainId, c.service, c.type])).toEqual([
      [DOMAIN, '/drone1/set_offboard', TRIGGER_TYPE],
      [DOMAIN, '/drone1/arm', TRIGGER_TYPE],
      [DOMAIN, '/drone1/takeoff', TRIGGER_TYPE],
    ]);
    await reachAndHold(v.telemetry, (t) => t.altitude, { target: 10, tolerance: 0.5 }, '1s', { timeout: '30s', clock: 'vehicle', what: 'altitude after drone_core takeoff', unit: 'm' });
    expect(v.telemetry.modeName).toBe('Offboard');
  });

  it('goTo: set_position gets the NED target as float32 (z down), and the vehicle moves toward it', async () => {
    await pilot.startOffboard();
    await pilot.arm();
    await pilot.takeoff();
    graph.calls.length = 0;
    const r = await pilot.goTo(4.1, -3, -8, 0.3);
    expect(r.result).toBe('CONFIRMED');
    expect(graph.calls).toEqual([{ domainId: DOMAIN, service: '/drone1/set_position', type: SET_POSITION_TYPE, request: { x: Math.fround(4.1), y: -3, z: -8, yaw: Math.fround(0.3) } }]);
    await reachAndHold(v.telemetry, (t) => (t.localPosition ? Math.hypot(t.localPosition.north - 4.1, t.localPosition.east + 3, t.localPosition.down + 8) : null), { min: 0, max: 0.6 }, '1s', { timeout: '30s', clock: 'vehicle', what: 'distance to the set_position target', unit: 'm' });
  });

  it('the pre-stream race, in the air: drone_core answers success to set_offboard but PX4 stays in AUTO_LOITER → DroneCoreMismatch', async () => {
    // PX4 takes any mode while disarmed, so the race shows when offboard is entered in flight (here from Hold after a MAVLink takeoff).
    await v.pilot.arm();
    await v.pilot.takeoff(5);
    await reachAndHold(v.telemetry, (t) => t.altitude, { target: 5, tolerance: 0.5 }, '1s', { timeout: '30s', clock: 'vehicle', what: 'altitude', unit: 'm' });
    await waitFor(v.telemetry, (t) => t.modeName === 'Hold', { timeout: '5s', clock: 'vehicle', what: 'Hold after takeoff' });
    core.behaviour = 'no-prestream';
    const err = (await pilot.startOffboard().catch((e: unknown) => e)) as DroneCoreMismatch;
    expect(err).toBeInstanceOf(DroneCoreMismatch);
    expect(err.service).toBe('/drone1/set_offboard');
    expect(err.reply).toBe('Set Offboard command initiated, target set to current pose');
    expect(err.clock).toBe('vehicle');
    expect(err.message).toMatch(/^drone_core answered success to \/drone1\/set_offboard but PX4 stayed in Hold \(AUTO_LOITER\) \(armed\) \(expected mode Offboard within 3000 ms, vehicle clock\)/);
    expect(v.telemetry.modeName).toBe('Hold');
    expect(v.telemetry.armed).toBe(true);
  });

  it('the same sequence from the ground, with the stream started first: set_offboard → arm → takeoff is confirmed', async () => {
    core.behaviour = 'no-prestream';
    // Disarmed, PX4 takes OFFBOARD even before the first setpoint; the stream then runs before the arm.
    expect((await pilot.startOffboard()).result).toBe('CONFIRMED');
    expect((await pilot.arm()).result).toBe('CONFIRMED');
    expect((await pilot.takeoff()).result).toBe('CONFIRMED');
  });

  it('a success that did nothing (arm) is a mismatch naming what PX4 did', async () => {
    core.behaviour = 'silent';
    const err = (await pilot.arm().catch((e: unknown) => e)) as DroneCoreMismatch;
    expect(err).toBeInstanceOf(DroneCoreMismatch);
    expect(err.message).toMatch(/drone_core answered success to \/drone1\/arm but PX4 stayed disarmed \(in Hold \(AUTO_LOITER\)\)/);
    expect(v.telemetry.armed).toBe(false);
  });

  it('success=false is DroneCoreRefused with drone_core’s message, reported to onCommandAck', async () => {
    const acks: CommandResult[] = [];
    const off = pilot.onCommandAck((a) => acks.push(a));
    const err = (await pilot.takeoff().catch((e: unknown) => e)) as DroneCoreRefused;
    off();
    expect(err).toBeInstanceOf(DroneCoreRefused);
    expect(err.message).toBe('drone_core refused /drone1/takeoff: "Takeoff rejected: Drone must be ARMED first."');
    expect(acks).toHaveLength(1);
    expect(acks[0]).toMatchObject({ command: '/drone1/takeoff', result: 'REFUSED', tries: 1 });
  });

  it('per-call timeout: no answer → DroneCoreTimeout after the response limit (host clock)', async () => {
    core.overrides.set('arm', () => NO_REPLY);
    const t0 = hostNowMs();
    const err = (await pilot.arm().catch((e: unknown) => e)) as DroneCoreTimeout;
    const waited = hostNowMs() - t0;
    expect(err).toBeInstanceOf(DroneCoreTimeout);
    expect(err.message).toBe('drone_core service /drone1/arm did not answer within 400 ms (host clock)');
    expect(waited).toBeGreaterThanOrEqual(399);
    expect(waited).toBeLessThan(3000);
    // The next command is not blocked by the lost one.
    core.overrides.clear();
    expect((await pilot.arm()).result).toBe('CONFIRMED');
  });

  it('a drone whose services are not offered: discovery timeout naming the domain', async () => {
    const other = new DroneCorePilot({ drone: 'drone9', session, telemetry: v.telemetry, mavlink: v.pilot, discoveryTimeoutMs: 150 });
    try {
      await expect(other.arm()).rejects.toThrow(`drone_core service /drone9/arm not available within 150 ms (host clock): is drone_core running on ROS_DOMAIN_ID ${DOMAIN}?`);
    } finally {
      await other.close();
    }
  });

  it('what drone_core offers no service for goes over MAVLink; velocity and goTo outside Offboard are PilotErrors', async () => {
    expect((await pilot.hold()).command).toMatch(/DO_SET_MODE/);
    expect(graph.calls).toEqual([]);
    await expect(pilot.startOffboard({ type: 'velocity', vn: 1, ve: 0, vd: 0 })).rejects.toThrow(/no velocity setpoint service/);
    await expect(pilot.goTo(1, 0, -5)).rejects.toThrow(/set_position only moves the vehicle in Offboard, and PX4 is in Hold/);
    expect(graph.calls).toEqual([]);
  });

  it('get_state and /drone1/drone_state: drone_core’s view, compared with ground truth', async () => {
    const observer = new DroneStateObserver(session, 'drone1');
    const { params } = v.pilot as MavlinkPilot;
    try {
      expect(graph.subscriptionsOn('/drone1/drone_state')[0]!.qos.reliability).toBe('best_effort');
      const s = await pilot.getState();
      expect(s.mode).toBe('Hold');
      expect(s.armed).toBe(false);
      const sample = await observer.waitFor((x) => x.navState === 'AUTO_LOITER', 2000);
      expect(sample.droneName).toBe('drone1');
      expect(Math.abs(sample.receivedMs - sample.stampMs)).toBeLessThan(1000);
      expect(observer.disagreement(v.telemetry)).toBeNull();
      // Armed on the ground PX4 disarms after COM_DISARM_PRFLT of vehicle time, which at speed
      // 'max' can pass between two 10 Hz drone_state samples (host clock): keep it armed here.
      await params.set('COM_DISARM_PRFLT', -1);
      await pilot.startOffboard();
      await pilot.arm();
      await observer.waitFor((x) => x.armed === true && x.mode === 'Offboard', 2000, 'ARMED in OFFBOARD');
      expect(observer.disagreement(v.telemetry)).toBeNull();
    } finally {
      observer.close();
      await params.set('COM_DISARM_PRFLT', 10);
    }
  });
});
