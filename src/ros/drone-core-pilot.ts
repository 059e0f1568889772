import { hostNowMs } from '../clock/host.js';
import { PilotError } from '../vehicle/errors.js';
import { MavlinkPilot } from '../vehicle/mavlink-pilot.js';
import type { CommandResult, FailureTypeName, FailureUnitName, ParamAccess, Pilot, Setpoint } from '../vehicle/pilot.js';
import { Setpoint as SetpointSchema } from '../vehicle/pilot.js';
import type { Px4ModeName } from '../vehicle/px4-modes.js';
import type { FenceZone, MissionPlanItem, RallyPoint } from '../vehicle/mission-plan.js';
import type { TransferResult } from '../vehicle/mission-transfer.js';
import type { Telemetry } from '../vehicle/telemetry.js';
import { waitFor, WaitTimeout } from '../vehicle/wait.js';
import {
  checkDroneName,
  parseGetState,
  parseTriggerResponse,
  serviceName,
  serviceType,
  setPositionRequest,
  type DroneCoreService,
  type DroneCoreState,
  type TriggerService,
} from './drone-core-interface.js';
import { DroneCoreMismatch, DroneCoreRefused } from './errors.js';
import {
  expectArmed,
  expectClimb,
  expectDisarmed,
  expectLanding,
  expectMode,
  expectMotionToward,
  expectTerminated,
  type Expectation,
} from './ground-truth.js';
import type { RosSession } from './session.js';

/** A drone_core command's outcome: confirmed on MAVLink ground truth, or refused by drone_core. */
export interface DroneCoreResult extends CommandResult {
  /** e.g. '/drone1/arm'. */
  command: string;
  /** 'CONFIRMED' (PX4 did it) or 'REFUSED' (drone_core answered success=false). */
  result: 'CONFIRMED' | 'REFUSED' | string;
  /** Host clock: service call → ground truth confirmed (→ response, for a refusal). */
  latencyMs: number;
  /** Host clock: service call → drone_core's response. */
  responseMs: number;
  /** drone_core's `message`. */
  reply: string;
}

/** Which ground-truth wait applies (each a bounded vehicle-clock wait). */
export type ConfirmKind = 'arm' | 'disarm' | 'mode' | 'offboard' | 'takeoff' | 'land' | 'position' | 'termination';

const DEFAULT_CONFIRM_MS: Record<ConfirmKind, number> = {
  arm: 3000,
  disarm: 3000,
  // PX4's HEARTBEAT is 1 Hz: a mode is seen up to a second after it changed.
  mode: 3000,
  offboard: 3000,
  // Spool-up, the takeoff ramp and the first metre.
  takeoff: 8000,
  land: 3000,
  position: 5000,
  termination: 3000,
};

export interface DroneCorePilotOptions {
  /** drone_core's `drone_name` ('drone1'): services are `/<drone>/<service>`. */
  drone: string;
  session: RosSession;
  /** Ground truth: PX4 over MAVLink. Every drone_core answer is checked against it. */
  telemetry: Telemetry;
  /**
   * The MAVLink pilot used for what drone_core has no service for (hold, other modes, forced
   * disarm, parameters, failure injection). Default: a MavlinkPilot on the telemetry's link.
   */
  mavlink?: Pilot;
  /** Per-call response timeout (host clock). Default 5 s; set_offboard adds drone_core's 1.1 s sleep. */
  callTimeoutMs?: number;
  /** First-use wait for a service to be offered (host clock). Default 10 s. */
  discoveryTimeoutMs?: number;
  /** Ground-truth waits (vehicle clock), per kind. */
  confirmTimeoutMs?: Partial<Record<ConfirmKind, number>>;
  /** Height a takeoff must gain to count as "climbing" (m). Default 1. */
  takeoffRiseM?: number;
  onCommandAck?: (sample: CommandResult) => void;
}

/** drone_core's set_offboard sleeps this long (host clock) before switching, inside the call. */
const SET_OFFBOARD_SLEEP_MS = 1100;

/**
 * Flies a vehicle through drone_core's ROS 2 services, and confirms every answer on MAVLink ground
 * truth: drone_core's `success=true` only means it sent the command, so each call resolves when
 * PX4 is seen doing it (armed, in the mode, climbing, moving), within a bounded vehicle-clock wait.
 *
 * - `success=false` → DroneCoreRefused with drone_core's message.
 * - `success=true` but PX4 did not follow → DroneCoreMismatch ("… but PX4 stayed in Hold").
 * - no service / no answer in time → DroneCoreTimeout.
 *
 * drone_core services used: arm, disarm, takeoff (10 m above the current position; needs OFFBOARD
 * and ARMED), land, set_offboard, set_position_mode, return_to_launch, flight_termination,
 * set_position (NED, z down, radians), get_state. Everything else is delegated to the MAVLink
 * pilot: hold() and other modes, disarm({ force }), params, injectFailure. Not offered by
 * drone_core: velocity setpoints (PilotError), and stopping its offboard stream (stopOffboard()
 * only stops the MAVLink pilot's own stream; drone_core keeps streaming until a mode change).
 */
