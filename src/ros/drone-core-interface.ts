import { z } from 'zod';
import { PilotError } from '../vehicle/errors.js';
import { MissionPlanItem, toLatLonE7, type HomeAnchor } from '../vehicle/mission-plan.js';
import type { Px4ModeName } from '../vehicle/px4-modes.js';

/**
 * drone_core's ROS 2 interface as DroneOS publishes it (drone_interfaces, see ros_ws/): names per
 * drone, types, and the mapping between its messages and this project's NED / PX4 vocabulary.
 * drone_core works in PX4's local NED frame, like LOCAL_POSITION_NED: x north, y east, z DOWN
 * (5 m up is z = −5), yaw in radians.
 */

export const TRIGGER_TYPE = 'std_srvs/srv/Trigger';
export const SET_POSITION_TYPE = 'drone_interfaces/srv/SetPosition';
export const GET_STATE_TYPE = 'drone_interfaces/srv/GetState';
export const UPLOAD_MISSION_TYPE = 'drone_interfaces/srv/UploadMission';
export const MISSION_CONTROL_TYPE = 'drone_interfaces/srv/MissionControl';
export const GET_MISSION_STATUS_TYPE = 'drone_interfaces/srv/GetMissionStatus';
export const DRONE_STATE_TYPE = 'drone_interfaces/msg/DroneState';
export const MARKER_ARRAY_TYPE = 'visualization_msgs/msg/MarkerArray';

/** drone_core's std_srvs/Trigger services. */
export const TRIGGER_SERVICES = ['arm', 'disarm', 'takeoff', 'land', 'set_offboard', 'set_position_mode', 'return_to_launch', 'flight_termination'] as const;
export type TriggerService = (typeof TRIGGER_SERVICES)[number];
export type MissionService = 'upload_mission' | 'mission_control' | 'get_mission_status';
export type DroneCoreService = TriggerService | 'set_position' | 'get_state' | MissionService;

const ROS_NAME_TOKEN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A drone's name as drone_core's `drone_name` parameter: one ROS name token ('drone1'). */
export function checkDroneName(drone: string): string {
  if (typeof drone !== 'string' || !ROS_NAME_TOKEN.test(drone)) {
    throw new RangeError(`drone name ${JSON.stringify(drone)}: must be one ROS name token (letters, digits, _; not starting with a digit), e.g. "drone1"`);
  }
  return drone;
}

/** Absolute service name: `/<drone>/<service>` (drone_core creates them absolute, not node-relative). */
export function serviceName(drone: string, service: DroneCoreService): string {
  return `/${checkDroneName(drone)}/${service}`;
}

export function serviceType(service: DroneCoreService): string {
  if (service === 'set_position') return SET_POSITION_TYPE;
  if (service === 'get_state') return GET_STATE_TYPE;
  if (service === 'upload_mission') return UPLOAD_MISSION_TYPE;
  if (service === 'mission_control') return MISSION_CONTROL_TYPE;
  if (service === 'get_mission_status') return GET_MISSION_STATUS_TYPE;
  return TRIGGER_TYPE;
}

export function droneStateTopic(drone: string): string {
  return `/${checkDroneName(drone)}/drone_state`;
}

export function detectionsTopic(drone: string): string {
  return `/${checkDroneName(drone)}/detected_objects`;
}

// ---- requests and responses ----------------------------------------------------------------------

const Finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** A SetPosition request: float32 x, y, z, yaw — NED, z down, radians. */
export interface SetPositionRequest {
  x: number;
  y: number;
  z: number;
  yaw: number;
}

const NedTarget = z.object({ north: Finite, east: Finite, down: Finite, yaw: Finite }).strict();

/**
 * NED target → SetPosition request. The values are rounded to float32 here, so what the test
 * records as sent is what drone_core receives.
 */
export function setPositionRequest(target: { north: number; east: number; down: number; yaw: number }): SetPositionRequest {
  const r = NedTarget.safeParse(target);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new RangeError(`set_position: ${issue.path.join('.') || '(target)'}: ${issue.message}`);
  }
  const t = r.data;
  return { x: Math.fround(t.north), y: Math.fround(t.east), z: Math.fround(t.down), yaw: Math.fround(t.yaw) };
}

