/**
 * What PX4 reports of its controllers and navigator: the setpoints (ATTITUDE_TARGET,
 * POSITION_TARGET_LOCAL_NED / _GLOBAL_INT), the mode (CURRENT_MODE) and the estimated time of a
 * return (TIME_ESTIMATE_TO_TARGET).
 */
import { common } from 'node-mavlink';
import { TimeEstimateToTarget } from '../../../src/mavlink/common-extras.js';
import { MapProjection } from '../model/geo.js';
import { distanceM } from '../model/navigator/geofence.js';
import { Px4AutoSubMode, Px4MainMode } from '../model/px4-custom-mode.js';
import type { VehicleState } from '../model/types.js';
import { attitudeFrame, copyQuat, deg1e7, paramOr, type StreamDef } from './stream-def.js';

const { floor, max, min, tan, PI } = Math;
const isNaN = Number.isNaN;

const MAV_FRAME_LOCAL_NED = 1;
const MAV_FRAME_GLOBAL_INT = 5;
const MAV_LANDED_STATE_ON_GROUND = 1;
/** POSITION_TARGET_TYPEMASK bits: x, y, z; vx, vy, vz; afx, afy, afz; yaw; yaw rate. */
const IGNORE_POSITION = [1, 2, 4] as const;
const IGNORE_VELOCITY = [8, 16, 32] as const;
const IGNORE_ACCELERATION = [64, 128, 256] as const;
const IGNORE_YAW = 1024;
const IGNORE_YAW_RATE = 2048;

/** MAV_STANDARD_MODE of a PX4 mode (mode_util getStandardModeFromNavState, multicopter): NON_STANDARD for the rest (Hold too). */
function standardMode(main: number, sub: number): number {
  const S = common.MavStandardMode;
  if (main === Px4MainMode.POSCTL) return sub === 1 ? S.ORBIT : S.POSITION_HOLD;
  if (main === Px4MainMode.ALTCTL) return S.ALTITUDE_HOLD;
  if (main !== Px4MainMode.AUTO) return S.NON_STANDARD;
  switch (sub) {
    case Px4AutoSubMode.TAKEOFF: return S.TAKEOFF;
    case Px4AutoSubMode.MISSION: return S.MISSION;
    case Px4AutoSubMode.RTL: return S.SAFE_RECOVERY;
    case Px4AutoSubMode.LAND: return S.LAND;
    default: return S.NON_STANDARD;
  }
}

/** The navigator's target exists in the air in the auto modes (PX4 sends POSITION_TARGET_GLOBAL_INT then). */
function navigatorActive(s: VehicleState): boolean {
  return s.armed && s.mainMode === Px4MainMode.AUTO && s.landedState !== MAV_LANDED_STATE_ON_GROUND;
}

/** A value, or 0 where the setpoint leaves it free (with its type-mask bit set). */
function masked(v: number, bit: number, mask: { bits: number }): number {
  if (!isNaN(v)) return v;
  mask.bits |= bit;
  return 0;
}

const MASK = { bits: 0 };

/** The velocity, acceleration and yaw fields both POSITION_TARGET_* messages carry, and the type mask (after the position bits). */
function fillMotion(
  p: { vx: number; vy: number; vz: number; afx: number; afy: number; afz: number; yaw: number; yawRate: number; typeMask: number },
  sp: VehicleState['setpoint'],
): void {
  p.vx = masked(sp.velocity.x, IGNORE_VELOCITY[0], MASK);
  p.vy = masked(sp.velocity.y, IGNORE_VELOCITY[1], MASK);
  p.vz = masked(sp.velocity.z, IGNORE_VELOCITY[2], MASK);
  p.afx = masked(sp.acceleration.x, IGNORE_ACCELERATION[0], MASK);
  p.afy = masked(sp.acceleration.y, IGNORE_ACCELERATION[1], MASK);
  p.afz = masked(sp.acceleration.z, IGNORE_ACCELERATION[2], MASK);
  p.yaw = masked(sp.yaw, IGNORE_YAW, MASK);
  p.yawRate = masked(sp.yawRate, IGNORE_YAW_RATE, MASK);
  p.typeMask = MASK.bits;
}
const LL = { lat: 0, lon: 0 };
let projection: MapProjection | null = null;

/** The local NED point (x, y) in degrees, projected around home (the model's frame has home's origin within metres). */
function toGlobal(s: VehicleState, x: number, y: number): { lat: number; lon: number } {
  if (!projection || projection.refLat !== s.home.lat || projection.refLon !== s.home.lon) projection = new MapProjection(s.home.lat, s.home.lon);
  projection.reproject(x - s.home.x, y - s.home.y, LL);
  return LL;
}

