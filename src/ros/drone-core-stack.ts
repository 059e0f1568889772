import { TargetUnavailable, type Stack } from '../targets/target.js';
import type { Vehicle } from '../vehicle/vehicle.js';
import { rosUnavailableReason, type AvailabilityProbe } from './availability.js';
import { DroneCorePilot, type DroneCorePilotOptions } from './drone-core-pilot.js';
import { RosSession, type RosSessionOptions } from './session.js';

/**
 * Flying a stack's vehicles through drone_core: whether it can be done here (a one-line reason
 * when not, for a skip that says why), and a ROS 2 session on the stack's DDS domain with one
 * DroneCorePilot per vehicle.
 */

export interface DroneCoreWhere extends AvailabilityProbe {
  /** The target the file runs on (FLIGHT_TARGET, else 'sim'). */
  target: string;
}

/**
 * Null when drone_core can be flown here; otherwise why not, in one line. drone_core talks to PX4
 * over XRCE-DDS, so it needs ROS 2 here and a target that runs PX4 with the agent and drone_core:
 * containers with FLIGHT_STACK=px4 (or a compose file that has them), native with them running
 * beside it, or a hil rig.
 */
export function droneCoreUnavailableReason(where: DroneCoreWhere): string | null {
  const env = where.env ?? process.env;
  const ros = rosUnavailableReason({ env, ...(where.resolve ? { resolve: where.resolve } : {}) });
  if (ros) return ros;
  if (where.target === 'sim') {
    return 'needs drone_core, which reaches PX4 over XRCE-DDS; the built-in simulator speaks MAVLink only: run with --target containers and FLIGHT_STACK=px4, or on a hil rig';
  }
  if (where.target === 'containers' && (env.FLIGHT_STACK ?? 'sim') === 'sim') {
    return 'the containers target runs the sim image (FLIGHT_STACK unset or sim), which has no drone_core: set FLIGHT_STACK=px4 (or compose:<file> with drone_core)';
  }
  return null;
}

/**
 * Null when the running stack has drone_core; otherwise why not (a stack that starts drone_core
 * only when its image is there says so in `info.droneCore`: "absent: <why>").
 */
export function droneCoreStackReason(stack: Stack): string | null {
  const state = stack.info.droneCore;
  return state?.startsWith('absent: ') ? state.slice('absent: '.length) : null;
}

/** The stack's DDS domain: what the target reports (containers: one per stack), else ROS_DOMAIN_ID, else 0. */
export function stackDomainId(stack: Stack, env: NodeJS.ProcessEnv = process.env): number {
  const raw = stack.info.rosDomainId ?? env.ROS_DOMAIN_ID ?? '0';
  const id = Number(raw);
  if (!Number.isInteger(id) || id < 0 || id > 232) throw new RangeError(`ROS 2 domain id of the ${stack.target} stack: must be an integer 0..232, got ${raw}`);
  return id;
}

export interface DroneCoreStack {
  session: RosSession;
  /** One per vehicle, in the stack's order; drone name = the vehicle's name (drone_core's drone_name). */
  pilots: DroneCorePilot[];
  pilot(vehicle: Vehicle): DroneCorePilot;
  close(): Promise<void>;
}

/** Opens a ROS 2 session on the stack's domain and a DroneCorePilot per vehicle (the vehicle's MAVLink pilot underneath). */
export async function openDroneCore(
  stack: Stack,
  opts: { session?: Omit<RosSessionOptions, 'domainId'>; pilot?: Omit<DroneCorePilotOptions, 'drone' | 'session' | 'telemetry' | 'mavlink'> } = {},
): Promise<DroneCoreStack> {
  const absent = droneCoreStackReason(stack);
  if (absent) throw new TargetUnavailable(`drone_core: ${absent}`);
  const session = await RosSession.open({ ...opts.session, domainId: stackDomainId(stack, opts.session?.env) });
  const pilots = stack.vehicles.map((v) => new DroneCorePilot({ ...opts.pilot, drone: v.name, session, telemetry: v.telemetry, mavlink: v.pilot }));
  return {
    session,
    pilots,
    pilot(vehicle) {
      const i = stack.vehicles.indexOf(vehicle);
      if (i < 0) throw new RangeError(`openDroneCore: ${vehicle.name} is not a vehicle of this stack`);
      return pilots[i]!;
    },
    async close() {
      for (const p of pilots) await p.close();
      await session.close();
    },
  };
}
