import type { Link } from '../mavlink/link.js';
import { FaultyTransport } from '../mavlink/transports/faults.js';
import { VehicleClockRate } from './clock-rate.js';
import { MavlinkPilot, type MavlinkPilotOptions } from './mavlink-pilot.js';
import type { Pilot } from './pilot.js';
import { Telemetry, type TelemetryOptions } from './telemetry.js';

/** One vehicle of a stack: ground truth over MAVLink, a pilot to fly it, optional detections. */
export interface Vehicle<D = unknown> {
  /** Its name in the stack, e.g. 'drone1': in phase names, the report and messages. */
  name: string;
  /** Its MAVLink system id. */
  sysId: number;
  /** The MAVLink link to it (counters, `cut`, LinkLost). */
  link: Link;
  /** Its state and time series, from PX4's own telemetry. */
  telemetry: Telemetry;
  /** What flies it: commands, setpoints, missions, parameters. */
  pilot: Pilot;
  /** The detection source (sim detector model or a ROS 2 topic), when the stack has one. */
  detections?: D;
  /**
   * The autopilot is a simulator sharing its clock with the test (the built-in simulator): what
   * it answers takes simulated time, so 'system'-clock budgets time it on the vehicle clock.
   */
  simulated?: boolean;
  /** Stops the pilot's streams and telemetry's listeners; the link stays open (its owner closes it). */
  close(): Promise<void>;
}

export interface CreateVehicleOptions extends Omit<MavlinkPilotOptions, 'sysId'> {
  sysId: number;
  name: string;
  telemetry?: Omit<TelemetryOptions, 'sysId'>;
  /** Another pilot (e.g. DroneCorePilot) built on this vehicle's telemetry; default MavlinkPilot. */
  pilot?: (telemetry: Telemetry) => Pilot;
  /** See Vehicle.simulated. */
  simulated?: boolean;
  /**
   * The fastest the vehicle clock can run against the host's (see VehicleClockRateOptions.maxRate):
   * a SITL's speed factor, 1 for real hardware; unset where it is unknown (speed 'max').
   */
  maxClockRate?: number;
}

export function createVehicle<D = unknown>(link: Link, opts: CreateVehicleOptions & { detections?: D }): Vehicle<D> {
  if (!opts.name) throw new RangeError('createVehicle: name: required');
  const telemetry = new Telemetry(link, { ...opts.telemetry, sysId: opts.sysId });
  // How fast the vehicle's clock runs, measured where something is timed with it: commands (unless
  // the target shares its clock), client-side link faults. It listens to every telemetry message.
  const faults = link.transport instanceof FaultyTransport ? link.transport : null;
  const clockRate = !opts.vehicleNow || faults ? new VehicleClockRate(telemetry, opts.maxClockRate !== undefined ? { maxRate: opts.maxClockRate } : {}) : null;
  const { name, sysId, pilot: makePilot, telemetry: _t, detections, simulated, maxClockRate: _m, ...pilotOpts } = opts;
  const pilot = makePilot
    ? makePilot(telemetry)
    : new MavlinkPilot(link, telemetry, { ...(clockRate ? { clockRate: () => clockRate.rate } : {}), ...pilotOpts, sysId });
  const stopHeartbeat = gcsHeartbeatOnVehicleClock(link, telemetry);
  // A radio's latency is the vehicle's to live with: faults applied here wait their delays out at
  // the vehicle clock's rate (the speed factor of a SITL run, 1 on real hardware).
  if (faults && clockRate) faults.useClock(clockRate.delays);
  const vehicle: Vehicle<D> = {
    name,
    sysId,
    link,
    telemetry,
    pilot,
    async close() {
      stopHeartbeat();
      clockRate?.close();
      await pilot.close();
      telemetry.detach();
    },
  };
  if (detections !== undefined) vehicle.detections = detections;
  if (simulated) vehicle.simulated = true;
  return vehicle;
}

/**
 * PX4 judges the GCS link by heartbeats per second of *its* clock (COM_DL_LOSS_T): under a speed
 * factor one host second is many vehicle seconds, so besides the link's host-clock heartbeat we
 * send one every vehicle second too.
 */
function gcsHeartbeatOnVehicleClock(link: Link, telemetry: Telemetry): () => void {
  let last: number | null = null;
  return telemetry.onUpdate(() => {
    const now = telemetry.vehicleTimeMs;
    if (now === null) return;
    if (last === null || now < last) last = now;
    else if (now - last >= 1000) {
      last = now;
      link.sendGcsHeartbeat();
    }
  });
}