export const CONTROL_STREAMS: readonly StreamDef[] = [
  {
    // The model's attitude follows its thrust-vector setpoint within a 0.12 s lag and does not
    // expose that setpoint: the target reads as the attitude and rates the model has; the thrust
    // is its collective thrust setpoint.
    name: 'ATTITUDE_TARGET',
    msgid: common.AttitudeTarget.MSG_ID,
    create: () => {
      const a = new common.AttitudeTarget();
      a.q = [1, 0, 0, 0];
      return a;
    },
    fill(m, { timeUs, state: s }) {
      const a = m as common.AttitudeTarget;
      a.timeBootMs = floor(timeUs / 1000);
      copyQuat(attitudeFrame(s.attitude.roll, s.attitude.pitch, s.attitude.yaw), a.q);
      a.bodyRollRate = s.attitude.rollRate;
      a.bodyPitchRate = s.attitude.pitchRate;
      a.bodyYawRate = s.attitude.yawRate;
      a.thrust = s.throttle;
      a.typeMask = 0 as common.AttitudeTargetTypemask;
      return true;
    },
  },
  {
    // The trajectory setpoint the position controller tracks; disarmed, PX4 sends no position or velocity (type_mask 63).
    name: 'POSITION_TARGET_LOCAL_NED',
    msgid: common.PositionTargetLocalNed.MSG_ID,
    create: () => new common.PositionTargetLocalNed(),
    fill(m, { timeUs, state: s }) {
      const p = m as common.PositionTargetLocalNed;
      const sp = s.setpoint;
      MASK.bits = 0;
      p.timeBootMs = floor(timeUs / 1000);
      p.coordinateFrame = MAV_FRAME_LOCAL_NED as common.MavFrame;
      if (!s.armed) {
        p.x = p.y = p.z = p.vx = p.vy = p.vz = NaN;
        p.afx = p.afy = p.afz = 0;
        p.yaw = s.attitude.yaw;
        p.yawRate = 0;
        p.typeMask = 63 as common.PositionTargetTypemask;
        return true;
      }
      p.x = masked(sp.position.x, IGNORE_POSITION[0], MASK);
      p.y = masked(sp.position.y, IGNORE_POSITION[1], MASK);
      p.z = masked(sp.position.z, IGNORE_POSITION[2], MASK);
      fillMotion(p, sp);
      return true;
    },
  },
  {
    // The navigator's current target (position_setpoint_triplet.current), with the trajectory's velocity and acceleration.
    name: 'POSITION_TARGET_GLOBAL_INT',
    msgid: common.PositionTargetGlobalInt.MSG_ID,
    create: () => new common.PositionTargetGlobalInt(),
    fill(m, { timeUs, state: s }) {
      if (!navigatorActive(s)) return false;
      const p = m as common.PositionTargetGlobalInt;
      const sp = s.setpoint;
      const t = toGlobal(s, sp.target.x, sp.target.y);
      MASK.bits = 0;
      p.timeBootMs = floor(timeUs / 1000);
      p.coordinateFrame = MAV_FRAME_GLOBAL_INT as common.MavFrame;
      p.latInt = deg1e7(t.lat);
      p.lonInt = deg1e7(t.lon);
      p.alt = s.home.alt - (sp.target.z - s.home.z);
      fillMotion(p, sp);
      return true;
    },
  },
  {
    name: 'CURRENT_MODE',
    msgid: common.CurrentMode.MSG_ID,
    create: () => new common.CurrentMode(),
    fill(m, { state: s }) {
      const c = m as common.CurrentMode;
      c.customMode = s.customMode >>> 0;
      c.intendedCustomMode = s.userCustomMode >>> 0;
      c.standardMode = standardMode(s.mainMode, s.subMode) as common.MavStandardMode;
      return true;
    },
  },
  {
    // safe_return after PX4's rtl_time_estimator, simplified: 0 on the ground; in the air the climb
    // to the return altitude (none within RTL_MIN_DIST of home; RTL_CONE_ANG's cone beyond), the
    // way home at MPC_XY_CRUISE and the descent at MPC_Z_V_AUTO_DN, times RTL_TIME_FACTOR plus
    // RTL_TIME_MARGIN. PX4 leaves the other targets unknown (-1) outside a mission.
    name: 'TIME_ESTIMATE_TO_TARGET',
    msgid: TimeEstimateToTarget.MSG_ID,
    create: () => new TimeEstimateToTarget(),
    fill(m, { state: s, params }) {
      const t = m as TimeEstimateToTarget;
      t.safeReturn = s.landedState === MAV_LANDED_STATE_ON_GROUND ? 0 : floor(rtlTimeS(s, params));
      t.land = -1;
      t.missionNextItem = -1;
      t.missionEnd = -1;
      t.commandedAction = -1;
      return true;
    },
  },
];

function rtlTimeS(s: VehicleState, params: Parameters<typeof paramOr>[0]): number {
  const p = (name: string, fallback: number) => paramOr(params, name, fallback);
  const dist = distanceM(s.global.lat, s.global.lon, s.home.lat, s.home.lon);
  const height = s.global.relativeAlt;
  const coneDeg = p('RTL_CONE_ANG', 45);
  let returnAlt = height;
  if (dist > p('RTL_MIN_DIST', 10)) {
    const cone = coneDeg > 0 ? dist / tan((coneDeg * PI) / 180) : Infinity;
    returnAlt = max(height, min(p('RTL_RETURN_ALT', 30), max(p('RTL_DESCEND_ALT', 10), cone)));
  }
  const landDelay = max(0, p('RTL_LAND_DELAY', 0));
  const seconds = (returnAlt - height) / p('MPC_Z_V_AUTO_UP', 3) + dist / p('MPC_XY_CRUISE', 5) + returnAlt / p('MPC_Z_V_AUTO_DN', 1.5) + landDelay;
  return max(0, seconds) * p('RTL_TIME_FACTOR', 1.1) + p('RTL_TIME_MARGIN', 100);
}