export class DroneCorePilot implements Pilot {
  readonly kind = 'drone-core';
  readonly drone: string;
  readonly mavlink: Pilot;
  private readonly ownsMavlink: boolean;
  private readonly session: RosSession;
  private readonly telemetry: Telemetry;
  private readonly callTimeoutMs: number;
  private readonly discoveryTimeoutMs: number;
  private readonly confirmMs: Record<ConfirmKind, number>;
  private readonly takeoffRiseM: number;
  private readonly ackListeners = new Set<(s: CommandResult) => void>();
  private queue: Promise<unknown> = Promise.resolve();
  private pendingSetpoint: { north: number; east: number; down: number; yaw: number } | null = null;
  private setpointInFlight = false;
  private setpointError: Error | null = null;
  private closed = false;

  constructor(opts: DroneCorePilotOptions) {
    this.drone = checkDroneName(opts.drone);
    this.session = opts.session;
    this.telemetry = opts.telemetry;
    this.ownsMavlink = !opts.mavlink;
    this.mavlink = opts.mavlink ?? new MavlinkPilot(opts.telemetry.link, opts.telemetry, { sysId: opts.telemetry.sysId });
    this.callTimeoutMs = opts.callTimeoutMs ?? 5000;
    this.discoveryTimeoutMs = opts.discoveryTimeoutMs ?? 10_000;
    this.confirmMs = { ...DEFAULT_CONFIRM_MS, ...opts.confirmTimeoutMs };
    this.takeoffRiseM = opts.takeoffRiseM ?? 1;
    if (opts.onCommandAck) this.ackListeners.add(opts.onCommandAck);
  }

  get params(): ParamAccess {
    return this.mavlink.params;
  }

  onCommandAck(cb: (sample: CommandResult) => void): () => void {
    this.ackListeners.add(cb);
    return () => this.ackListeners.delete(cb);
  }

  // ---- drone_core services ------------------------------------------------------------------

  arm(): Promise<DroneCoreResult> {
    return this.trigger('arm', 'arm', () => expectArmed());
  }

  /** drone_core's disarm; `force` has no drone_core service and goes over MAVLink (param2 = 21196). */
  disarm(opts: { force?: boolean } = {}): Promise<CommandResult> {
    if (opts.force) return this.delegate(() => this.mavlink.disarm({ force: true }));
    return this.trigger('disarm', 'disarm', () => expectDisarmed());
  }

  /**
   * Without an altitude: drone_core's takeoff (an offboard target 10 m above the current position;
   * it needs OFFBOARD and ARMED), confirmed by a climb of `takeoffRiseM`. With one: drone_core has
   * no takeoff altitude, so it is a set_position to that height above home, in Offboard.
   */
  takeoff(altitudeM?: number): Promise<DroneCoreResult> {
    if (altitudeM === undefined) {
      return this.trigger('takeoff', 'takeoff', (t) => expectClimb(t.altitude, this.takeoffRiseM));
    }
    if (!Number.isFinite(altitudeM) || altitudeM <= 0) return Promise.reject(new PilotError(`takeoff(${altitudeM}): altitude must be a positive number of metres above home`));
    const p = this.telemetry.localPosition;
    if (!p) return Promise.reject(new PilotError(`takeoff(${altitudeM}): no LOCAL_POSITION_NED received yet`));
    const homeDown = this.telemetry.home?.z ?? 0;
    return this.goTo(p.x, p.y, homeDown - altitudeM);
  }

  land(): Promise<DroneCoreResult> {
    return this.trigger('land', 'land', (t) => expectLanding(t.modeName));
  }

  returnToLaunch(): Promise<DroneCoreResult> {
    return this.trigger('return_to_launch', 'mode', (t) => expectMode('Return', t.modeName));
  }

  /** drone_core has no Hold service: DO_SET_MODE AUTO.LOITER over MAVLink. */
  hold(): Promise<CommandResult> {
    return this.delegate(() => this.mavlink.hold());
  }

