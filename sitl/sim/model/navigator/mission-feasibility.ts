/**
 * PX4's mission feasibility checks (navigator/mission_feasibility_checker.cpp and
 * MissionFeasibility/FeasibilityChecker.cpp, v1.16), the ones that apply to a multicopter: the
 * mission result is valid only when they pass. The FeasibilityChecker has no MAVLink log publisher
 * in v1.16: its findings go out as events only (their texts here), never as STATUSTEXT; the
 * geofence and position-lock findings are STATUSTEXT as well.
 */
import type { Geofence, HomeRef } from './geofence.js';
import { NavCmd, decodeItem, itemContainsPosition, type NavItem } from './navigation.js';
import type { MissionItem } from '../mission-store.js';

/** FeasibilityChecker::checkMissionItemValidity: the commands a mission may hold. */
const SUPPORTED = new Set<number>([
  NavCmd.IDLE, NavCmd.WAYPOINT, NavCmd.LOITER_UNLIM, NavCmd.LOITER_TIME, NavCmd.RETURN_TO_LAUNCH, NavCmd.LAND, NavCmd.TAKEOFF,
  NavCmd.LOITER_TO_ALT, 84 /* VTOL_TAKEOFF */, 85 /* VTOL_LAND */, 93 /* DELAY */, 4501 /* CONDITION_GATE */, 42600 /* DO_WINCH */,
  211 /* DO_GRIPPER */, NavCmd.DO_JUMP, NavCmd.DO_CHANGE_SPEED, 179 /* DO_SET_HOME */, 189 /* DO_LAND_START */,
  2003 /* DO_TRIGGER_CONTROL */, 203 /* DO_DIGICAM_CONTROL */, 2000, 2001, 2500, 2501, 200 /* DO_CONTROL_VIDEO */,
  204 /* DO_MOUNT_CONFIGURE */, 205 /* DO_MOUNT_CONTROL */, 1000 /* GIMBAL_MANAGER_PITCHYAW */, 1001 /* GIMBAL_MANAGER_CONFIGURE */,
  187 /* DO_SET_ACTUATOR */, 201 /* DO_SET_ROI */, 195 /* DO_SET_ROI_LOCATION */, 196 /* DO_SET_ROI_WPNEXT_OFFSET */,
  197 /* DO_SET_ROI_NONE */, 206 /* DO_SET_CAM_TRIGG_DIST */, 260 /* OBLIQUE_SURVEY */, 214 /* DO_SET_CAM_TRIGG_INTERVAL */,
  530 /* SET_CAMERA_MODE */, 534 /* SET_CAMERA_SOURCE */, 531 /* SET_CAMERA_ZOOM */, 532 /* SET_CAMERA_FOCUS */, 3000 /* DO_VTOL_TRANSITION */,
]);

/** Commands that do not count as "an item with a position" for the takeoff-first check (checkTakeoff). */
const NO_POSITION_FOR_TAKEOFF_CHECK = new Set<number>([
  NavCmd.IDLE, 93, NavCmd.DO_JUMP, NavCmd.DO_CHANGE_SPEED, 179, 189, 2003, 203, 2000, 2001, 2500, 2501, 200, 204, 205, 1000, 1001,
  201, 195, 196, 197, 206, 260, 214, 530, 534, 531, 532, 3000,
]);

export interface FeasibilityContext {
  home: HomeRef;
  landed: boolean;
  params: Record<string, number>;
  geofence: Geofence;
  text: (severity: number, text: string, source?: 'statustext' | 'event') => void;
}

const CRIT = 2, WARN = 4;

