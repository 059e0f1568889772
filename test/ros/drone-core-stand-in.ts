/**
 * A stand-in for drone_core, offering its services in a StandInRosGraph and acting on a vehicle
 * the way drone_core does — through commands to PX4 (here over MAVLink, where drone_core uses the
 * XRCE bridge) — and answering as drone_core answers: `success=true` once a command is SENT.
 *
 * Behaviours:
 * - 'faithful': the offboard stream runs before the mode switch (what drone_core intends).
 * - 'no-prestream': set_offboard asks for OFFBOARD before any setpoint has streamed — drone_core's
 *   documented race (its 1.1 s sleep blocks the single-threaded spin that should publish the
 *   stream) — so PX4 refuses, and drone_core still answers success.
 * - 'silent': every service answers success and does nothing.
 * - 'drops-last-waypoint': upload_mission sends the vehicle every waypoint but the last and
 *   answers success (a truncated transfer nobody checked).
 *
 * Missions as drone_core's interface describes them: upload_mission sends the Waypoints to PX4 as
 * MISSION_ITEM_INTs (frame GLOBAL with the altitude AMSL, hold_time → param1, acceptance_radius →
 * param2, yaw in degrees → param4), mission_control acts over MAVLink (GOTO_ITEM as
 * MISSION_SET_CURRENT, START and RESUME as the Mission mode, PAUSE and STOP as Hold, CLEAR as
 * MISSION_CLEAR_ALL), get_mission_status reports drone_core's own mission with PX4's current item.
 * Refusals are drone_core's: an empty mission, START without a mission, GOTO_ITEM past the end.
 */
import { common } from 'node-mavlink';
import { CommandDenied } from '../../src/vehicle/errors.js';
import { MavlinkPilot } from '../../src/vehicle/mavlink-pilot.js';
import type { WireItem } from '../../src/vehicle/mission-transfer.js';
import type { Telemetry } from '../../src/vehicle/telemetry.js';
import { waitFor } from '../../src/vehicle/wait.js';
import type { Link } from '../../src/mavlink/link.js';
import {
  DRONE_STATE_TYPE,
  GET_MISSION_STATUS_TYPE,
  GET_STATE_TYPE,
  MISSION_CONTROL_TYPE,
  SET_POSITION_TYPE,
  TRIGGER_SERVICES,
  TRIGGER_TYPE,
  UPLOAD_MISSION_TYPE,
  type TriggerService,
  type Waypoint,
} from '../../src/ros/drone-core-interface.js';
import { StandInRosGraph, type StandInHandler } from './rclnodejs-stand-in.js';
import os from 'node:os';
import path from 'node:path';
import { DroneCorePilot } from '../../src/ros/drone-core-pilot.js';
import { RosSession } from '../../src/ros/session.js';
import { simTarget } from '../../sitl/sim/target.js';
import type { Stack } from '../../src/targets/target.js';
import type { Vehicle } from '../../src/vehicle/vehicle.js';

export type DroneCoreBehaviour = 'faithful' | 'no-prestream' | 'silent' | 'drops-last-waypoint';

const NAV_STATE: Record<string, string> = {
  Hold: 'AUTO_LOITER', Offboard: 'OFFBOARD', Position: 'POSCTL', Land: 'AUTO_LAND', Return: 'AUTO_RTL', Takeoff: 'AUTO_TAKEOFF', Mission: 'AUTO_MISSION', Altitude: 'ALTCTL', Manual: 'MANUAL',
};

const ok = (message: string) => ({ success: true, message });
const refuse = (message: string) => ({ success: false, message });

export class DroneCoreStandIn {
  behaviour: DroneCoreBehaviour;
  /** Per-service replacements (a test's own answer). */
  readonly overrides = new Map<string, StandInHandler>();
  /** Requests received, by service (short name). */
  readonly requests: { service: string; request: Record<string, unknown> }[] = [];
  private readonly px4: MavlinkPilot;
  private readonly withdraw: (() => void)[] = [];
  private stateTimer: NodeJS.Timeout | null = null;
  /** drone_core's own mission (MissionManager): what it uploaded, under its id. */
  private mission: { id: number; count: number } | null = null;
  private nextMissionId = 1;