  /** Offboard, Position, Land, Return and Termination through drone_core; other modes over MAVLink. */
  setMode(name: Px4ModeName): Promise<CommandResult> {
    switch (name) {
      case 'Offboard':
        return this.trigger('set_offboard', 'offboard', (t) => expectMode('Offboard', t.modeName));
      case 'Position':
        return this.trigger('set_position_mode', 'mode', (t) => expectMode('Position', t.modeName));
      case 'Land':
        return this.land();
      case 'Return':
        return this.returnToLaunch();
      case 'Termination':
        return this.trigger('flight_termination', 'termination', () => expectTerminated());
      default:
        return this.delegate(() => this.mavlink.setMode(name));
    }
  }

  /**
   * set_offboard (drone_core streams the current pose, sleeps 1.1 s, switches), confirmed by PX4 in
   * Offboard; then the initial position setpoint, if any, through set_position.
   */
  async startOffboard(initial?: Setpoint): Promise<CommandResult> {
    const sp = initial ? this.positionTarget(initial, 'startOffboard') : null;
    const switched = await this.trigger('set_offboard', 'offboard', (t) => expectMode('Offboard', t.modeName));
    if (!sp) return switched;
    const moved = await this.setPosition(sp);
    return { ...switched, latencyMs: switched.latencyMs + moved.latencyMs };
  }

  /**
   * drone_core offers no way to stop its offboard stream except a mode change through it (land,
   * set_position_mode): this stops only the MAVLink pilot's own stream, if it runs.
   */
  async stopOffboard(): Promise<void> {
    this.pendingSetpoint = null;
    await this.mavlink.stopOffboard();
  }

  /** Sends a position setpoint through set_position without waiting (newest wins); velocity is not offered. */
  setSetpoint(sp: Setpoint): void {
    const target = this.positionTarget(sp, 'setSetpoint');
    this.throwSetpointError();
    this.pendingSetpoint = target;
    if (!this.setpointInFlight) void this.flushSetpoints();
  }

  /** set_position (Offboard only: drone_core's setpoint moves nothing in other modes), confirmed by motion toward it. */
  goTo(north: number, east: number, down: number, yaw?: number): Promise<DroneCoreResult> {
    let target: { north: number; east: number; down: number; yaw: number };
    try {
      this.throwSetpointError();
      target = this.positionTarget({ type: 'position', north, east, down, ...(yaw === undefined ? {} : { yaw }) }, 'goTo');
    } catch (err) {
      return Promise.reject(err);
    }
    const mode = this.telemetry.modeName;
    if (mode !== 'Offboard') {
      return Promise.reject(
        new PilotError(`goTo: drone_core's set_position only moves the vehicle in Offboard, and PX4 is in ${mode ?? 'an unknown mode'}: call startOffboard() first (DroneOS order: set_offboard → arm → takeoff/set_position)`),
      );
    }
    return this.setPosition(target);
  }

  /** What drone_core believes (get_state): its view, for comparing with ground truth. */
  async getState(): Promise<DroneCoreState> {
    const name = serviceName(this.drone, 'get_state');
    const response = await this.session.call(serviceType('get_state'), name, {}, this.timeouts('get_state'));
    const r = parseGetState(response);
    if (!r.success) throw new DroneCoreRefused(name, r.message, 0);
    return r.state;
  }

  uploadMission(items: readonly MissionPlanItem[]): Promise<TransferResult> {
    return this.mavlink.uploadMission(items);
  }

  downloadMission(): Promise<MissionPlanItem[]> {
    return this.mavlink.downloadMission();
  }

  clearMission(): Promise<TransferResult> {
    return this.mavlink.clearMission();
  }

  startMission(opts?: { fromItem?: number }): Promise<CommandResult> {
    return this.delegate(() => this.mavlink.startMission(opts));
  }

  uploadGeofence(zones: readonly FenceZone[]): Promise<TransferResult> {
    return this.mavlink.uploadGeofence(zones);
  }

  uploadRally(points: readonly RallyPoint[]): Promise<TransferResult> {
    return this.mavlink.uploadRally(points);
  }

  injectFailure(unit: FailureUnitName | number, type: FailureTypeName | number, instance?: number): Promise<CommandResult> {
    return this.delegate(() => this.mavlink.injectFailure(unit, type, instance));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pendingSetpoint = null;
    this.ackListeners.clear();
    if (this.ownsMavlink) await this.mavlink.close();
  }

  // ---- machinery ------------------------------------------------------------------------------

  private timeouts(service: DroneCoreService): { discoveryTimeoutMs: number; responseTimeoutMs: number } {
    return {
      discoveryTimeoutMs: this.discoveryTimeoutMs,
      responseTimeoutMs: this.callTimeoutMs + (service === 'set_offboard' ? SET_OFFBOARD_SLEEP_MS : 0),
    };
  }

