/**
 * drone_core's mission services through DroneCorePilot, against the drone_core stand-in
 * (test/ros/drone-core-stand-in.ts) on the built-in simulator. drone_core's answer is never the
 * verdict: an upload is confirmed by downloading the vehicle's mission over MAVLink, a start by
 * the HEARTBEAT (and MISSION_CURRENT), a clear by MISSION_CURRENT.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  GET_MISSION_STATUS_TYPE,
  MISSION_CONTROL_TYPE,
  UPLOAD_MISSION_TYPE,
  missionControlRequest,
  missionToWaypoints,
  parseGetMissionStatus,
  parseMissionControlResponse,
  parseUploadMissionResponse,
  serviceType,
  type Waypoint,
} from '../../src/ros/drone-core-interface.js';
import { DroneCorePilot } from '../../src/ros/drone-core-pilot.js';
import { DroneCoreMismatch, DroneCoreRefused } from '../../src/ros/errors.js';
import { missionDifference } from '../../src/ros/ground-truth.js';
import type { Stack } from '../../src/targets/target.js';
import { PilotError } from '../../src/vehicle/errors.js';
import type { MavlinkPilot } from '../../src/vehicle/mavlink-pilot.js';
import { fromLatLonE7, toLatLonE7, type HomeAnchor, type MissionPlanItem } from '../../src/vehicle/mission-plan.js';
import type { WireItem } from '../../src/vehicle/mission-transfer.js';
import type { CommandResult } from '../../src/vehicle/pilot.js';
import type { Vehicle } from '../../src/vehicle/vehicle.js';
import { waitFor, waitForMissionItem } from '../../src/vehicle/wait.js';
import { DroneCoreStandIn, standInRig, type StandInRig, waypointToWire } from './drone-core-stand-in.js';
import { StandInRosGraph } from './rclnodejs-stand-in.js';

const DOMAIN = 7;
const HOME: HomeAnchor = { lat: 47.397742, lon: 8.545594, alt: 488, north: 0, east: 0, down: 0 };

describe('drone_core mission interface (no vehicle)', () => {
  it('mission items → Waypoint[]: frame GLOBAL with AMSL altitude, yaw radians, hold / acceptance, return in frame MISSION', () => {
    const w = missionToWaypoints(
      [
        { kind: 'takeoff', altitude: 5 },
        { kind: 'waypoint', north: 100, east: -50, altitude: 12.5, holdS: 2, acceptanceRadiusM: 1.5, yaw: 0.3 },
        { kind: 'loiter', north: 0, east: 20, altitude: 8, seconds: 4 },
        { kind: 'land' },
        { kind: 'land', north: 1, east: 2 },
        { kind: 'return' },
      ],
      HOME,
    );
    expect(w.map((x) => [x.command, x.frame])).toEqual([[22, 0], [16, 0], [19, 0], [21, 0], [21, 0], [20, 2]]);
    const at = toLatLonE7(HOME, 100, -50);
    expect(w[1]).toEqual({
      command: 16, latitude: at.x / 1e7, longitude: at.y / 1e7, altitude: Math.fround(500.5), yaw: Math.fround(0.3),
      acceptance_radius: 1.5, hold_time: 2, autocontinue: true, frame: 0,
    });
    // Through home, the same spot as the MAVLink pilot's conversion: 100 m north, 50 m west.
    const back = fromLatLonE7(HOME, Math.round(w[1]!.latitude * 1e7), Math.round(w[1]!.longitude * 1e7));
    expect(back.north).toBeCloseTo(100, 1);
    expect(back.east).toBeCloseTo(-50, 1);
    expect(w[0]).toMatchObject({ altitude: 493, latitude: HOME.lat, longitude: HOME.lon });
    expect(Number.isNaN(w[0]!.yaw)).toBe(true);
    expect(w[2]).toMatchObject({ hold_time: 4, altitude: 496 });
    expect(w[3]).toMatchObject({ latitude: 0, longitude: 0 });
  });

  it('kinds a Waypoint cannot carry, and bad items, are PilotErrors naming the item', () => {
    expect(() => missionToWaypoints([{ kind: 'takeoff', altitude: 5 }, { kind: 'speed', speed: 3 }], HOME)).toThrow(/^mission\[1\] \(speed\): drone_core's Waypoint carries only .*DO_CHANGE_SPEED/);
    expect(() => missionToWaypoints([{ kind: 'jump', to: 0, repeat: 1 }], HOME)).toThrow(/^mission\[0\] \(jump\)/);
    expect(() => missionToWaypoints([{ kind: 'raw', command: 16, frame: 6, x: 0, y: 0, z: 5 }], HOME)).toThrow(/^mission\[0\] \(raw\)/);
    expect(() => missionToWaypoints([{ kind: 'waypoint', north: 1, east: 2, altitude: Infinity }], HOME)).toThrow(PilotError);
    expect(() => missionToWaypoints([{ kind: 'land', north: 1 }], HOME)).toThrow(/mission\[0\]: land needs both north and east/);
  });

  it('service types and request / response parsing', () => {
    expect(serviceType('upload_mission')).toBe(UPLOAD_MISSION_TYPE);
    expect(serviceType('mission_control')).toBe(MISSION_CONTROL_TYPE);
    expect(serviceType('get_mission_status')).toBe(GET_MISSION_STATUS_TYPE);
    expect(missionControlRequest('GOTO_ITEM', 3)).toEqual({ command: 'GOTO_ITEM', item_index: 3 });
    expect(missionControlRequest('START')).toEqual({ command: 'START', item_index: 0 });
    expect(() => missionControlRequest('GOTO_ITEM', 70000)).toThrow(RangeError);
    expect(parseUploadMissionResponse('/d/upload_mission', { success: true, message: 'ok', mission_id: 4 })).toEqual({ success: true, message: 'ok', mission_id: 4 });
    expect(() => parseUploadMissionResponse('/d/upload_mission', { success: 'yes' })).toThrow(/^\/d\/upload_mission: unexpected response: success/);
    expect(parseMissionControlResponse('/d/mission_control', { success: false, message: 'no', current_item: 0, total_items: 2 })).toMatchObject({ success: false, total_items: 2 });
    const status = parseGetMissionStatus({
      success: true, message: '', mission_valid: true, mission_finished: false, mission_running: true, current_item: 1, total_items: 3, mission_id: 9, mission_progress: 0.33,
    });
    expect(status.status).toEqual({ valid: true, finished: false, running: true, currentItem: 1, totalItems: 3, missionId: 9, progress: 0.33 });
    expect(() => parseGetMissionStatus({ success: true })).toThrow(/^get_mission_status response: mission_valid/);
  });

  it('missionDifference: a match, a missing item, a moved item, a wrong altitude, a wrong command', () => {
    const sent = missionToWaypoints([{ kind: 'takeoff', altitude: 5 }, { kind: 'waypoint', north: 10, east: 0, altitude: 6 }, { kind: 'land' }], HOME);
    const stored: WireItem[] = sent.map(waypointToWire);
    expect(missionDifference(sent, stored, HOME, 0.2)).toBeNull();
    expect(missionDifference(sent, stored.slice(0, 2), HOME, 0.2)).toBe('PX4 stores 2 items, not the 3 sent: item 2 (NAV_LAND) is missing');
    expect(missionDifference(sent, [], HOME, 0.2)).toBe('PX4 stores no mission (0 items), not the 3 sent');
    const moved = stored.map((s, i) => (i === 1 ? { ...s, x: s.x + 90 } : s));
    expect(missionDifference(sent, moved, HOME, 0.2)).toMatch(/^PX4 stores a different mission: item 1 \(NAV_WAYPOINT\) is at north 11 m, east 0 m, not 10 m, 0 m \(1 m apart\)$/);
    // Stored relative to home (GLOBAL_RELATIVE_ALT_INT) is the same altitude as AMSL in GLOBAL.
    const relative = stored.map((s) => (s.frame === 0 ? { ...s, frame: 6, z: s.z - HOME.alt } : s));
    expect(missionDifference(sent, relative, HOME, 0.2)).toBeNull();
    const higher = stored.map((s, i) => (i === 1 ? { ...s, z: s.z + 1 } : s));
    expect(missionDifference(sent, higher, HOME, 0.2)).toBe('PX4 stores a different mission: item 1 (NAV_WAYPOINT) is at 7 m above home, not 6 m');
    const swapped = stored.map((s, i) => (i === 2 ? { ...s, command: 20 } : s));
    expect(missionDifference(sent, swapped, HOME, 0.2)).toBe('PX4 stores a different mission: item 2 is NAV_RETURN_TO_LAUNCH, not NAV_LAND');
  });
});

let graph: StandInRosGraph;
let stack: Stack;
let v: Vehicle;
let core: DroneCoreStandIn;
let pilot: DroneCorePilot;
let rig: StandInRig;

const PLAN: MissionPlanItem[] = [
  { kind: 'takeoff', altitude: 5 },
  { kind: 'waypoint', north: 12, east: 5, altitude: 6, holdS: 1, yaw: 0.5 },
  { kind: 'loiter', north: 0, east: 10, altitude: 5, seconds: 2 },
  { kind: 'land', north: 2, east: 3 },
];

/** The vehicle's mission, downloaded over MAVLink by the test itself (ground truth independent of the pilot under test). */
async function storedMission(): Promise<WireItem[]> {
  return (await (v.pilot as MavlinkPilot).missions.download('mission')).items;
}

