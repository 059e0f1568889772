/**
 * Mission items as PX4 v1.16's MavlinkMissionManager reads and writes them (mavlink_mission.cpp
 * parse_mavlink_mission_item / format_mavlink_mission_item): which items it refuses with which
 * MAV_MISSION_RESULT, what it keeps of an accepted one (so a download returns PX4's normalised
 * item, not the bytes sent) and the CRC32 it reports as the list's opaque id.
 */
import type { MissionItem } from '../model/mission-store.js';

/** MAV_MISSION_RESULT values PX4 answers with. */
export const MAV_MISSION = {
  ACCEPTED: 0, ERROR: 1, UNSUPPORTED_FRAME: 2, UNSUPPORTED: 3, NO_SPACE: 4, INVALID: 5, INVALID_PARAM1: 6,
  OPERATION_CANCELLED: 15,
} as const;

const FRAME = { GLOBAL: 0, MISSION: 2, GLOBAL_RELATIVE_ALT: 3, GLOBAL_INT: 5, GLOBAL_RELATIVE_ALT_INT: 6 } as const;

const CMD = {
  NAV_WAYPOINT: 16, NAV_LOITER_UNLIM: 17, NAV_LOITER_TIME: 19, NAV_RETURN_TO_LAUNCH: 20, NAV_LAND: 21, NAV_TAKEOFF: 22,
  NAV_LOITER_TO_ALT: 31, NAV_ROI: 80, NAV_VTOL_TAKEOFF: 84, NAV_VTOL_LAND: 85, NAV_DELAY: 93,
  CONDITION_DELAY: 112, CONDITION_DISTANCE: 114, DO_CHANGE_SPEED: 178, DO_JUMP: 177, DO_SET_HOME: 179,
  DO_SET_ACTUATOR: 187, DO_LAND_START: 189, DO_SET_ROI_LOCATION: 195, DO_SET_ROI_WPNEXT_OFFSET: 196,
  DO_SET_ROI_NONE: 197, DO_CONTROL_VIDEO: 200, DO_SET_ROI: 201, DO_DIGICAM_CONTROL: 203, DO_MOUNT_CONFIGURE: 204,
  DO_MOUNT_CONTROL: 205, DO_SET_CAM_TRIGG_DIST: 206, DO_GRIPPER: 211, DO_SET_CAM_TRIGG_INTERVAL: 214,
  DO_WINCH: 42600, DO_GIMBAL_MANAGER_PITCHYAW: 1000, DO_GIMBAL_MANAGER_CONFIGURE: 1001,
  IMAGE_START_CAPTURE: 2000, IMAGE_STOP_CAPTURE: 2001, DO_TRIGGER_CONTROL: 2003, VIDEO_START_CAPTURE: 2500,
  VIDEO_STOP_CAPTURE: 2501, SET_CAMERA_MODE: 530, SET_CAMERA_ZOOM: 531, SET_CAMERA_FOCUS: 532, SET_CAMERA_SOURCE: 534,
  DO_VTOL_TRANSITION: 3000, OBLIQUE_SURVEY: 260, CONDITION_GATE: 4501,
  FENCE_RETURN_POINT: 5000, FENCE_POLYGON_VERTEX_INCLUSION: 5001, FENCE_POLYGON_VERTEX_EXCLUSION: 5002,
  FENCE_CIRCLE_INCLUSION: 5003, FENCE_CIRCLE_EXCLUSION: 5004, NAV_RALLY_POINT: 5100,
} as const;

const MAV_ROI = { NONE: 0, WPNEXT: 1, WPINDEX: 2, LOCATION: 3 } as const;

