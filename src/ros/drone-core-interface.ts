import { z } from 'zod';
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
export const DRONE_STATE_TYPE = 'drone_interfaces/msg/DroneState';
export const MARKER_ARRAY_TYPE = 'visualization_msgs/msg/MarkerArray';

/** drone_core's std_srvs/Trigger services. */
export const TRIGGER_SERVICES = ['arm', 'disarm', 'takeoff', 'land', 'set_offboard', 'set_position_mode', 'return_to_launch', 'flight_termination'] as const;
export type TriggerService = (typeof TRIGGER_SERVICES)[number];
export type DroneCoreService = TriggerService | 'set_position' | 'get_state';

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
