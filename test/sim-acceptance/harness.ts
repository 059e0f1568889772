/**
 * Acceptance harness: the built-in simulator reached only as a PX4 SITL would be — the MAVLink
 * client over real UDP on 127.0.0.1. The world object is kept for closing it and, where a test
 * says so, for reading the model's own instant of an event to check a MAVLink-side measurement.
 */
import { common, minimal } from 'node-mavlink';
import { connect } from '../../src/mavlink/index.js';
import { startSim, type SimVehicleRuntime, type SimWorld, type Speed } from '../../sitl/sim/index.js';
import {
  MavlinkPilot,
  createVehicle,
  waitFor,
  type Telemetry,
  type Vehicle,
  type WaitOptions,
} from '../../src/vehicle/index.js';

/** The sim's fixed physics step (one PX4 control period in this model), ms of vehicle time. */
export const CONTROL_PERIOD_MS = 4;

export interface SimFlight {
  world: SimWorld;
  rt: SimVehicleRuntime;
  v: Vehicle;
  pilot: MavlinkPilot;
  telemetry: Telemetry;
  /** Latest vehicle time seen over MAVLink (throws before any). */
  now(): number;
  close(): Promise<void>;
}

export interface SimFlightOptions {
  instance: number;
  speed: Speed;
  params?: Record<string, number>;
  /** Client-side HEARTBEAT silence before LinkLost (host ms). */
  heartbeatTimeoutMs?: number;
}

/** Starts a one-vehicle world on `instance` and connects a MAVLink client to it over UDP. */
export async function startFlight(o: SimFlightOptions): Promise<SimFlight> {
  const world = await startSim({ instance: o.instance, speed: o.speed, camera: false, transport: 'udp', params: o.params ?? {} });
  const rt = world.vehicle(0);
  let link: Awaited<ReturnType<typeof connect>> | null = null;
  let v: Vehicle | null = null;
  try {
    link = await connect(rt.connection, { targetSysId: rt.sysId, heartbeatTimeoutMs: o.heartbeatTimeoutMs ?? 3000 });
    v = createVehicle(link, { sysId: rt.sysId, name: `sim${o.instance}` });
    const telemetry = v.telemetry;
    await waitFor(telemetry, (t) => t.mode !== null && t.localPosition !== null && t.home !== null, {
      timeout: '10s', clock: 'host', what: `instance ${o.instance}: first HEARTBEAT, position and home`,
    });
    const pilot = v.pilot;
    if (!(pilot instanceof MavlinkPilot)) throw new Error('expected the MAVLink pilot');
    const vehicle = v;
    const l = link;
    return {
      world, rt, v: vehicle, pilot, telemetry,
      now: () => {
        const t = telemetry.vehicleTimeMs;
        if (t === null) throw new Error('no vehicle time yet');
        return t;
      },
      async close() {
        await vehicle.close();
        await l.close();
        await world.close();
      },
    };
  } catch (err) {
    await v?.close();
    await link?.close();
    await world.close();
    throw err;
  }
}

/** MAV_CMD_SET_MESSAGE_INTERVAL: `msgid` every `intervalUs` of vehicle time on this link. */
export async function setMessageInterval(pilot: MavlinkPilot, msgid: number, intervalUs: number): Promise<void> {
  await pilot.command(common.MavCmd.SET_MESSAGE_INTERVAL, [msgid, intervalUs]);
}

/**
 * HEARTBEAT, LOCAL_POSITION_NED and EXTENDED_SYS_STATE every physics step: a mode, arming or
 * landed-state change is then bracketed by two vehicle-time stamps one control period apart.
 * (HEARTBEAT and EXTENDED_SYS_STATE carry no stamp; the position samples around them do.)
 */
export async function observeEveryStep(pilot: MavlinkPilot): Promise<void> {
  const us = CONTROL_PERIOD_MS * 1000;
  await setMessageInterval(pilot, minimal.Heartbeat.MSG_ID, us);
  await setMessageInterval(pilot, common.LocalPositionNed.MSG_ID, us);
  await setMessageInterval(pilot, common.ExtendedSysState.MSG_ID, us);
}

/**
 * When a change happened: the vehicle time of the step that made it lies in [fromMs, toMs] — the
 * last stamp before the change was seen and the first one after it.
 */
export interface Transition {
  fromMs: number;
  toMs: number;
}