/** Height above the EKF origin → SetPosition z (down): 10 m up is z = −10. */
export function altitudeToDown(altitudeM: number): number {
  return -altitudeM;
}

const TriggerResponse = z.object({ success: z.boolean(), message: z.string().default('') }).loose();
export type TriggerResponse = z.infer<typeof TriggerResponse>;

/** A Trigger / SetPosition response ({ success, message }); anything else is an error naming the field. */
export function parseTriggerResponse(service: string, response: unknown): TriggerResponse {
  const r = TriggerResponse.safeParse(response);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new TypeError(`${service}: unexpected response: ${issue.path.join('.') || '(response)'}: ${issue.message}`);
  }
  return r.data;
}

// ---- state (GetState response, DroneState message) --------------------------------------------

/** drone_core's nav_state strings (NavState enum names) → PX4 mode names as QGroundControl shows them. */
const NAV_STATE_TO_MODE: Record<string, Px4ModeName> = {
  MANUAL: 'Manual',
  ALTCTL: 'Altitude',
  POSCTL: 'Position',
  AUTO_MISSION: 'Mission',
  AUTO_LOITER: 'Hold',
  AUTO_RTL: 'Return',
  ACRO: 'Acro',
  OFFBOARD: 'Offboard',
  STAB: 'Stabilized',
  AUTO_TAKEOFF: 'Takeoff',
  AUTO_LAND: 'Land',
  AUTO_FOLLOW_TARGET: 'Follow Me',
  AUTO_PRECLAND: 'Precision Land',
  ORBIT: 'Orbit',
  AUTO_VTOL_TAKEOFF: 'VTOL Takeoff',
};

/** The PX4 mode a drone_core nav_state names; null for UNKNOWN (drone_core has not heard from PX4) or anything else. */
export function navStateToMode(navState: string): Px4ModeName | null {
  return NAV_STATE_TO_MODE[navState] ?? null;
}

const MODE_TO_NAV_STATE = new Map<string, string>(Object.entries(NAV_STATE_TO_MODE).map(([nav, mode]) => [mode, nav]));

/** A PX4 mode name → the nav_state name drone_core (and PX4's vehicle_status) uses ('Hold' → 'AUTO_LOITER'); null when there is none. */
export function modeToNavState(mode: string | null): string | null {
  return mode === null ? null : (MODE_TO_NAV_STATE.get(mode) ?? null);
}

const Stamp = z.object({ sec: z.number().int(), nanosec: z.number().int().min(0).max(999_999_999) }).loose();
const StateFields = z
  .object({
    local_x: z.number(),
    local_y: z.number(),
    local_z: z.number(),
    local_yaw: z.number(),
    position_valid: z.boolean(),
    velocity_x: z.number().default(NaN),
    velocity_y: z.number().default(NaN),
    velocity_z: z.number().default(NaN),
    velocity_valid: z.boolean().default(false),
    nav_state: z.string(),
    arming_state: z.string(),
    landing_state: z.string(),
  })
  .loose();

/** What drone_core believes about the vehicle (its view, not ground truth). */
export interface DroneCoreState {
  /** NED metres / radians; null when drone_core says the position is not valid. */
  position: { north: number; east: number; down: number; yaw: number } | null;
  velocity: { vn: number; ve: number; vd: number } | null;
  /** Raw strings as drone_core reports them ('OFFBOARD', 'ARMED', 'AIRBORNE', 'UNKNOWN', …). */
  navState: string;
  armingState: string;
  landingState: string;
  /** navState as a PX4 mode name; null for UNKNOWN. */
  mode: Px4ModeName | null;
  /** null when drone_core does not know (UNKNOWN). */
  armed: boolean | null;
}

function toState(f: z.infer<typeof StateFields>): DroneCoreState {
  return {
    position: f.position_valid ? { north: f.local_x, east: f.local_y, down: f.local_z, yaw: f.local_yaw } : null,
    velocity: f.velocity_valid ? { vn: f.velocity_x, ve: f.velocity_y, vd: f.velocity_z } : null,
    navState: f.nav_state,
    armingState: f.arming_state,
    landingState: f.landing_state,
    mode: navStateToMode(f.nav_state),
    armed: f.arming_state === 'ARMED' ? true : f.arming_state === 'DISARMED' ? false : null,
  };
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new TypeError(`${what}: ${issue.path.join('.') || '(message)'}: ${issue.message}`);
  }
  return r.data;
}

