import type { MavLinkData } from 'node-mavlink';
import type { ParamStore, VehicleState } from '../model/types.js';

/** A link's traffic so far, for the streams that report on the link itself (LINK_NODE_STATUS). */
export interface LinkTraffic {
  bytesSent: number;
  bytesReceived: number;
  framesSent: number;
  framesReceived: number;
  /** Frames missing by sequence-number gaps. */
  framesLost: number;
  /** Bytes that could not be parsed as frames. */
  parseErrors: number;
}

/** What a stream filler needs besides the model's state. */
export interface StreamContext {
  /** Vehicle time, µs since boot (continues across a vehicle reset). */
  timeUs: number;
  state: VehicleState;
  params: ParamStore;
  link: LinkTraffic;
}

/**
 * One PX4 mavlink stream: a reusable message object and how to fill it. `fill` returns false when
 * there is nothing to send (e.g. HOME_POSITION before home is set), as PX4's streams do. The message
 * object is the stream's own on its link, so a filler may keep state in it (a sequence number).
 */
export interface StreamDef {
  name: string;
  msgid: number;
  create(): MavLinkData;
  fill(msg: MavLinkData, ctx: StreamContext): boolean;
}

// Module-scope copies: global lookups are slow inside vm contexts (Jest), and this runs per frame.
const { round, max, min, cos, sin, PI } = Math;
const isFinite = Number.isFinite;
export const RAD2DEG = 180 / PI;
export const INT16_MAX = 32767;
export const UINT16_MAX = 65535;

/**
 * node-mavlink types 64-bit fields as bigint; FrameWriter also takes plain numbers (exact below
 * 2^53), which saves a BigInt allocation per message on the hot path.
 */
export function u64(n: number): bigint {
  return n as unknown as bigint;
}

export function clampInt(v: number, lo: number, hi: number): number {
  if (!isFinite(v)) return 0;
  return max(lo, min(hi, round(v)));
}

export function deg1e7(v: number): number {
  return round(v * 1e7);
}

/** A parameter's value, or `fallback` where the store lacks it (a test's stand-in model). */
export function paramOr(params: ParamStore, name: string, fallback: number): number {
  return params.has(name) ? params.get(name) : fallback;
}

/**
 * The attitude as a quaternion and a rotation, computed once per attitude: several streams on
 * several links send the same step's attitude, and the trigonometry is most of their cost.
 */
export interface AttitudeFrame {
  /** Quaternion w, x, y, z (body to NED, ZYX Euler). */
  readonly q: readonly number[];
  /** Body-to-NED rotation, row-major. */
  readonly r: readonly number[];
}

const FRAME = { roll: NaN, pitch: NaN, yaw: NaN, q: [1, 0, 0, 0], r: [1, 0, 0, 0, 1, 0, 0, 0, 1] };

export function attitudeFrame(roll: number, pitch: number, yaw: number): AttitudeFrame {
  const f = FRAME;
  if (roll === f.roll && pitch === f.pitch && yaw === f.yaw) return f;
  f.roll = roll; f.pitch = pitch; f.yaw = yaw;
  const cr2 = cos(roll / 2), sr2 = sin(roll / 2);
  const cp2 = cos(pitch / 2), sp2 = sin(pitch / 2);
  const cy2 = cos(yaw / 2), sy2 = sin(yaw / 2);
  const q = f.q;
  q[0] = cr2 * cp2 * cy2 + sr2 * sp2 * sy2;
  q[1] = sr2 * cp2 * cy2 - cr2 * sp2 * sy2;
  q[2] = cr2 * sp2 * cy2 + sr2 * cp2 * sy2;
  q[3] = cr2 * cp2 * sy2 - sr2 * sp2 * cy2;
  const cr = cos(roll), sr = sin(roll), cp = cos(pitch), sp = sin(pitch), cy = cos(yaw), sy = sin(yaw);
  const r = f.r;
  r[0] = cp * cy; r[1] = sr * sp * cy - cr * sy; r[2] = cr * sp * cy + sr * sy;
  r[3] = cp * sy; r[4] = sr * sp * sy + cr * cy; r[5] = cr * sp * sy - sr * cy;
  r[6] = -sp; r[7] = sr * cp; r[8] = cr * cp;
  return f;
}

/** Copies a frame's quaternion into q[0..3]. */
export function copyQuat(f: AttitudeFrame, q: number[]): void {
  q[0] = f.q[0]!; q[1] = f.q[1]!; q[2] = f.q[2]!; q[3] = f.q[3]!;
}

/** NED vector → body frame (the rotation's transpose), into out. */
export function nedToBody(f: AttitudeFrame, n: number, e: number, d: number, out: number[]): void {
  const r = f.r;
  out[0] = r[0]! * n + r[3]! * e + r[6]! * d;
  out[1] = r[1]! * n + r[4]! * e + r[7]! * d;
  out[2] = r[2]! * n + r[5]! * e + r[8]! * d;
}

/** International Standard Atmosphere at an altitude AMSL (m): pressure (Pa) and temperature (°C), as PX4's baro simulation. */
export function isaPressurePa(altAmsl: number): number {
  return 101325 * (1 - 2.25577e-5 * altAmsl) ** 5.25588;
}

export function isaTemperatureC(altAmsl: number): number {
  return 15 - 0.0065 * altAmsl;
}
