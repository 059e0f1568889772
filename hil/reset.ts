import { CommandDenied } from '../src/vehicle/errors.js';
import { MavlinkPilot } from '../src/vehicle/mavlink-pilot.js';
import type { MissionTransfer, PlanType } from '../src/vehicle/mission-transfer.js';
import type { Pilot } from '../src/vehicle/pilot.js';
import type { Telemetry } from '../src/vehicle/telemetry.js';
import type { Vehicle } from '../src/vehicle/vehicle.js';
import { waitFor } from '../src/vehicle/wait.js';

export interface LandResetOptions {
  /** Land/RTL must finish within this much vehicle time. Default 120 s. */
  landTimeout?: string | number;
  /** Further than this from home (m, horizontally) the vehicle returns home instead of landing in place. */
  returnHomeBeyondM?: number;
  /**
   * Sends the reset's commands (land, RTL, disarm, Hold). Default: the vehicle's pilot. The targets
   * pass a pilot of their own so that housekeeping commands are not counted among the test's
   * command-to-ack samples (the sim target's reset sends none either).
   */
  pilot?: Pilot;
}

function airborne(t: Telemetry): boolean {
  const s = t.landedState;
  if (s === 'IN_AIR' || s === 'TAKEOFF' || s === 'LANDING') return true;
  return s === 'UNDEFINED' && (t.altitude ?? 0) > 0.5;
}

/**
 * A reset for a vehicle that cannot be teleported (a real rig, a PX4 process): stop our setpoint
 * stream, come down (RTL when far from home so the next test starts there, else land in place),
 * see it disarm (PX4 auto-disarms COM_DISARM_LAND after landing; a vehicle armed on the ground is
 * disarmed), then switch to Hold — after a disarm PX4 goes back to the last user mode, and in
 * OFFBOARD without setpoints it refuses to arm. Every step is seen in telemetry, never assumed.
 */
export async function landDisarmHold(vehicle: Vehicle, opts: LandResetOptions = {}): Promise<string[]> {
  const { telemetry: t, name } = vehicle;
  const pilot = opts.pilot ?? vehicle.pilot;
  const notes: string[] = [];
  // The scenario's setpoint stream runs in the vehicle's own pilot.
  await vehicle.pilot.stopOffboard();
  if (t.armed && airborne(t)) {
    const home = t.home;
    const p = t.localPosition;
    const far = home !== null && p !== null && Math.hypot(p.north - home.north, p.east - home.east) > (opts.returnHomeBeyondM ?? 2);
    if (far) {
      await pilot.returnToLaunch();
      notes.push('airborne away from home: RTL');
    } else if (t.landedState !== 'LANDING') {
      await pilot.land();
      notes.push('airborne: land');
    }
    await waitFor(t, (x) => x.landedState === 'ON_GROUND' || (!x.armed && !airborne(x)), {
      timeout: opts.landTimeout ?? '120s',
      clock: 'vehicle',
      what: `${name} on the ground after ${far ? 'RTL' : 'land'}`,
      describe: (x) => `altitude ${x.altitude?.toFixed(2) ?? '?'} m, landed state ${x.landedState}, mode ${x.modeName ?? '?'}`,
    });
  }
  if (t.armed) {
    try {
      await waitFor(t, (x) => !x.armed, { timeout: '4s', clock: 'vehicle', what: `${name} auto-disarm after landing` });
      notes.push('auto-disarmed');
    } catch {
      await pilot.disarm();
      notes.push('disarmed');
      await waitFor(t, (x) => !x.armed, { timeout: '5s', clock: 'vehicle', what: `${name} disarmed` });
    }
  }
  if (t.modeName !== 'Hold') {
    try {
      await pilot.hold();
      await waitFor(t, (x) => x.modeName === 'Hold', { timeout: '5s', clock: 'vehicle', what: `${name} in Hold` });
      notes.push('switched to Hold');
    } catch (err) {
      // Hold needs a global position (a bench rig indoors may have none): leaving OFFBOARD is what matters.
      if (!(err instanceof CommandDenied) || t.modeName === 'Offboard') throw err;
      notes.push(`Hold refused (${err.message}); staying in ${t.modeName}`);
    }
  }
  notes.push(...(await clearStoredPlans(vehicle, pilot instanceof MavlinkPilot ? pilot.missions : housekeepingPilot(vehicle).missions)));
  return notes;
}

/**
 * Clears the mission, geofence and rally points a test left on the vehicle (PX4 keeps them across
 * arming and modes: a fence from one test would refuse the next one's mission). Only what
 * MISSION_CURRENT shows stored; nothing on a vehicle that never sent MISSION_CURRENT.
 */
export async function clearStoredPlans(vehicle: Vehicle, transfer: MissionTransfer): Promise<string[]> {
  const m = vehicle.telemetry.mission;
  if (!m) return [];
  const stored: PlanType[] = [];
  if (m.total > 0) stored.push('mission');
  if (m.fenceId !== 0) stored.push('fence');
  if (m.rallyId !== 0) stored.push('rally');
  for (const type of stored) await transfer.clear(type);
  if (stored.length > 0) vehicle.telemetry.resetMissionItemsReached();
  return stored.length > 0 ? [`cleared ${stored.join(', ')}`] : [];
}

const housekeeping = new WeakMap<Vehicle, MavlinkPilot>();

/** A second pilot on the vehicle's link for the stack's own commands (reset), unmeasured and unguarded: it only lands, disarms and holds. */
export function housekeepingPilot(v: Vehicle, targetCompId = 1): MavlinkPilot {
  let p = housekeeping.get(v);
  if (!p) housekeeping.set(v, (p = new MavlinkPilot(v.link, v.telemetry, { sysId: v.sysId, targetCompId })));
  return p;
}