/** A GetState response → success, message and drone_core's state. */
export function parseGetState(response: unknown): { success: boolean; message: string; state: DroneCoreState } {
  const f = parseOrThrow(StateFields.extend({ success: z.boolean(), message: z.string().default('') }), response, 'get_state response');
  return { success: f.success, message: f.message, state: toState(f) };
}

/** A DroneState message → drone_core's state with its header stamp (ms, the publisher's clock). */
export function parseDroneState(msg: unknown): DroneCoreState & { stampMs: number; droneName: string } {
  const f = parseOrThrow(StateFields.extend({ header: z.object({ stamp: Stamp }).loose(), drone_name: z.string().default('') }), msg, 'DroneState');
  return { ...toState(f), stampMs: f.header.stamp.sec * 1000 + f.header.stamp.nanosec / 1e6, droneName: f.drone_name };
}

// ---- missions (UploadMission, MissionControl, GetMissionStatus) -----------------------------------

/** Waypoint.msg's frame: 0 GLOBAL (lat/lon degrees, altitude AMSL), 1 LOCAL_NED, 2 MISSION (no position). */
export const WAYPOINT_FRAME = { GLOBAL: 0, LOCAL_NED: 1, MISSION: 2 } as const;

/** One drone_interfaces/msg/Waypoint. */
export interface Waypoint {
  command: number;
  /** Degrees (float64). */
  latitude: number;
  longitude: number;
  /** Metres (float32): AMSL in frame GLOBAL. */
  altitude: number;
  /** Radians (float32); NaN = keep the heading, as a MAVLink item's NaN yaw. */
  yaw: number;
  acceptance_radius: number;
  hold_time: number;
  autocontinue: boolean;
  frame: number;
}

const MAV_CMD = { NAV_WAYPOINT: 16, NAV_LOITER_TIME: 19, NAV_RETURN_TO_LAUNCH: 20, NAV_LAND: 21, NAV_TAKEOFF: 22 } as const;

/**
 * Mission items → Waypoint[] for upload_mission. Positions go through HOME_POSITION as
 * mission-plan.ts converts them for MAVLink (degE7, so both paths put the vehicle on the same
 * spot), in frame GLOBAL with the altitude AMSL (home altitude + `altitude`), as Waypoint.msg
 * defines frame 0; return is frame MISSION. Waypoint has no free params, so speed, jump and raw
 * items cannot be carried: a PilotError names the item, before anything is sent.
 */
export function missionToWaypoints(items: readonly unknown[], home: HomeAnchor): Waypoint[] {
  const f32 = Math.fround;
  return items.map((raw, i) => {
    const r = MissionPlanItem.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new PilotError(`mission[${i}].${issue.path.join('.')}: ${issue.message}`);
    }
    const it = r.data;
    const at = (north: number, east: number) => {
      const p = toLatLonE7(home, north, east);
      return { latitude: p.x / 1e7, longitude: p.y / 1e7 };
    };
    const wp = (command: number, p: Partial<Waypoint>): Waypoint => ({
      command, latitude: 0, longitude: 0, altitude: 0, yaw: NaN, acceptance_radius: 0, hold_time: 0, autocontinue: true, frame: WAYPOINT_FRAME.GLOBAL,
      ...p,
    });
    const amsl = (altitude: number) => f32(home.alt + altitude);
    const yaw = (y: number | undefined) => (y === undefined ? NaN : f32(y));
    switch (it.kind) {
      case 'takeoff':
        return wp(MAV_CMD.NAV_TAKEOFF, { ...at(home.north, home.east), altitude: amsl(it.altitude), yaw: yaw(it.yaw) });
      case 'waypoint':
        return wp(MAV_CMD.NAV_WAYPOINT, {
          ...at(it.north, it.east), altitude: amsl(it.altitude), yaw: yaw(it.yaw),
          acceptance_radius: f32(it.acceptanceRadiusM ?? 0), hold_time: f32(it.holdS ?? 0),
        });
      case 'loiter':
        // NAV_LOITER_TIME's param1 is the loiter time, the field hold_time fills for a waypoint.
        return wp(MAV_CMD.NAV_LOITER_TIME, { ...at(it.north, it.east), altitude: amsl(it.altitude), hold_time: f32(it.seconds) });
      case 'land': {
        if ((it.north === undefined) !== (it.east === undefined)) throw new PilotError(`mission[${i}]: land needs both north and east, or neither`);
        // Latitude/longitude 0: land where the vehicle is (as mission-plan.ts sends it).
        return wp(MAV_CMD.NAV_LAND, it.north === undefined ? { altitude: amsl(0) } : { ...at(it.north, it.east!), altitude: amsl(0) });
      }
      case 'return':
        return wp(MAV_CMD.NAV_RETURN_TO_LAUNCH, { frame: WAYPOINT_FRAME.MISSION });
      case 'speed':
      case 'jump':
      case 'raw':
        throw new PilotError(
          `mission[${i}] (${it.kind}): drone_core's Waypoint carries only command, position, altitude, yaw, acceptance_radius, hold_time and autocontinue, ` +
            `not the params a ${it.kind === 'raw' ? 'raw item' : it.kind === 'speed' ? 'speed change (DO_CHANGE_SPEED)' : 'jump (DO_JUMP)'} needs: upload it with the MAVLink pilot`,
        );
    }
  });
}

