/**
 * The stick-driven flight tasks: Position mode (FlightTaskManualAcceleration, with ManualTrajectory
 * as its reference) and Altitude (FlightTaskManualAltitude; Stabilized, Manual and Acro are
 * modelled as it). Each fills trajectory_setpoint and says whether it wants a takeoff.
 */
import { G, type Multicopter, type Setpoint } from './dynamics.js';
import type { ManualTrajectory } from './manual-trajectory.js';

const DEG = Math.PI / 180;
/** stick deflection below which a stick counts as centred */
const DEADZONE = 0.05;

/** manual_control_setpoint: x forward, y right, r yaw in -1..1; z throttle 0..1 (0.5 centred) */
export interface Sticks { x: number; y: number; z: number; r: number }
export interface HoldPoint { x: number; y: number; z: number }

/** Position mode: the hold point follows the sticks; `flying`: the takeoff ramp has started. Returns want-takeoff. */
export function flightTaskManualPosition(dt: number, p: Record<string, number>, b: Multicopter, m: Readonly<Sticks>,
  t: HoldPoint, tr: ManualTrajectory, flying: boolean, sp: Setpoint): boolean {
  const accUp = p.MPC_ACC_UP_MAX!, accDn = p.MPC_ACC_DOWN_MAX!;
  if (Math.abs(m.x) > DEADZONE || Math.abs(m.y) > DEADZONE || Math.abs(m.z - 0.5) > DEADZONE) {
    // sticks: velocity in the heading frame
    const c = Math.cos(b.yaw), s = Math.sin(b.yaw);
    const fwd = m.x * p.MPC_VEL_MANUAL!, right = m.y * p.MPC_VEL_MANUAL!;
    const vz = m.z > 0.5 ? -(m.z - 0.5) * 2 * p.MPC_Z_VEL_MAX_UP! : (0.5 - m.z) * 2 * p.MPC_Z_VEL_MAX_DN!;
    tr.step(dt, tr.px + (c * fwd - s * right) * 10, tr.py + (s * fwd + c * right) * 10, NaN, vz,
      Math.hypot(fwd, right), p.MPC_Z_VEL_MAX_UP!, p.MPC_Z_VEL_MAX_DN!, p.MPC_ACC_HOR_MAX!, accUp, accDn);
    t.x = tr.px; t.y = tr.py; t.z = tr.pz;
  } else if (!flying) {
    tr.reset(b.epx, b.epy, b.epz, 0, 0, 0);
    t.x = b.epx; t.y = b.epy; t.z = b.epz;
  } else {
    tr.step(dt, t.x, t.y, t.z, NaN, p.MPC_VEL_MANUAL!, p.MPC_Z_V_AUTO_UP!, p.MPC_Z_V_AUTO_DN!, p.MPC_ACC_HOR!, accUp, accDn);
  }
  sp.px = tr.px; sp.py = tr.py; sp.pz = tr.pz;
  sp.vx = tr.vx; sp.vy = tr.vy; sp.vz = tr.vz;
  sp.ax = tr.ax; sp.ay = tr.ay; sp.az = tr.az;
  return t.z < b.epz - 0.2;
}

/** Altitude: sticks tilt, the altitude is held; `m` null without manual control (sticks centred). Returns want-takeoff. */
export function flightTaskManualAltitude(p: Record<string, number>, b: Multicopter, m: Readonly<Sticks> | null, t: HoldPoint, sp: Setpoint): boolean {
  const tiltMax = p.MPC_TILTMAX_AIR! * DEG;
  const c = Math.cos(b.yaw), s = Math.sin(b.yaw);
  const fwd = m ? m.x * G * Math.tan(tiltMax) : 0;
  const right = m ? m.y * G * Math.tan(tiltMax) : 0;
  sp.ax = c * fwd - s * right;
  sp.ay = s * fwd + c * right;
  const zs = m ? m.z - 0.5 : 0;
  if (Math.abs(zs) > DEADZONE) {
    sp.vz = zs > 0 ? -zs * 2 * p.MPC_Z_VEL_MAX_UP! : -zs * 2 * p.MPC_Z_VEL_MAX_DN!;
    t.z = b.epz;
  } else {
    sp.pz = t.z;
  }
  return (Number.isFinite(sp.vz) && sp.vz < -0.3) || t.z < b.epz - 0.2;
}