/** MissionFeasibilityChecker::checkMissionFeasible: whether the stored mission may be flown. */
export function checkMissionFeasible(stored: readonly MissionItem[], ctx: FeasibilityContext): boolean {
  if (stored.length === 0) return false;
  if (!ctx.home.valid) {
    ctx.text(6, 'Not yet ready for mission, no position lock.');
    return false;
  }
  const p = ctx.params;
  const items: NavItem[] = [];
  for (const s of stored) {
    const it = decodeItem(s, ctx.home.alt);
    // mavlink_mission refuses such items at upload (MAV_MISSION_UNSUPPORTED_FRAME / UNSUPPORTED)
    if (it === null) return false;
    items.push(it);
  }
  let failed = false;
  let hasTakeoff = false;
  let landingValid = false;
  let foundItemWithPosition = false;
  let firstWaypointFound = false;
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    // checkMissionItemValidity: a failure here stops the other checks
    if (!SUPPORTED.has(it.cmd)) {
      ctx.text(CRIT, `Mission rejected: item ${i + 1}: unsupported command: ${it.cmd}`, 'event');
      return false;
    }
    if (i === 0 && it.cmd === NavCmd.LAND && ctx.landed) {
      ctx.text(CRIT, 'Mission rejected: starts with landing', 'event');
      return false;
    }
    // checkHorizontalDistanceToFirstWaypoint: a warning only (its result is not kept in v1.16)
    if (!firstWaypointFound && p.MIS_DIST_1WP! > 1e-6 && itemContainsPosition(it.cmd)) {
      firstWaypointFound = true;
      const d = distanceHome(it, ctx.home);
      if (!(d < p.MIS_DIST_1WP!)) ctx.text(WARN, `First waypoint far away from Home: ${Math.trunc(d)} m Correct mission loaded?`, 'event');
    }
    // checkTakeoff
    if (!failed && it.cmd === NavCmd.TAKEOFF) {
      const rel = it.altAmsl - ctx.home.alt;
      if (rel < 1.1920929e-7) {
        ctx.text(CRIT, 'Mission rejected: takeoff altitude too low! Minimum: 0.0 m', 'event');
        failed = true;
      } else {
        hasTakeoff = true;
        if (foundItemWithPosition) {
          ctx.text(CRIT, 'Mission rejected: takeoff is not the first waypoint item', 'event');
          failed = true;
        }
      }
    }
    if (!foundItemWithPosition) foundItemWithPosition = !NO_POSITION_FOR_TAKEOFF_CHECK.has(it.cmd);
    landingValid ||= it.cmd === NavCmd.LAND;
  }
  if (!checkTakeoffLandAvailable(p.MIS_TKO_LAND_REQ!, hasTakeoff, landingValid, ctx)) failed = true;
  if (failed) return false;
  // checkMissionAgainstGeofence
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (itemContainsPosition(it.cmd) && !ctx.geofence.checkPointAgainstAllGeofences(p, ctx.home, it.lat, it.lon, it.altAmsl)) {
      ctx.text(CRIT, `Geofence violation for waypoint ${i + 1}`);
      ctx.text(CRIT, `Geofence violation for waypoint ${i + 1}`, 'event');
      return false;
    }
  }
  return true;
}

function distanceHome(it: NavItem, home: HomeRef): number {
  const R = 6371000, D = Math.PI / 180;
  const dLat = (it.lat - home.lat) * D, dLon = (it.lon - home.lon) * D;
  const a = Math.sin(dLat / 2) ** 2 + Math.sin(dLon / 2) ** 2 * Math.cos(it.lat * D) * Math.cos(home.lat * D);
  return R * 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a));
}

/** FeasibilityChecker::checkTakeoffLandAvailable (MIS_TKO_LAND_REQ). */
function checkTakeoffLandAvailable(req: number, hasTakeoff: boolean, landingValid: boolean, ctx: FeasibilityContext): boolean {
  const bothOrNeither = (): boolean => {
    if (hasTakeoff === landingValid) return true;
    ctx.text(CRIT, hasTakeoff ? 'Mission rejected: Add Landing item or remove Takeoff' : 'Mission rejected: Add Takeoff item or remove Landing', 'event');
    return false;
  };
  switch (req) {
    case 1:
      if (!hasTakeoff) ctx.text(CRIT, 'Mission rejected: Takeoff waypoint required', 'event');
      return hasTakeoff;
    case 2:
      if (!landingValid) ctx.text(CRIT, 'Mission rejected: Landing waypoint/pattern required', 'event');
      return landingValid;
    case 3:
      if (!(hasTakeoff && landingValid)) ctx.text(CRIT, 'Mission rejected: Takeoff or Landing item missing', 'event');
      return hasTakeoff && landingValid;
    case 4:
      return bothOrNeither();
    case 5:
      if (ctx.landed) return bothOrNeither();
      if (!landingValid) ctx.text(CRIT, 'Mission rejected: Landing waypoint/pattern required', 'event');
      return landingValid;
    default:
      return true;
  }
}