const UploadMissionResponse = z.object({ success: z.boolean(), message: z.string().default(''), mission_id: z.number().int().min(0).default(0) }).loose();
export type UploadMissionResponse = z.infer<typeof UploadMissionResponse>;

/** An UploadMission response ({ success, message, mission_id }). */
export function parseUploadMissionResponse(service: string, response: unknown): UploadMissionResponse {
  return parseOrThrow(UploadMissionResponse, response, `${service}: unexpected response`);
}

/** MissionControl's commands, as drone_core compares them (exact strings). */
export const MISSION_CONTROL_COMMANDS = ['START', 'PAUSE', 'RESUME', 'STOP', 'CLEAR', 'GOTO_ITEM'] as const;
export type MissionControlCommand = (typeof MISSION_CONTROL_COMMANDS)[number];

/** A MissionControl request; item_index is a uint16 and only read for GOTO_ITEM. */
export function missionControlRequest(command: MissionControlCommand, itemIndex = 0): { command: MissionControlCommand; item_index: number } {
  if (!Number.isInteger(itemIndex) || itemIndex < 0 || itemIndex > 0xffff) throw new RangeError(`mission_control ${command}: item_index must be an integer 0…65535, got ${itemIndex}`);
  return { command, item_index: itemIndex };
}

const MissionControlResponse = z
  .object({ success: z.boolean(), message: z.string().default(''), current_item: z.number().int().min(0).default(0), total_items: z.number().int().min(0).default(0) })
  .loose();
export type MissionControlResponse = z.infer<typeof MissionControlResponse>;

/** A MissionControl response ({ success, message, current_item, total_items }). */
export function parseMissionControlResponse(service: string, response: unknown): MissionControlResponse {
  return parseOrThrow(MissionControlResponse, response, `${service}: unexpected response`);
}

/** What drone_core believes about the mission (get_mission_status): its view, not ground truth. */
export interface DroneCoreMissionStatus {
  valid: boolean;
  finished: boolean;
  running: boolean;
  currentItem: number;
  totalItems: number;
  missionId: number;
  /** 0…1, as drone_core computes it. */
  progress: number;
}

const GetMissionStatusResponse = z
  .object({
    success: z.boolean(),
    message: z.string().default(''),
    mission_valid: z.boolean(),
    mission_finished: z.boolean(),
    mission_running: z.boolean(),
    current_item: z.number().int().min(0),
    total_items: z.number().int().min(0),
    mission_id: z.number().int().min(0),
    mission_progress: z.number(),
  })
  .loose();

/** A GetMissionStatus response → success, message and drone_core's mission status. */
export function parseGetMissionStatus(response: unknown): { success: boolean; message: string; status: DroneCoreMissionStatus } {
  const f = parseOrThrow(GetMissionStatusResponse, response, 'get_mission_status response');
  return {
    success: f.success,
    message: f.message,
    status: {
      valid: f.mission_valid, finished: f.mission_finished, running: f.mission_running,
      currentItem: f.current_item, totalItems: f.total_items, missionId: f.mission_id, progress: f.mission_progress,
    },
  };
}