/** Commands PX4 takes in frame MISSION (no coordinates) and keeps with their seven params. */
const MISSION_FRAME_COMMANDS: ReadonlySet<number> = new Set([
  CMD.DO_JUMP, CMD.NAV_ROI, CMD.DO_SET_ROI, CMD.DO_WINCH, CMD.DO_GRIPPER, CMD.DO_CHANGE_SPEED, CMD.DO_SET_HOME,
  CMD.DO_LAND_START, CMD.DO_TRIGGER_CONTROL, CMD.DO_DIGICAM_CONTROL, CMD.DO_MOUNT_CONFIGURE, CMD.DO_MOUNT_CONTROL,
  CMD.DO_GIMBAL_MANAGER_PITCHYAW, CMD.SET_CAMERA_FOCUS, CMD.DO_GIMBAL_MANAGER_CONFIGURE, CMD.IMAGE_START_CAPTURE,
  CMD.IMAGE_STOP_CAPTURE, CMD.VIDEO_START_CAPTURE, CMD.VIDEO_STOP_CAPTURE, CMD.DO_CONTROL_VIDEO,
  CMD.DO_SET_CAM_TRIGG_DIST, CMD.OBLIQUE_SURVEY, CMD.DO_SET_CAM_TRIGG_INTERVAL, CMD.SET_CAMERA_MODE,
  CMD.SET_CAMERA_SOURCE, CMD.DO_VTOL_TRANSITION, CMD.NAV_DELAY, CMD.NAV_RETURN_TO_LAUNCH, CMD.DO_SET_ROI_WPNEXT_OFFSET,
  CMD.DO_SET_ROI_NONE, CMD.CONDITION_DELAY, CMD.CONDITION_DISTANCE, CMD.DO_SET_ACTUATOR,
]);

/** Commands PX4 takes with global coordinates. */
const GLOBAL_COMMANDS: ReadonlySet<number> = new Set([
  CMD.NAV_WAYPOINT, CMD.NAV_LOITER_UNLIM, CMD.NAV_LOITER_TIME, CMD.NAV_LAND, CMD.NAV_TAKEOFF, CMD.NAV_LOITER_TO_ALT,
  CMD.NAV_ROI, CMD.DO_SET_ROI, CMD.DO_SET_ROI_LOCATION, CMD.NAV_VTOL_TAKEOFF, CMD.NAV_VTOL_LAND, CMD.CONDITION_GATE,
  CMD.FENCE_RETURN_POINT, CMD.FENCE_POLYGON_VERTEX_INCLUSION, CMD.FENCE_POLYGON_VERTEX_EXCLUSION,
  CMD.FENCE_CIRCLE_INCLUSION, CMD.FENCE_CIRCLE_EXCLUSION, CMD.NAV_RALLY_POINT,
]);

/** Geofence and rally commands that a mission upload refuses (PX4's hardening against confused clients). */
const NOT_IN_A_MISSION: ReadonlySet<number> = new Set([
  CMD.FENCE_POLYGON_VERTEX_INCLUSION, CMD.FENCE_POLYGON_VERTEX_EXCLUSION, CMD.FENCE_CIRCLE_INCLUSION,
  CMD.FENCE_CIRCLE_EXCLUSION, CMD.NAV_RALLY_POINT,
]);

/** MISSION_ITEM(_INT) as received: `x`/`y` are int32 (degE7) from MISSION_ITEM_INT, floats from MISSION_ITEM. */
export interface WireItem {
  seq: number;
  frame: number;
  command: number;
  current: number;
  autocontinue: number;
  param1: number;
  param2: number;
  param3: number;
  param4: number;
  x: number;
  y: number;
  z: number;
  missionType: number;
}

const f32 = Math.fround;
const PI_F = f32(Math.PI);
const TWO_PI_F = f32(2 * Math.PI);

/** PX4's wrap_2pi(radians(deg)) then degrees(), in float as PX4 computes it: what a yaw reads back as. */
export function px4YawDeg(deg: number): number {
  let rad = f32(deg * f32(PI_F / 180));
  if (!(rad >= 0 && rad < TWO_PI_F)) {
    const wraps = Math.floor(f32(rad * f32(1 / TWO_PI_F)));
    rad = f32(rad - f32(TWO_PI_F * wraps));
  }
  return f32(rad * f32(180 / PI_F));
}

const u16 = (v: number): number => (Number.isFinite(v) ? Math.trunc(v) & 0xffff : 0);
const i16 = (v: number): number => (u16(v) << 16) >> 16;