async function upload(plan: MissionPlanItem[] = PLAN): Promise<void> {
  expect((await pilot.uploadMission(plan)).result).toBe('CONFIRMED');
  graph.calls.length = 0;
}

describe('DroneCorePilot missions (drone_core stand-in on the simulator)', () => {
  beforeAll(async () => {
    rig = await standInRig({ instance: 90, seed: 5, domainId: DOMAIN, nodeName: 'flightcheck_missions', callTimeoutMs: 2000, discoveryTimeoutMs: 400 });
    ({ stack, v, graph, core, pilot } = rig);
  }, 30_000);

  afterAll(async () => {
    await rig?.down();
  });

  beforeEach(async () => {
    core.behaviour = 'faithful';
    core.overrides.clear();
    core.forgetMission();
    await core.stopStream();
    await stack.reset(v);
    await waitFor(v.telemetry, (t) => t.home !== null, { timeout: '5s', clock: 'host', what: 'HOME_POSITION' });
    graph.calls.length = 0;
  }, 20_000);

  it('upload_mission gets the items as Waypoints, and is confirmed by the mission PX4 stores', async () => {
    const acks: CommandResult[] = [];
    const off = pilot.onCommandAck((a) => acks.push(a));
    const r = await pilot.uploadMission(PLAN);
    off();
    expect(r).toMatchObject({ type: 'mission', count: 4, command: '/drone1/upload_mission', result: 'CONFIRMED', reply: 'Mission uploaded successfully', retransmits: 0, rerequests: 0 });
    expect(r.missionId).toBeGreaterThan(0);
    expect(r.latencyMs).toBeGreaterThanOrEqual(r.responseMs);
    expect(acks).toEqual([expect.objectContaining({ command: '/drone1/upload_mission', result: 'CONFIRMED' })]);
    expect(graph.calls).toHaveLength(1);
    const call = graph.calls[0]!;
    expect([call.domainId, call.service, call.type]).toEqual([DOMAIN, '/drone1/upload_mission', UPLOAD_MISSION_TYPE]);
    const sent = call.request.waypoints as Waypoint[];
    expect(sent.map((w) => w.command)).toEqual([22, 16, 19, 21]);

    // Ground truth read independently: the vehicle flies what the plan says, through its own home.
    const home = v.telemetry.home!;
    const stored = await storedMission();
    expect(stored.map((s) => s.command)).toEqual([22, 16, 19, 21]);
    const where = (s: WireItem) => fromLatLonE7(home, s.x, s.y);
    expect(where(stored[1]!).north).toBeCloseTo(12, 1);
    expect(where(stored[1]!).east).toBeCloseTo(5, 1);
    expect(stored[1]!.z - home.alt).toBeCloseTo(6, 2);
    expect(stored[1]!.param1).toBe(1);
    expect(stored[1]!.param4).toBeCloseTo((0.5 * 180) / Math.PI, 3);
    expect(where(stored[2]!).east).toBeCloseTo(10, 1);
    expect(stored[2]!.param1).toBe(2);
    expect(where(stored[3]!).north).toBeCloseTo(2, 1);
    expect(stored[0]!.z - home.alt).toBeCloseTo(5, 2);

    // drone_core's view next to MISSION_CURRENT's.
    await waitFor(v.telemetry, (t) => t.mission?.total === 4, { timeout: '3s', clock: 'vehicle', what: 'MISSION_CURRENT with 4 items' });
    const status = await pilot.missionStatus();
    expect(status).toMatchObject({ valid: true, running: false, totalItems: v.telemetry.mission!.total, currentItem: v.telemetry.mission!.seq, missionId: r.missionId });
    expect(graph.calls.at(-1)).toMatchObject({ service: '/drone1/get_mission_status', type: GET_MISSION_STATUS_TYPE });
  });

  it('drone_core answers success but drops the last waypoint → DroneCoreMismatch naming the missing item', async () => {
    core.behaviour = 'drops-last-waypoint';
    const err = (await pilot.uploadMission(PLAN).catch((e: unknown) => e)) as DroneCoreMismatch;
    expect(err).toBeInstanceOf(DroneCoreMismatch);
    expect(err.service).toBe('/drone1/upload_mission');
    expect(err.reply).toBe('Mission uploaded successfully');
    expect(err.clock).toBe('vehicle');
    expect(err.message).toBe(
      'drone_core answered success to /drone1/upload_mission but PX4 stores 3 items, not the 4 sent: item 3 (NAV_LAND) is missing (expected PX4 to store the 4 items sent within 5000 ms, vehicle clock)',
    );
    expect(await storedMission()).toHaveLength(3);
  });

  it('drone_core answers success and uploads nothing → DroneCoreMismatch', async () => {
    core.behaviour = 'silent';
    await expect(pilot.uploadMission(PLAN)).rejects.toThrow(/^drone_core answered success to \/drone1\/upload_mission but PX4 stores no mission \(0 items\), not the 4 sent/);
  });

  it('a drone_core that answers before its transfer ends: the mission is downloaded again when MISSION_CURRENT announces it', async () => {
    // The vehicle still holds an earlier mission when the first download looks.
    await upload([{ kind: 'takeoff', altitude: 3 }, { kind: 'land' }]);
    core.overrides.set('upload_mission', (req) => {
      const wire = (req.waypoints as Waypoint[]).map(waypointToWire);
      setTimeout(() => void (v.pilot as MavlinkPilot).missions.upload('mission', wire), 20);
      return { success: true, message: 'Mission upload started', mission_id: 3 };
    });
    const r = await pilot.uploadMission(PLAN);
    expect(r).toMatchObject({ result: 'CONFIRMED', reply: 'Mission upload started', missionId: 3, count: 4 });
  });

  it('a waypoint stored somewhere else is a mismatch naming the item and the distance', async () => {
    core.overrides.set('upload_mission', async (req) => {
      const wire = (req.waypoints as Waypoint[]).map(waypointToWire);
      // 1e-5° of latitude: about 1.1 m north of where it was asked.
      wire[1] = { ...wire[1]!, x: wire[1]!.x + 100 };
      await (v.pilot as MavlinkPilot).missions.upload('mission', wire);
      return { success: true, message: 'Mission uploaded successfully', mission_id: 7 };
    });
    await expect(pilot.uploadMission(PLAN)).rejects.toThrow(/but PX4 stores a different mission: item 1 \(NAV_WAYPOINT\) is at north 13\.\d+ m, east 5 m, not 12 m, 5 m \(1\.\d+ m apart\)/);
  });

  it('success=false is DroneCoreRefused: an empty mission, START without one, GOTO_ITEM past the end', async () => {
    const acks: CommandResult[] = [];
    const off = pilot.onCommandAck((a) => acks.push(a));
    try {
      const empty = (await pilot.uploadMission([]).catch((e: unknown) => e)) as DroneCoreRefused;
      expect(empty).toBeInstanceOf(DroneCoreRefused);
      expect(empty.message).toBe('drone_core refused /drone1/upload_mission: "Failed to upload mission"');
      await expect(pilot.startMission()).rejects.toThrow('drone_core refused /drone1/mission_control START: "Failed to start mission"');
      await upload();
      await expect(pilot.startMission({ fromItem: 4 })).rejects.toThrow('drone_core refused /drone1/mission_control GOTO_ITEM: "Failed to go to mission item"');
    } finally {
      off();
    }
    expect(acks.filter((a) => a.result === 'REFUSED').map((a) => a.command)).toEqual(['/drone1/upload_mission', '/drone1/mission_control START', '/drone1/mission_control GOTO_ITEM']);
    expect(v.telemetry.modeName).toBe('Hold');
  });

  it('items drone_core cannot carry are refused before any call; download, geofence and rally go over MAVLink', async () => {
    await expect(pilot.uploadMission([{ kind: 'takeoff', altitude: 5 }, { kind: 'jump', to: 0, repeat: 2 }])).rejects.toThrow(/^mission\[1\] \(jump\)/);
    expect(graph.calls).toEqual([]);
    await upload();
    const items = await pilot.downloadMission();
    expect(items).toHaveLength(4);
    expect((await pilot.uploadGeofence([{ kind: 'circle', inclusion: true, north: 0, east: 0, radius: 200 }])).count).toBe(1);
    expect((await pilot.uploadRally([{ north: 20, east: 0, altitude: 10 }])).count).toBe(1);
    expect(graph.calls).toEqual([]);
  });

  it('startMission: mission_control START, confirmed by the HEARTBEAT showing Mission', async () => {
    await upload();
    const r = await pilot.startMission();
    expect(r).toMatchObject({ command: '/drone1/mission_control START', result: 'CONFIRMED', reply: 'Mission started' });
    expect(v.telemetry.modeName).toBe('Mission');
    expect(graph.calls.map((c) => [c.service, c.type, c.request])).toEqual([['/drone1/mission_control', MISSION_CONTROL_TYPE, { command: 'START', item_index: 0 }]]);
  });

  it('startMission({ fromItem }): GOTO_ITEM confirmed by MISSION_CURRENT, then START', async () => {
    await upload();
    const r = await pilot.startMission({ fromItem: 2 });
    expect(r.result).toBe('CONFIRMED');
    expect(v.telemetry.modeName).toBe('Mission');
    expect(v.telemetry.mission!.seq).toBe(2);
    expect(graph.calls.map((c) => c.request)).toEqual([{ command: 'GOTO_ITEM', item_index: 2 }, { command: 'START', item_index: 0 }]);
    await expect(pilot.startMission({ fromItem: -1 })).rejects.toThrow(PilotError);
  });

  it('START answered but not done → DroneCoreMismatch: PX4 stayed in Hold', async () => {
    await upload();
    core.behaviour = 'silent';
    await expect(pilot.startMission()).rejects.toThrow(
      /^drone_core answered success to \/drone1\/mission_control START but PX4 stayed in Hold \(AUTO_LOITER\) \(disarmed\), MISSION_CURRENT shows item 0 of 4 \(expected mode Mission within 3000 ms, vehicle clock\)/,
    );
  });

  it('armed, the started mission is flown: takeoff, then the waypoint reached (MISSION_ITEM_REACHED)', async () => {
    await upload([{ kind: 'takeoff', altitude: 4 }, { kind: 'waypoint', north: 8, east: 0, altitude: 4 }, { kind: 'land' }]);
    await pilot.arm();
    await pilot.startMission();
    const reached = await waitForMissionItem(v.telemetry, 1, { timeout: '60s', clock: 'vehicle' });
    expect(reached.seq).toBe(1);
    const p = v.telemetry.localPosition!;
    expect(Math.hypot(p.north - 8, p.east)).toBeLessThan(3);
    const status = await pilot.missionStatus();
    expect(status.running).toBe(v.telemetry.modeName === 'Mission');
    expect(status.currentItem).toBe(v.telemetry.mission!.seq);
  }, 60_000);

  it('clearMission: mission_control CLEAR, confirmed by MISSION_CURRENT with no mission', async () => {
    await upload();
    await waitFor(v.telemetry, (t) => t.mission?.total === 4, { timeout: '3s', clock: 'vehicle', what: 'MISSION_CURRENT with 4 items' });
    const r = await pilot.clearMission();
    expect(r).toMatchObject({ type: 'mission', count: 0, command: '/drone1/mission_control CLEAR', result: 'CONFIRMED', reply: 'Mission cleared' });
    expect(v.telemetry.mission!.total).toBe(0);
    expect(await storedMission()).toEqual([]);
    expect(graph.calls.map((c) => c.request)).toEqual([{ command: 'CLEAR', item_index: 0 }]);
  });

  it('CLEAR answered but not done → DroneCoreMismatch: the mission is still there', async () => {
    await upload();
    core.behaviour = 'silent';
    await expect(pilot.clearMission()).rejects.toThrow(
      /^drone_core answered success to \/drone1\/mission_control CLEAR but PX4 still has a mission: MISSION_CURRENT shows item 0 of 4, and a MAVLink download finds 4 items \(expected MISSION_CURRENT with no mission \(total 0\) within 5000 ms, vehicle clock\)/,
    );
    expect(await storedMission()).toHaveLength(4);
  });
});
