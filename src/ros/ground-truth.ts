import type { Telemetry } from '../vehicle/telemetry.js';
import { formatValue } from '../vehicle/wait.js';
import { modeToNavState } from './drone-core-interface.js';

/**
 * What a drone_core command must make PX4 do, as seen over MAVLink. Each expectation is built when
 * the command is issued (capturing the state it starts from) and then checked on every telemetry
 * update until it holds or its vehicle-clock wait runs out.
 */
export interface Expectation {
  /** e.g. 'armed', 'mode Offboard', 'a climb of 1 m'. */
  expected: string;
  holds(t: Telemetry): boolean;
  /** What PX4 did instead, e.g. 'PX4 stayed in Hold'. */
  observed(t: Telemetry): string;
}

/** 'Hold (AUTO_LOITER)': the QGroundControl name and the nav_state name drone_core users read in its logs. */
function modeOf(t: Telemetry): string {
  const name = t.modeName;
  if (name === null) return 'an unknown mode (no HEARTBEAT)';
  const nav = modeToNavState(name);
  return nav ? `${name} (${nav})` : name;
}
const armedOf = (t: Telemetry) => (t.armed ? 'armed' : 'disarmed');

export function expectArmed(): Expectation {
  return {
    expected: 'armed',
    holds: (t) => t.armed,
    observed: (t) => `PX4 stayed disarmed (in ${modeOf(t)})`,
  };
}

export function expectDisarmed(): Expectation {
  return {
    expected: 'disarmed',
    holds: (t) => t.mode !== null && !t.armed,
    observed: (t) => `PX4 stayed armed (in ${modeOf(t)}, ${t.landedState})`,
  };
}

/** The HEARTBEAT shows `mode` (`from` is the mode when the command was issued). */
export function expectMode(mode: string, from: string | null): Expectation {
  return {
    expected: `mode ${mode}`,
    holds: (t) => t.modeName === mode,
    observed: (t) => (t.modeName === from ? `PX4 stayed in ${modeOf(t)}` : `PX4 went to ${modeOf(t)} instead`) + ` (${armedOf(t)})`,
  };
}

/** Landing: PX4 in Land, or its land detector reporting LANDING. */
export function expectLanding(from: string | null): Expectation {
  const mode = expectMode('Land', from);
  return {
    expected: 'mode Land (or a landing in progress)',
    holds: (t) => t.modeName === 'Land' || t.landedState === 'LANDING',
    observed: (t) => `${mode.observed(t)}, ${t.landedState}`,
  };
}

/** Flight termination: PX4 in Termination, or disarmed. */
export function expectTerminated(): Expectation {
  return {
    expected: 'mode Termination or disarmed',
    holds: (t) => t.modeName === 'Termination' || (t.mode !== null && !t.armed),
    observed: (t) => `PX4 is still ${armedOf(t)} in ${modeOf(t)}`,
  };
}

/** A climb of at least `riseM` above the altitude when the command was issued. */
export function expectClimb(fromAltitude: number | null, riseM: number): Expectation {
  const base = fromAltitude ?? 0;
  return {
    expected: `a climb of ${formatValue(riseM, 'm')} (from ${formatValue(base, 'm')})`,
    holds: (t) => t.altitude !== null && t.altitude >= base + riseM,
    observed: (t) => `PX4 did not climb: altitude ${formatValue(t.altitude, 'm')} (was ${formatValue(base, 'm')}), ${modeOf(t)}, ${armedOf(t)}, ${t.landedState}`,
  };
}

export interface NedPoint {
  north: number;
  east: number;
  down: number;
}

function distance(t: Telemetry, p: NedPoint): number | null {
  const l = t.localPosition;
  return l ? Math.hypot(l.x - p.north, l.y - p.east, l.z - p.down) : null;
}

/**
 * Motion toward `target`: already within `toleranceM`, or the distance shrank by
 * min(`progressM`, half the starting distance) — a setpoint taken, not necessarily reached.
 */
export function expectMotionToward(target: NedPoint, from: NedPoint | null, toleranceM = 0.5, progressM = 1): Expectation {
  const d0 = from ? Math.hypot(from.north - target.north, from.east - target.east, from.down - target.down) : null;
  const needed = d0 === null ? Infinity : Math.max(toleranceM, d0 - Math.min(progressM, d0 / 2));
  const where = `(${formatValue(target.north)}, ${formatValue(target.east)}, ${formatValue(target.down)}) NED`;
  return {
    expected: `motion toward ${where}`,
    holds: (t) => {
      const d = distance(t, target);
      return d !== null && (d <= toleranceM || d <= needed);
    },
    observed: (t) => `PX4 did not move toward ${where}: distance ${formatValue(distance(t, target), 'm')} (was ${formatValue(d0, 'm')}), ${modeOf(t)}, ${armedOf(t)}`,
  };
}