/**
 * Parses an uploaded item as PX4 does. `intMode`: it came as MISSION_ITEM_INT. Returns the item PX4
 * keeps, written as PX4 would send it back in int mode (frame GLOBAL_INT / GLOBAL_RELATIVE_ALT_INT
 * or MISSION, params it keeps, the rest 0), or the MAV_MISSION_RESULT that refuses it.
 */
export function parseItem(w: WireItem, intMode: boolean, missionType: number): MissionItem | number {
  const global = w.frame === FRAME.GLOBAL || w.frame === FRAME.GLOBAL_RELATIVE_ALT ||
    (intMode && (w.frame === FRAME.GLOBAL_INT || w.frame === FRAME.GLOBAL_RELATIVE_ALT_INT));
  const base = { seq: w.seq, command: w.command, autocontinue: (w.autocontinue & 1) === 1 };
  if (global) {
    if (!GLOBAL_COMMANDS.has(w.command)) return MAV_MISSION.UNSUPPORTED;
    const roi = w.command === CMD.NAV_ROI || w.command === CMD.DO_SET_ROI;
    if (roi && Math.trunc(w.param1) !== MAV_ROI.LOCATION && Math.trunc(w.param1) !== MAV_ROI.NONE) return MAV_MISSION.INVALID_PARAM1;
    const relative = w.frame === FRAME.GLOBAL_RELATIVE_ALT || w.frame === FRAME.GLOBAL_RELATIVE_ALT_INT;
    // Degrees as PX4 keeps them (double), back to degE7 as it formats them.
    const lat = intMode ? w.x * 1e-7 : f32(w.x);
    const lon = intMode ? w.y * 1e-7 : f32(w.y);
    const p = globalParams(w, missionType);
    return {
      ...base,
      command: roi ? CMD.DO_SET_ROI : w.command,
      // A geofence point keeps no altitude reference: PX4 sends it back as GLOBAL_INT.
      frame: relative && missionType !== 1 ? FRAME.GLOBAL_RELATIVE_ALT_INT : FRAME.GLOBAL_INT,
      autocontinue: missionType === 1 ? false : base.autocontinue,
      param1: p[0], param2: p[1], param3: p[2], param4: p[3],
      x: Math.round(lat * 1e7), y: Math.round(lon * 1e7), z: f32(w.z),
    };
  }
  if (w.frame === FRAME.MISSION) {
    if (!MISSION_FRAME_COMMANDS.has(w.command)) return MAV_MISSION.UNSUPPORTED;
    const roi = w.command === CMD.NAV_ROI || w.command === CMD.DO_SET_ROI;
    if (roi) {
      const mode = Math.trunc(w.param1);
      if (mode !== MAV_ROI.NONE && mode !== MAV_ROI.WPNEXT && mode !== MAV_ROI.WPINDEX) return MAV_MISSION.INVALID_PARAM1;
    }
    // PX4 keeps the seven params as floats, x and y included.
    const jump = w.command === CMD.DO_JUMP;
    return {
      ...base,
      command: roi ? CMD.DO_SET_ROI : w.command,
      frame: FRAME.MISSION,
      param1: jump ? i16(w.param1) : f32(w.param1),
      param2: jump ? u16(w.param2) : f32(w.param2),
      param3: f32(w.param3),
      param4: f32(w.param4),
      x: Math.round(f32(w.x)),
      y: Math.round(f32(w.y)),
      z: f32(w.z),
    };
  }
  return MAV_MISSION.UNSUPPORTED_FRAME;
}

