import { common } from 'node-mavlink';
import type { Pilot, Setpoint } from '../src/vehicle/pilot.js';
import { px4ModeByName, type Px4ModeName } from '../src/vehicle/px4-modes.js';
import type { RigConfig } from './rig-config.js';

/** What a rig may do, from its file. */
export interface SafetyPolicy {
  rig: string;
  file: string;
  armingAllowed: boolean;
  propellersRemoved: boolean;
  geofence?: { north: [number, number]; east: [number, number]; maxAltitude: number };
}

export function safetyPolicyOf(rig: RigConfig): SafetyPolicy {
  return {
    rig: rig.name,
    file: rig.file,
    armingAllowed: rig.safety.armingAllowed,
    propellersRemoved: rig.safety.propellersRemoved,
    ...(rig.safety.geofence ? { geofence: rig.safety.geofence } : {}),
  };
}

/** Thrown before anything is sent: the rig file does not allow what was asked. */
export class RigSafetyRefusal extends Error {
  override name = 'RigSafetyRefusal';
  constructor(
    readonly rig: string,
    readonly action: string,
    readonly reason: string,
  ) {
    super(`rig "${rig}" refuses ${action}: ${reason} (nothing was sent to the vehicle)`);
  }
}

const MAIN_OFFBOARD = 6;
const MAIN_AUTO = 4;
const SUB_TAKEOFF = 2;
const SUB_MISSION = 4;

/**
 * Wraps a pilot so that on a rig that does not allow it, arming, taking off, entering offboard or
 * starting a mission fail before any byte goes out, and setpoints outside the rig's geofence box
 * are refused. Everything else (land, hold, RTL, disarm, parameters) passes: those make a vehicle
 * safer. Other members of the wrapped pilot (e.g. MavlinkPilot.streamer) pass through, and its raw
 * `command()` is checked by command id so it cannot be used to get around the guard.
 */
export function guardPilot<P extends Pilot>(pilot: P, policy: SafetyPolicy): P {
  const noArming = (action: string): void => {
    if (!policy.armingAllowed) throw new RigSafetyRefusal(policy.rig, action, `safety.armingAllowed is false in ${policy.file}`);
  };
  const inFence = (action: string, north: number, east: number, down: number): void => {
    const f = policy.geofence;
    if (!f) return;
    const alt = -down;
    if (north < f.north[0] || north > f.north[1] || east < f.east[0] || east > f.east[1] || alt > f.maxAltitude) {
      throw new RigSafetyRefusal(
        policy.rig,
        action,
        `target N ${north.toFixed(2)} E ${east.toFixed(2)} alt ${alt.toFixed(2)} m is outside safety.geofence (north ${f.north.join('…')}, east ${f.east.join('…')}, altitude ≤ ${f.maxAltitude}) in ${policy.file}`,
      );
    }
  };
  const checkSetpoint = (action: string, sp: Setpoint | undefined): void => {
    if (sp?.type === 'position') inFence(action, sp.north, sp.east, sp.down);
  };
  const checkMode = (action: string, name: Px4ModeName): void => {
    const { main, sub } = px4ModeByName(name);
    if (main === MAIN_OFFBOARD) noArming(`${action} (Offboard)`);
    if (main === MAIN_AUTO && (sub === SUB_TAKEOFF || sub === SUB_MISSION)) noArming(`${action} (${name})`);
  };
  const checkCommand = (command: number, params: number[] = []): void => {
    const C = common.MavCmd;
    if (command === C.COMPONENT_ARM_DISARM && params[0] === 1) noArming('MAV_CMD_COMPONENT_ARM_DISARM (arm)');
    if (command === C.NAV_TAKEOFF) noArming('MAV_CMD_NAV_TAKEOFF');
    if (command === C.MISSION_START) noArming('MAV_CMD_MISSION_START');
    if (command === C.DO_SET_MODE) {
      if (params[1] === MAIN_OFFBOARD) noArming('MAV_CMD_DO_SET_MODE (Offboard)');
      if (params[1] === MAIN_AUTO && (params[2] === SUB_TAKEOFF || params[2] === SUB_MISSION)) noArming('MAV_CMD_DO_SET_MODE (Takeoff/Mission)');
    }
  };
  const f = policy.geofence;

  const guards: Record<string, (...args: never[]) => void> = {
    arm: () => noArming('arm'),
    takeoff: (altitudeM?: number) => {
      noArming('takeoff');
      if (f && altitudeM !== undefined && altitudeM > f.maxAltitude) {
        throw new RigSafetyRefusal(policy.rig, 'takeoff', `${altitudeM} m is above safety.geofence.maxAltitude ${f.maxAltitude} m in ${policy.file}`);
      }
    },
    startOffboard: (initial?: Setpoint) => {
      noArming('offboard');
      checkSetpoint('offboard', initial);
    },
    setMode: (name: Px4ModeName) => checkMode('setMode', name),
    setSetpoint: (sp: Setpoint) => checkSetpoint('setSetpoint', sp),
    goTo: (north: number, east: number, down: number) => inFence('goTo', north, east, down),
    command: (command: number, params?: number[]) => checkCommand(command, params),
  };

  return new Proxy(pilot, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const guard = typeof prop === 'string' ? guards[prop] : undefined;
      // setSetpoint is synchronous on the Pilot interface; the others return promises.
      if (prop === 'setSetpoint') {
        return (...args: unknown[]) => {
          guard!(...(args as never[]));
          return value.apply(target, args);
        };
      }
      if (!guard) return value.bind(target);
      return (...args: unknown[]) => {
        try {
          guard(...(args as never[]));
        } catch (err) {
          return Promise.reject(err);
        }
        return value.apply(target, args);
      };
    },
  });
}

/** One line for reports: what the rig may do. */
export function describeSafety(policy: SafetyPolicy): string {
  const f = policy.geofence;
  return [
    policy.armingAllowed ? 'arming allowed' : 'arming NOT allowed',
    policy.propellersRemoved ? 'propellers removed' : 'propellers ON',
    f ? `geofence N ${f.north.join('…')} E ${f.east.join('…')} alt ≤ ${f.maxAltitude} m` : 'no geofence box',
  ].join(', ');
}
