/**
 * The navigator's mission item (navigator/navigation.h NAV_CMD_*, mission_item_s) and how PX4 reads
 * a stored MISSION_ITEM_INT into one (mavlink_mission.cpp parse_mavlink_mission_item).
 */
import type { MissionItem } from '../mission-store.js';

/** NAV_CMD / MAV_CMD numbers the navigator acts on. */
export const NavCmd = {
  IDLE: 0, WAYPOINT: 16, LOITER_UNLIM: 17, LOITER_TIME: 19, RETURN_TO_LAUNCH: 20, LAND: 21, TAKEOFF: 22, LOITER_TO_ALT: 31,
  DELAY: 93, DO_JUMP: 177, DO_CHANGE_SPEED: 178, RALLY_POINT: 5100,
} as const;

/** MAV_FRAME values with a global position that PX4 accepts in a mission item (mavlink_mission.cpp). */
export function isGlobalFrame(frame: number): boolean {
  return frame === 0 || frame === 3 || frame === 5 || frame === 6;
}
const FRAME_MISSION = 2;

/** MissionBlock::item_contains_position */
export function itemContainsPosition(cmd: number): boolean {
  return cmd === NavCmd.WAYPOINT || cmd === NavCmd.LOITER_UNLIM || cmd === NavCmd.LOITER_TIME || cmd === NavCmd.LAND
    || cmd === NavCmd.TAKEOFF || cmd === NavCmd.LOITER_TO_ALT || cmd === 84 || cmd === 85;
}

/** A mission item as the navigator reads it (mission_item_s): degrees, AMSL altitude, yaw in radians. */
export interface NavItem {
  seq: number;
  cmd: number;
  lat: number;
  lon: number;
  /** AMSL (m); relative frames are resolved with the home altitude. */
  altAmsl: number;
  /** WAYPOINT / LOITER_TIME param1 (s). */
  timeInside: number;
  /** WAYPOINT param2 (m); 0: NAV_ACC_RAD. */
  acceptanceRadius: number;
  /** wrap_2pi(radians(param4)); NaN: none. */
  yaw: number;
  autocontinue: boolean;
  param1: number;
  param2: number;
  param3: number;
}

/**
 * MavlinkMissionManager::parse_mavlink_mission_item for MISSION_ITEM_INT: null for a frame PX4 does
 * not take (it answers MAV_MISSION_UNSUPPORTED_FRAME at upload).
 */
export function decodeItem(s: MissionItem, homeAlt: number): NavItem | null {
  const global = isGlobalFrame(s.frame);
  if (!global && s.frame !== FRAME_MISSION) return null;
  const yawOf = (deg: number) => (Number.isFinite(deg) ? wrap2Pi(deg * (Math.PI / 180)) : NaN);
  const rel = s.frame === 3 || s.frame === 6;
  return {
    seq: s.seq,
    cmd: s.command,
    lat: global ? s.x * 1e-7 : NaN,
    lon: global ? s.y * 1e-7 : NaN,
    altAmsl: global ? (rel ? s.z + homeAlt : s.z) : NaN,
    timeInside: s.command === NavCmd.WAYPOINT || s.command === NavCmd.LOITER_TIME ? s.param1 : 0,
    acceptanceRadius: s.command === NavCmd.WAYPOINT ? s.param2 : 0,
    yaw: s.command === NavCmd.WAYPOINT || s.command === NavCmd.LOITER_TIME || s.command === NavCmd.LAND || s.command === NavCmd.TAKEOFF
      || s.command === NavCmd.LOITER_UNLIM ? yawOf(s.param4) : NaN,
    autocontinue: s.autocontinue,
    param1: s.param1,
    param2: s.param2,
    param3: s.param3,
  };
}

function wrap2Pi(a: number): number {
  const t = 2 * Math.PI;
  return ((a % t) + t) % t;
}