/** param1..4 of a global item as PX4 formats it back (format_mavlink_mission_item). */
function globalParams(w: WireItem, missionType: number): [number, number, number, number] {
  const yaw = px4YawDeg(w.param4);
  if (missionType === 1) {
    // A geofence point keeps only the vertex count or the circle radius.
    if (w.command === CMD.FENCE_POLYGON_VERTEX_INCLUSION || w.command === CMD.FENCE_POLYGON_VERTEX_EXCLUSION) {
      return [u16(f32(w.param1 + 0.5)), 0, 0, 0];
    }
    if (w.command === CMD.FENCE_CIRCLE_INCLUSION || w.command === CMD.FENCE_CIRCLE_EXCLUSION) return [f32(w.param1), 0, 0, 0];
    return [0, 0, 0, 0];
  }
  switch (w.command) {
    case CMD.NAV_WAYPOINT: return [f32(w.param1), f32(w.param2), 0, yaw];
    case CMD.NAV_LOITER_UNLIM: return [0, 0, f32(w.param3), yaw];
    case CMD.NAV_LOITER_TIME: return [f32(w.param1), w.param2 > 0 ? 1 : 0, f32(w.param3), w.param4 > 0 ? 1 : 0];
    case CMD.NAV_LAND: return [0, u16(w.param2), 0, yaw];
    case CMD.NAV_TAKEOFF: return [0, 0, 0, yaw];
    case CMD.NAV_LOITER_TO_ALT: return [w.param1 > 0 ? 1 : 0, f32(w.param2), 0, w.param4 > 0 ? 1 : 0];
    case CMD.NAV_VTOL_TAKEOFF:
    case CMD.NAV_VTOL_LAND: return [0, 0, 0, yaw];
    case CMD.FENCE_POLYGON_VERTEX_INCLUSION:
    case CMD.FENCE_POLYGON_VERTEX_EXCLUSION: return [u16(f32(w.param1 + 0.5)), 0, 0, 0];
    case CMD.FENCE_CIRCLE_INCLUSION:
    case CMD.FENCE_CIRCLE_EXCLUSION: return [f32(w.param1), 0, 0, 0];
    default: return [0, 0, 0, 0];
  }
}

/**
 * The checks PX4 makes once an item parsed, per list (handle_mission_item_both): false means
 * MAV_MISSION_ERROR. A mission refuses geofence and rally commands; a fence polygon needs 3 vertices.
 */
export function fitsList(item: MissionItem, missionType: number): boolean {
  if (missionType === 0) return !NOT_IN_A_MISSION.has(item.command);
  if (missionType === 1 && (item.command === CMD.FENCE_POLYGON_VERTEX_INCLUSION || item.command === CMD.FENCE_POLYGON_VERTEX_EXCLUSION)) {
    return item.param1 >= 3;
  }
  return true;
}

/** A stored item as MISSION_ITEM (float mode) carries it: degrees as floats, the non-INT frames. */
export function toFloatWire(item: MissionItem): { frame: number; x: number; y: number } {
  if (item.frame === FRAME.MISSION) return { frame: item.frame, x: f32(item.x), y: f32(item.y) };
  return {
    frame: item.frame === FRAME.GLOBAL_RELATIVE_ALT_INT ? FRAME.GLOBAL_RELATIVE_ALT : FRAME.GLOBAL,
    x: f32(item.x * 1e-7),
    y: f32(item.y * 1e-7),
  };
}

// ---- the list's opaque id: PX4's crc32part over CrcMissionItem_t of each item as received ---------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** PX4's crc32part (no pre- or post-inversion). */
export function crc32part(bytes: Uint8Array, crc: number): number {
  let c = crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)) >>> 0;
  return c;
}

const crcBuf = Buffer.alloc(32);

/**
 * Adds one received item to the running CRC (crc32_for_mission_item): frame, command, autocontinue,
 * then the seven params as their four bytes each — x and y as int32 when the item came as MISSION_ITEM_INT.
 */
export function crcForItem(w: WireItem, intMode: boolean, prev: number): number {
  const b = crcBuf;
  b.writeUInt8(w.frame & 0xff, 0);
  b.writeUInt16LE(w.command & 0xffff, 1);
  b.writeUInt8(w.autocontinue & 0xff, 3);
  b.writeFloatLE(w.param1, 4);
  b.writeFloatLE(w.param2, 8);
  b.writeFloatLE(w.param3, 12);
  b.writeFloatLE(w.param4, 16);
  if (intMode) {
    b.writeInt32LE(w.x | 0, 20);
    b.writeInt32LE(w.y | 0, 24);
  } else {
    b.writeFloatLE(w.x, 20);
    b.writeFloatLE(w.y, 24);
  }
  b.writeFloatLE(w.z, 28);
  return crc32part(b, prev);
}
