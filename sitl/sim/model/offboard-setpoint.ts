/**
 * mavlink_receiver's handle_message_set_position_target_local_ned: SET_POSITION_TARGET_LOCAL_NED
 * into trajectory_setpoint (local NED; body frames rotated by the heading, offset frames added to
 * the estimate) and offboard_control_mode (which setpoint types are set).
 */
import { wrapPi, type Multicopter } from './dynamics.js';
import type { OffboardControlMode } from './commander/failsafe-flags.js';
import type { OffboardSetpoint, PositionTargetLocalNed } from './types.js';

/** MAV_FRAME_LOCAL_NED 1, LOCAL_OFFSET_NED 7, BODY_NED 8, BODY_OFFSET_NED 9: the frames PX4 takes */
export function offboardFrameSupported(f: number): boolean {
  return f === 1 || f === 7 || f === 8 || f === 9;
}

export function newOffboardSetpoint(): OffboardSetpoint {
  return {
    timeUs: 0, position: { x: NaN, y: NaN, z: NaN }, velocity: { x: NaN, y: NaN, z: NaN },
    acceleration: { x: NaN, y: NaN, z: NaN }, yaw: NaN, yawRate: NaN,
  };
}

/** Fills `sp` and `ocm` from `m` (a supported frame) received at `nowUs`; ignored fields are NaN. */
export function handleSetPositionTargetLocalNed(m: PositionTargetLocalNed, b: Multicopter, nowUs: number, sp: OffboardSetpoint, ocm: OffboardControlMode): void {
  const f = m.coordinateFrame;
  const mask = m.typeMask;
  const px = mask & 1 ? NaN : m.x, py = mask & 2 ? NaN : m.y, pz = mask & 4 ? NaN : m.z;
  let vx = mask & 8 ? NaN : m.vx, vy = mask & 16 ? NaN : m.vy;
  const vz = mask & 32 ? NaN : m.vz;
  let ax = mask & 64 ? NaN : m.afx, ay = mask & 128 ? NaN : m.afy;
  const az = mask & 256 ? NaN : m.afz;
  const yaw = mask & 1024 ? NaN : m.yaw;
  const yawRate = mask & 2048 ? NaN : m.yawRate;
  let x = px, y = py, z = pz;
  if (f === 8 || f === 9) {
    const c = Math.cos(b.yaw), s = Math.sin(b.yaw);
    [vx, vy] = [c * vx - s * vy, s * vx + c * vy];
    [ax, ay] = [c * ax - s * ay, s * ax + c * ay];
    if (f === 9) [x, y] = [c * px - s * py, s * px + c * py];
  }
  if (f === 7 || f === 9) { x += b.epx; y += b.epy; z += b.epz; }
  sp.timeUs = nowUs;
  sp.position.x = x; sp.position.y = y; sp.position.z = z;
  sp.velocity.x = vx; sp.velocity.y = vy; sp.velocity.z = vz;
  sp.acceleration.x = ax; sp.acceleration.y = ay; sp.acceleration.z = az;
  sp.yaw = Number.isFinite(yaw) ? wrapPi(yaw) : NaN;
  sp.yawRate = yawRate;
  ocm.position = !(Number.isNaN(x) && Number.isNaN(y) && Number.isNaN(z));
  ocm.velocity = !(Number.isNaN(vx) && Number.isNaN(vy) && Number.isNaN(vz));
  ocm.acceleration = !(Number.isNaN(ax) && Number.isNaN(ay) && Number.isNaN(az));
}