  constructor(
    private readonly graph: StandInRosGraph,
    private readonly opts: { domainId: number; drone: string; link: Link; telemetry: Telemetry; behaviour?: DroneCoreBehaviour },
  ) {
    this.behaviour = opts.behaviour ?? 'faithful';
    this.px4 = new MavlinkPilot(opts.link, opts.telemetry, { sysId: opts.telemetry.sysId });
  }

  start(): this {
    const { domainId, drone } = this.opts;
    const offer = (service: string, type: string, fn: StandInHandler) =>
      this.withdraw.push(
        this.graph.advertise(domainId, `/${drone}/${service}`, type, (req) => {
          this.requests.push({ service, request: req });
          const o = this.overrides.get(service);
          if (o) return o(req);
          if (this.behaviour === 'silent' && service !== 'get_state' && service !== 'get_mission_status') return ok('command sent');
          return fn(req);
        }),
      );
    for (const s of TRIGGER_SERVICES) offer(s, TRIGGER_TYPE, () => this.trigger(s));
    offer('set_position', SET_POSITION_TYPE, (req) => this.setPosition(req));
    offer('get_state', GET_STATE_TYPE, () => ({ success: true, message: '', ...this.stateFields() }));
    offer('upload_mission', UPLOAD_MISSION_TYPE, (req) => this.uploadMission(req));
    offer('mission_control', MISSION_CONTROL_TYPE, (req) => this.missionControl(req));
    offer('get_mission_status', GET_MISSION_STATUS_TYPE, () => this.missionStatus());
    // drone_state at 10 Hz, best effort, as drone_core publishes it.
    this.stateTimer = setInterval(() => {
      const now = Date.now();
      this.graph.publish(domainId, `/${drone}/drone_state`, DRONE_STATE_TYPE, {
        header: { stamp: { sec: Math.floor(now / 1000), nanosec: (now % 1000) * 1e6 }, frame_id: '' },
        drone_name: drone,
        ...this.stateFields(),
      }, 'best_effort');
    }, 100);
    return this;
  }

  /** Stops the offboard stream drone_core would be running (between tests). */
  async stopStream(): Promise<void> {
    await this.px4.stopOffboard();
  }

  /** Forgets drone_core's own mission (between tests: a vehicle reset clears the vehicle's). */
  forgetMission(): void {
    this.mission = null;
  }

  async close(): Promise<void> {
    if (this.stateTimer) clearInterval(this.stateTimer);
    this.stateTimer = null;
    for (const w of this.withdraw.splice(0)) w();
    await this.px4.close();
  }

  private stateFields(): Record<string, unknown> {
    const t = this.opts.telemetry;
    const p = t.localPosition;
    return {
      local_x: p?.north ?? 0, local_y: p?.east ?? 0, local_z: p?.down ?? 0, local_yaw: t.attitude?.yaw ?? 0, position_valid: p !== null,
      velocity_x: p?.vn ?? 0, velocity_y: p?.ve ?? 0, velocity_z: p?.vd ?? 0, velocity_valid: p !== null,
      nav_state: NAV_STATE[t.modeName ?? ''] ?? 'UNKNOWN',
      arming_state: t.mode === null ? 'UNKNOWN' : t.armed ? 'ARMED' : 'DISARMED',
      landing_state: t.landedState === 'ON_GROUND' ? 'LANDED' : t.landedState === 'IN_AIR' ? 'AIRBORNE' : 'UNKNOWN',
    };
  }

  /** Fire and forget, as drone_core does: the answer does not wait for PX4. */
  private send(p: Promise<unknown>): void {
    p.catch(() => undefined);
  }