/**
 * Waits until `predicate` turns true and brackets the instant on the vehicle clock. The predicate
 * must be false when called: a state that already holds has no observable instant. Listening
 * starts synchronously, so call it (without awaiting) before the command that causes the change.
 */
export async function transition(telemetry: Telemetry, predicate: (t: Telemetry) => boolean, opts: WaitOptions): Promise<Transition> {
  if (predicate(telemetry)) throw new Error(`transition: "${opts.what ?? 'condition'}" already holds`);
  let fromMs: number | null = null;
  let toMs: number | null = null;
  // The closing stamp is taken inside the update that carries it: a datagram holds several steps,
  // all applied before an awaiting caller runs again.
  const off = telemetry.onUpdate(() => {
    const vt = telemetry.vehicleTimeMs;
    if (fromMs !== null && toMs === null && vt !== null && vt > fromMs) toMs = vt;
  });
  try {
    await waitFor(
      telemetry,
      (t) => {
        if (!predicate(t)) return false;
        fromMs = t.vehicleTimeMs;
        return true;
      },
      opts,
    );
    await waitFor(telemetry, () => toMs !== null, { timeout: '1s', clock: 'vehicle', what: 'the next vehicle time stamp' });
  } finally {
    off();
  }
  return { fromMs: fromMs!, toMs: toMs! };
}

/**
 * The vehicle time of the setpoint stream's latest transmission. The streamer transmits from a
 * telemetry update listener registered before this one, so a change of its counter seen here
 * happened at the current vehicle time.
 */
export function trackSetpointSends(flight: SimFlight): { readonly lastMs: number | null; stop(): void } {
  let lastCount = flight.pilot.streamer.sent;
  let lastMs: number | null = null;
  const off = flight.telemetry.onUpdate(() => {
    const n = flight.pilot.streamer.sent;
    if (n !== lastCount) {
      lastCount = n;
      lastMs = flight.telemetry.vehicleTimeMs;
    }
  });
  return {
    get lastMs() {
      return lastMs;
    },
    stop: off,
  };
}

/**
 * A GCS HEARTBEAT every `periodMs` of VEHICLE time. The link's own GCS heartbeat is paced on the
 * host clock (1 Hz), which under speed-up is many seconds of vehicle time: with NAV_DLL_ACT set,
 * PX4 would see its GCS connection lost (COM_DL_LOSS_T) while the client is healthy.
 */
export function gcsHeartbeatOnVehicleClock(flight: SimFlight, periodMs = 500): () => void {
  const hb = new minimal.Heartbeat();
  hb.type = minimal.MavType.GCS;
  hb.autopilot = minimal.MavAutopilot.INVALID;
  hb.baseMode = 0 as minimal.MavModeFlag;
  hb.customMode = 0;
  hb.systemStatus = minimal.MavState.ACTIVE;
  hb.mavlinkVersion = 3;
  let last = -Infinity;
  return flight.telemetry.onUpdate(() => {
    const t = flight.telemetry.vehicleTimeMs;
    if (t === null || t - last < periodMs) return;
    last = t;
    flight.v.link.send(hb);
  });
}

/** Arm, take off to MIS_TAKEOFF_ALT (or `altitude`) and wait until within ±0.3 m; returns vehicle-time marks. */
export async function armAndTakeOff(flight: SimFlight, altitude?: number): Promise<{ takeoffAcceptedMs: number }> {
  await flight.pilot.arm();
  await flight.pilot.takeoff(altitude);
  const takeoffAcceptedMs = flight.now();
  const target = altitude ?? 2.5;
  await waitFor(flight.telemetry, (t) => Math.abs((t.altitude ?? 0) - target) < 0.3, { timeout: '30s', clock: 'vehicle', what: `altitude ${target} m` });
  return { takeoffAcceptedMs };
}

/** Resolves `p` and returns the error it rejected with, or fails if it resolved. */
export async function rejectionOf(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  const r = await p.then(
    () => null,
    (e: unknown) => e as Error & Record<string, unknown>,
  );
  if (r === null) throw new Error('expected a rejection, but the promise resolved');
  return r;
}

/** The possible durations between two bracketed instants (vehicle ms). */
export function between(a: Transition, b: Transition): { min: number; max: number } {
  return { min: b.fromMs - a.toMs, max: b.toMs - a.fromMs };
}

/** A point estimate of the instant (the bracket's middle) for durations compared across runs. */
export function mid(t: Transition): number {
  return (t.fromMs + t.toMs) / 2;
}
