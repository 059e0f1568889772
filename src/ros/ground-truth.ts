import { common } from 'node-mavlink';
import { fromLatLonE7, type HomeAnchor } from '../vehicle/mission-plan.js';
import type { WireItem } from '../vehicle/mission-transfer.js';
import type { Telemetry } from '../vehicle/telemetry.js';
import type { NedPoint } from '../vehicle/frame.js';
import { formatValue } from '../vehicle/wait.js';
import { WAYPOINT_FRAME, modeToNavState, type Waypoint } from './drone-core-interface.js';

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

function distance(t: Telemetry, p: NedPoint): number | null {
  const l = t.localPosition;
  return l ? Math.hypot(l.north - p.north, l.east - p.east, l.down - p.down) : null;
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

// ---- missions ------------------------------------------------------------------------------------

function missionOf(t: Telemetry): string {
  const m = t.mission;
  return m ? `MISSION_CURRENT shows item ${m.seq} of ${m.total}` : 'no MISSION_CURRENT received';
}

/** MISSION_CURRENT shows item `seq` as the current one. */
export function expectMissionItem(seq: number): Expectation {
  return {
    expected: `MISSION_CURRENT item ${seq}`,
    holds: (t) => t.mission?.seq === seq,
    observed: (t) => `PX4 did not take item ${seq} as current: ${missionOf(t)}`,
  };
}

/**
 * The HEARTBEAT shows Mission and, when started from an item, MISSION_CURRENT is at it or past it
 * (in flight PX4 may already have moved on when the 1 Hz HEARTBEAT shows the mode).
 */
export function expectMissionStarted(from: string | null, fromItem?: number): Expectation {
  const mode = expectMode('Mission', from);
  const atItem = (t: Telemetry) => fromItem === undefined || (t.mission !== null && t.mission.seq >= fromItem);
  return {
    expected: fromItem === undefined ? 'mode Mission' : `mode Mission from item ${fromItem}`,
    holds: (t) => t.modeName === 'Mission' && atItem(t),
    observed: (t) => (t.modeName === 'Mission' ? `PX4 flies the mission from the wrong item: ${missionOf(t)}` : `${mode.observed(t)}, ${missionOf(t)}`),
  };
}

/**
 * MISSION_CURRENT says no mission (total 0), in a MISSION_CURRENT that arrived after `sinceHostMs`
 * (host clock): an older one may predate an upload the vehicle has since taken.
 */
export function expectMissionCleared(sinceHostMs: number): Expectation {
  return {
    expected: 'MISSION_CURRENT with no mission (total 0)',
    holds: (t) => t.mission !== null && t.mission.hostMs >= sinceHostMs && t.mission.total === 0,
    observed: (t) => {
      const m = t.mission;
      if (!m || m.hostMs < sinceHostMs) return 'no MISSION_CURRENT arrived since the call';
      return `PX4 still has a mission: ${missionOf(t)}`;
    },
  };
}

const cmdName = (command: number) => {
  const n = (common.MavCmd as unknown as Record<number, string>)[command];
  return n ?? `MAV_CMD ${command}`;
};
const GLOBAL_AMSL = new Set([0, 5]);
const GLOBAL_RELATIVE = new Set([3, 6]);
const CMD = { NAV_WAYPOINT: 16, NAV_LOITER_TIME: 19, NAV_LAND: 21, NAV_TAKEOFF: 22 } as const;

/**
 * How the vehicle's stored mission (MISSION_ITEM_INTs downloaded over MAVLink) differs from the
 * waypoints sent to drone_core, or null when it matches: count, commands, and where an item has a
 * position, north/east and altitude above home (through the same home) within `toleranceM`, and
 * hold / loiter times. The differences are listed (at most `max`), each naming the item.
 */
export function missionDifference(sent: readonly Waypoint[], stored: readonly WireItem[], home: HomeAnchor, toleranceM: number, max = 3): string | null {
  const diffs: string[] = [];
  const n = Math.min(sent.length, stored.length);
  for (let i = 0; i < n; i++) {
    const w = sent[i]!;
    const s = stored[i]!;
    if (w.command !== s.command) {
      diffs.push(`item ${i} is ${cmdName(s.command)}, not ${cmdName(w.command)}`);
      continue;
    }
    if (w.frame === WAYPOINT_FRAME.GLOBAL && w.command !== 20) {
      const amsl = GLOBAL_AMSL.has(s.frame);
      if (!amsl && !GLOBAL_RELATIVE.has(s.frame)) {
        diffs.push(`item ${i} (${cmdName(w.command)}) is stored in frame ${s.frame}, not a global frame`);
        continue;
      }
      const landHere = w.command === CMD.NAV_LAND && w.latitude === 0 && w.longitude === 0;
      // PX4 takes off where the vehicle stands: a takeoff item's latitude/longitude are not flown.
      if (w.command !== CMD.NAV_TAKEOFF && !landHere) {
        const want = fromLatLonE7(home, Math.round(w.latitude * 1e7), Math.round(w.longitude * 1e7));
        const got = fromLatLonE7(home, s.x, s.y);
        const d = Math.hypot(got.north - want.north, got.east - want.east);
        if (!(d <= toleranceM)) {
          diffs.push(`item ${i} (${cmdName(w.command)}) is at north ${formatValue(got.north, 'm')}, east ${formatValue(got.east, 'm')}, not ${formatValue(want.north, 'm')}, ${formatValue(want.east, 'm')} (${formatValue(d, 'm')} apart)`);
        }
      }
      // A landing's altitude is not flown either.
      if (w.command !== CMD.NAV_LAND) {
        const want = w.altitude - home.alt;
        const got = amsl ? s.z - home.alt : s.z;
        if (!(Math.abs(got - want) <= toleranceM)) diffs.push(`item ${i} (${cmdName(w.command)}) is at ${formatValue(got, 'm')} above home, not ${formatValue(want, 'm')}`);
      }
    }
    if ((w.command === CMD.NAV_WAYPOINT || w.command === CMD.NAV_LOITER_TIME) && !(Math.abs(s.param1 - w.hold_time) <= 1e-3)) {
      diffs.push(`item ${i} (${cmdName(w.command)}) ${w.command === CMD.NAV_WAYPOINT ? 'holds' : 'loiters'} ${formatValue(s.param1, 's')}, not ${formatValue(w.hold_time, 's')}`);
    }
  }
  for (let i = n; i < sent.length; i++) diffs.push(`item ${i} (${cmdName(sent[i]!.command)}) is missing`);
  for (let i = n; i < stored.length; i++) diffs.push(`item ${i} (${cmdName(stored[i]!.command)}) was not sent`);
  if (diffs.length === 0) return null;
  if (stored.length === 0) return `PX4 stores no mission (0 items), not the ${sent.length} sent`;
  const count = sent.length === stored.length ? `PX4 stores a different mission` : `PX4 stores ${stored.length} item${stored.length === 1 ? '' : 's'}, not the ${sent.length} sent`;
  const shown = diffs.slice(0, max).join('; ') + (diffs.length > max ? `; and ${diffs.length - max} more difference${diffs.length - max === 1 ? '' : 's'}` : '');
  return `${count}: ${shown}`;
}