  private async trigger(service: TriggerService): Promise<unknown> {
    const t = this.opts.telemetry;
    switch (service) {
      case 'arm':
        if (t.armed) return refuse('Drone is already armed');
        this.send(this.px4.arm());
        return ok('Arm command initiated');
      case 'disarm':
        // drone_core's landed check does not return early: it answers success in flight too.
        this.send(this.px4.disarm());
        return ok('Disarm command initiated');
      case 'takeoff': {
        if (!t.armed) return refuse('Takeoff rejected: Drone must be ARMED first.');
        const p = t.localPosition!;
        if (this.px4.streamer.running) this.px4.setSetpoint({ type: 'position', north: p.north, east: p.east, down: p.down - 10, yaw: t.attitude?.yaw ?? 0 });
        return ok('Takeoff command initiated');
      }
      case 'land':
        this.send(this.px4.land().finally(() => this.px4.stopOffboard()));
        return ok('Land command initiated');
      case 'return_to_launch':
        this.send(this.px4.returnToLaunch().finally(() => this.px4.stopOffboard()));
        return ok('Return to launch command initiated');
      case 'set_position_mode':
        if (t.armed) return refuse('Cannot change mode while armed');
        this.send(this.px4.setMode('Position'));
        return ok('Set Position Mode command initiated');
      case 'flight_termination':
        this.send(this.px4.command(common.MavCmd.DO_FLIGHTTERMINATION, [1]));
        return ok('Flight termination command sent');
      case 'set_offboard': {
        const p = t.localPosition;
        if (!p) return refuse('Cannot get valid current pose to initialize offboard');
        const here = { type: 'position' as const, north: p.north, east: p.east, down: p.down, yaw: t.attitude?.yaw ?? 0 };
        if (this.behaviour === 'no-prestream') {
          // The mode switch goes out before the first setpoint; the stream starts afterwards.
          await this.px4.setMode('Offboard').catch(() => undefined);
          this.px4.streamer.start(here);
        } else {
          await this.px4.startOffboard(here).catch(() => undefined);
        }
        return ok('Set Offboard command initiated, target set to current pose');
      }
    }
  }

  private setPosition(req: Record<string, unknown>): unknown {
    const { x, y, z, yaw } = req as { x: number; y: number; z: number; yaw: number };
    // drone_core stores the target; it only moves the vehicle while its offboard stream runs.
    if (this.px4.streamer.running) this.px4.setSetpoint({ type: 'position', north: x, east: y, down: z, yaw });
    return ok('Position target set');
  }

  // ---- missions ------------------------------------------------------------------------------

  private async uploadMission(req: Record<string, unknown>): Promise<unknown> {
    const waypoints = (req.waypoints ?? []) as Waypoint[];
    // MissionManager::upload_mission refuses an empty mission.
    if (waypoints.length === 0) return { success: false, message: 'Failed to upload mission', mission_id: 0 };
    let wire = waypoints.map(waypointToWire);
    if (this.behaviour === 'drops-last-waypoint') wire = wire.slice(0, -1);
    try {
      await this.px4.missions.upload('mission', wire);
    } catch (err) {
      return { success: false, message: `Failed to upload mission: ${(err as Error).message}`, mission_id: 0 };
    }
    this.opts.telemetry.resetMissionItemsReached();
    this.mission = { id: this.nextMissionId++, count: waypoints.length };
    return { success: true, message: 'Mission uploaded successfully', mission_id: this.mission.id };
  }

  private missionControl(req: Record<string, unknown>): unknown {
    const command = String(req.command ?? '');
    const index = Number(req.item_index ?? 0);
    const answer = (success: boolean, message: string) => ({
      success, message, current_item: this.opts.telemetry.mission?.seq ?? 0, total_items: this.mission?.count ?? 0,
    });
    switch (command) {
      case 'START':
        if (!this.mission) return answer(false, 'Failed to start mission');
        this.send(this.startMission());
        return answer(true, 'Mission started');
      case 'PAUSE':
        if (this.opts.telemetry.modeName !== 'Mission') return answer(false, 'Failed to pause mission');
        this.send(this.px4.hold());
        return answer(true, 'Mission paused');
      case 'RESUME':
        if (!this.mission) return answer(false, 'Failed to resume mission');
        this.send(this.startMission());
        return answer(true, 'Mission resumed');
      case 'STOP':
        if (!this.mission) return answer(false, 'Failed to stop mission');
        this.send(this.px4.hold());
        return answer(true, 'Mission stopped');
      case 'CLEAR':
        this.mission = null;
        this.send(this.px4.clearMission());
        return answer(true, 'Mission cleared');
      case 'GOTO_ITEM': {
        if (!this.mission || index >= this.mission.count) return answer(false, 'Failed to go to mission item');
        const msg = new common.MissionSetCurrent();
        Object.assign(msg, { targetSystem: this.opts.telemetry.sysId, targetComponent: 1, seq: index });
        this.opts.link.send(msg);
        return answer(true, 'Going to mission item');
      }
      default:
        return answer(false, `Unknown mission command: ${command}`);
    }
  }

