import { z } from 'zod';
import type { FailureUnitName } from '../vehicle/pilot.js';

/**
 * What a scenario needs of the stack it flies on, and what each target provides. A scenario file
 * declares its needs (`useFlight({ needs })`), a single test its own (`needs({...}, fn)`); every
 * target says what it provides here (`Target.capabilities()`). A need the target does not meet
 * skips the file or the test with the reason — never a failure, never a pass.
 */

/** MAV_CMD_INJECT_FAILURE units (FAILURE_UNIT without its prefix). */
export const FAILURE_UNITS = [
  'SENSOR_GYRO', 'SENSOR_ACCEL', 'SENSOR_MAG', 'SENSOR_BARO', 'SENSOR_GPS', 'SENSOR_OPTICAL_FLOW',
  'SENSOR_VIO', 'SENSOR_DISTANCE_SENSOR', 'SENSOR_AIRSPEED', 'SYSTEM_BATTERY', 'SYSTEM_MOTOR',
  'SYSTEM_SERVO', 'SYSTEM_AVOIDANCE', 'SYSTEM_RC_SIGNAL', 'SYSTEM_MAVLINK_SIGNAL',
] as const satisfies readonly FailureUnitName[];
// Every FailureUnitName is listed (a compile error otherwise).
const _allUnits: readonly (typeof FAILURE_UNITS)[number][] = [] as FailureUnitName[];
void _allUnits;

export const Needs = z
  .object({
    /** A detection source per vehicle: the simulator's detector, or DroneOS's /<drone>/detected_objects. */
    detections: z.boolean().optional(),
    /** Failure units MAV_CMD_INJECT_FAILURE must act on (e.g. ['SENSOR_GPS']). */
    failureInjection: z.array(z.enum(FAILURE_UNITS)).optional(),
    /** A ROS 2 session with the stack (PX4's uORB topics through the XRCE-DDS agent). */
    ros2: z.boolean().optional(),
    /** DroneOS's drone_core per vehicle, reached over ROS 2. */
    droneCore: z.boolean().optional(),
  })
  .strict();
export type Needs = z.input<typeof Needs>;
export type ParsedNeeds = z.output<typeof Needs>;

export class NeedsError extends TypeError {
  override name = 'NeedsError';
}

/** Validates needs; a bad one is a one-line error naming its path (`needs.failureInjection.0: …`). */
export function parseNeeds(input: unknown, where = 'needs'): ParsedNeeds {
  const r = Needs.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const detail = issue.code === 'unrecognized_keys' ? `unknown need ${issue.keys.map((k) => `"${k}"`).join(', ')} (expected ${Object.keys(Needs.shape).join(', ')})` : issue.message;
  throw new NeedsError(`${[where, ...issue.path].join('.')}: ${detail}`);
}

/** Provided, or not with the reason why. */
export type Provision = { readonly provided: true; readonly detail?: string } | { readonly provided: false; readonly why: string };

export const provided = (detail?: string): Provision => (detail ? { provided: true, detail } : { provided: true });
export const lacking = (why: string): Provision => ({ provided: false, why });

/** What a target (in its current preset, on this machine) provides to the scenarios flown on it. */
export interface Capabilities {
  /** The target as a skip reason names it, e.g. "native (PX4 SITL SIH)". */
  readonly label: string;
  readonly detections: Provision;
  /** Failure units MAV_CMD_INJECT_FAILURE acts on, and why no others (said when one is missing). */
  readonly failureInjection: { readonly units: readonly FailureUnitName[]; readonly why: string };
  readonly ros2: Provision;
  readonly droneCore: Provision;
  /** The most vehicles one stack can have (null: no limit of the target's own), and why. */
  readonly vehicles: { readonly max: number | null; readonly why?: string };
}

/**
 * Why `caps` cannot serve `needs` (every unmet need, one clause each, joined by "; "), or null
 * when it can. `vehicles` is the file's vehicle count.
 */
export function unmetNeeds(needs: ParsedNeeds, caps: Capabilities, vehicles = 1): string | null {
  const out: string[] = [];
  const max = caps.vehicles.max;
  if (max !== null && vehicles > max) out.push(`this scenario needs ${vehicles} vehicles; ${caps.label} gives at most ${max}${caps.vehicles.why ? `: ${caps.vehicles.why}` : ''}`);
  if (needs.detections && !caps.detections.provided) out.push(`${caps.label} provides no detections: ${caps.detections.why}`);
  const missing = (needs.failureInjection ?? []).filter((u) => !caps.failureInjection.units.includes(u));
  if (missing.length > 0) out.push(`${caps.label} cannot inject ${missing.join(', ')} failures: ${caps.failureInjection.why}`);
  if (needs.ros2 && !caps.ros2.provided) out.push(`${caps.label} has no ROS 2: ${caps.ros2.why}`);
  if (needs.droneCore && !caps.droneCore.provided) out.push(`${caps.label} runs no drone_core: ${caps.droneCore.why}`);
  return out.length > 0 ? out.join('; ') : null;
}

/** One line per capability, for `flightcheck targets` and the docs. */
export function describeCapabilities(caps: Capabilities): string[] {
  const yes = (p: Provision) => (p.provided ? `yes${p.detail ? ` (${p.detail})` : ''}` : `no — ${p.why}`);
  const units = caps.failureInjection.units;
  return [
    `detections: ${yes(caps.detections)}`,
    `failure injection: ${units.length > 0 ? units.join(', ') : 'none'} — ${caps.failureInjection.why}`,
    `ROS 2: ${yes(caps.ros2)}`,
    `drone_core: ${yes(caps.droneCore)}`,
    `vehicles: ${caps.vehicles.max === null ? 'up to 8 per file' : `at most ${caps.vehicles.max}`}${caps.vehicles.why ? ` (${caps.vehicles.why})` : ''}`,
  ];
}