  private trigger(service: TriggerService, kind: ConfirmKind, expect: (t: Telemetry) => Expectation): Promise<DroneCoreResult> {
    return this.serial(() => this.callAndConfirm(service, {}, kind, expect));
  }

  private setPosition(target: { north: number; east: number; down: number; yaw: number }): Promise<DroneCoreResult> {
    const request = setPositionRequest(target);
    return this.serial(() =>
      this.callAndConfirm('set_position', { ...request }, 'position', (t) => {
        const l = t.localPosition;
        return expectMotionToward(target, l ? { north: l.x, east: l.y, down: l.z } : null);
      }),
    );
  }

  /** drone_core is single-threaded and one command's ground truth must not be confused with the next: one at a time. */
  private serial<T>(job: () => Promise<T>): Promise<T> {
    const next = this.queue.then(job, job);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async callAndConfirm(service: DroneCoreService, request: Record<string, unknown>, kind: ConfirmKind, expect: (t: Telemetry) => Expectation): Promise<DroneCoreResult> {
    if (this.closed) throw new PilotError(`${this.drone}: pilot closed`);
    const name = serviceName(this.drone, service);
    // The expectation captures the state the command starts from, before drone_core acts.
    const expectation = expect(this.telemetry);
    const start = hostNowMs();
    const response = await this.session.call(serviceType(service), name, request, this.timeouts(service));
    const responseMs = hostNowMs() - start;
    const { success, message } = parseTriggerResponse(name, response);
    if (!success) {
      this.emit({ command: name, result: 'REFUSED', latencyMs: responseMs, tries: 1 });
      throw new DroneCoreRefused(name, message, responseMs);
    }
    const timeout = this.confirmMs[kind];
    try {
      await waitFor(this.telemetry, (t) => expectation.holds(t), { timeout, clock: 'vehicle', what: `${name}: ${expectation.expected}` });
    } catch (err) {
      if (!(err instanceof WaitTimeout)) throw err;
      const text = this.telemetry.lastStatusText(start, 4);
      throw new DroneCoreMismatch(name, expectation.expected, expectation.observed(this.telemetry), timeout, 'vehicle', message, text, { cause: err });
    }
    const result: DroneCoreResult = { command: name, result: 'CONFIRMED', latencyMs: hostNowMs() - start, tries: 1, responseMs, reply: message };
    this.emit(result);
    return result;
  }

  /** A MAVLink-pilot call; its acks are reported as this pilot's. */
  private async delegate(call: () => Promise<CommandResult>): Promise<CommandResult> {
    const off = this.mavlink.onCommandAck((s) => this.emit(s));
    try {
      return await call();
    } finally {
      off();
    }
  }

  private emit(sample: CommandResult): void {
    for (const cb of this.ackListeners) cb(sample);
  }

  private positionTarget(sp: unknown, where: string): { north: number; east: number; down: number; yaw: number } {
    const r = SetpointSchema.safeParse(sp);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new PilotError(`${where}: setpoint.${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    const s = r.data;
    if (s.type !== 'position') throw new PilotError(`${where}: drone_core offers no velocity setpoint service (set_position takes a NED position and yaw only)`);
    // drone_core's SetPosition needs a yaw: keep the current heading when none is given.
    const yaw = s.yaw ?? this.telemetry.attitude?.yaw ?? 0;
    return { north: s.north, east: s.east, down: s.down, yaw };
  }

  private throwSetpointError(): void {
    const e = this.setpointError;
    if (!e) return;
    this.setpointError = null;
    throw e;
  }

  /** Sends the newest pending setpoint until none is left; a failure is thrown by the next setpoint call. */
  private async flushSetpoints(): Promise<void> {
    this.setpointInFlight = true;
    try {
      while (this.pendingSetpoint && !this.closed) {
        const target = this.pendingSetpoint;
        this.pendingSetpoint = null;
        const name = serviceName(this.drone, 'set_position');
        try {
          const response = await this.serial(() => this.session.call(serviceType('set_position'), name, { ...setPositionRequest(target) }, this.timeouts('set_position')));
          const { success, message } = parseTriggerResponse(name, response);
          if (!success) this.setpointError = new DroneCoreRefused(name, message, 0);
        } catch (err) {
          this.setpointError = err as Error;
        }
      }
    } finally {
      this.setpointInFlight = false;
    }
  }
}

/** For `createVehicle(link, { pilot: droneCorePilot(session, 'drone1') })`. */
export function droneCorePilot(session: RosSession, drone: string, opts: Omit<DroneCorePilotOptions, 'session' | 'drone' | 'telemetry'> = {}): (telemetry: Telemetry) => DroneCorePilot {
  checkDroneName(drone);
  return (telemetry) => new DroneCorePilot({ ...opts, session, drone, telemetry });
}