  /**
   * The Mission mode; PX4 refuses it as "currently not available" until it has checked a new plan,
   * so that refusal is retried for a while (vehicle clock), as a client would.
   */
  private async startMission(): Promise<void> {
    for (let tries = 0; ; tries++) {
      try {
        await this.px4.setMode('Mission');
        return;
      } catch (err) {
        if (!(err instanceof CommandDenied) || !err.result.startsWith('TEMPORARILY_REJECTED') || tries >= 12) throw err;
        const t0 = this.opts.telemetry.vehicleTimeMs ?? 0;
        await waitFor(this.opts.telemetry, (t) => (t.vehicleTimeMs ?? 0) >= t0 + 250, { timeout: 1000, clock: 'vehicle', what: 'a moment for PX4 to check the plan' });
      }
    }
  }

  private missionStatus(): unknown {
    const t = this.opts.telemetry;
    const seq = t.mission?.seq ?? 0;
    const count = this.mission?.count ?? 0;
    return {
      success: true,
      message: 'Mission status retrieved successfully',
      mission_valid: this.mission !== null,
      mission_finished: this.mission !== null && t.missionItemsReached.some((r) => r.seq === count - 1),
      mission_running: t.modeName === 'Mission',
      current_item: seq,
      total_items: count,
      mission_id: this.mission?.id ?? 0,
      mission_progress: count > 0 ? Math.min(1, seq / count) : 0,
    };
  }
}

/**
 * A Waypoint as the MISSION_ITEM_INT drone_core would send (x/y degE7 in a global frame). Waypoint's
 * frame numbers are MAV_FRAME's: 0 GLOBAL, 1 LOCAL_NED (PX4 refuses it in a mission), 2 MISSION.
 */
export function waypointToWire(w: Waypoint): WireItem {
  return {
    frame: w.frame,
    command: w.command,
    autocontinue: w.autocontinue,
    param1: w.hold_time,
    param2: w.acceptance_radius,
    param3: 0,
    param4: Number.isFinite(w.yaw) ? (w.yaw * 180) / Math.PI : NaN,
    x: Math.round(w.latitude * 1e7),
    y: Math.round(w.longitude * 1e7),
    z: w.altitude,
  };
}

/** A sim vehicle with the drone_core stand-in beside it and a DroneCorePilot on both, as the ros tests use them. */
export interface StandInRig {
  stack: Stack;
  v: Vehicle;
  graph: StandInRosGraph;
  core: DroneCoreStandIn;
  session: RosSession;
  pilot: DroneCorePilot;
  down(): Promise<void>;
}

export async function standInRig(o: { instance: number; seed: number; domainId: number; nodeName: string; callTimeoutMs: number; discoveryTimeoutMs: number }): Promise<StandInRig> {
  const stack = await simTarget.up({
    vehicles: 1, speed: 'max', seed: o.seed, instance: o.instance, params: {},
    artifactsDir: path.join(os.tmpdir(), `flightcheck-ros-${o.instance}`), heartbeatTimeoutMs: 3000, world: { camera: false },
  });
  const v = stack.vehicles[0]!;
  const graph = new StandInRosGraph();
  const core = new DroneCoreStandIn(graph, { domainId: o.domainId, drone: 'drone1', link: v.link, telemetry: v.telemetry }).start();
  let session: RosSession | null = null;
  let pilot: DroneCorePilot | null = null;
  const down = async () => {
    await pilot?.close();
    await session?.close();
    await core.close();
    graph.close();
    await stack.down();
  };
  try {
    session = await RosSession.open({ api: graph.factory('humble'), domainId: o.domainId, nodeName: o.nodeName });
    pilot = new DroneCorePilot({ drone: 'drone1', session, telemetry: v.telemetry, mavlink: v.pilot, callTimeoutMs: o.callTimeoutMs, discoveryTimeoutMs: o.discoveryTimeoutMs });
  } catch (err) {
    await down();
    throw err;
  }
  return { stack, v, graph, core, session, pilot, down };
}
