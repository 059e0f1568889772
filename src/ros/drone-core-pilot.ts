import { hostNowMs } from '../clock/host.js';
import { PilotError } from '../vehicle/errors.js';
import { MavlinkPilot } from '../vehicle/mavlink-pilot.js';
import type { CommandResult, FailureTypeName, FailureUnitName, ParamAccess, Pilot, Setpoint } from '../vehicle/pilot.js';
import { Setpoint as SetpointSchema } from '../vehicle/pilot.js';
import type { Px4ModeName } from '../vehicle/px4-modes.js';
import type { FenceZone, HomeAnchor, MissionPlanItem, RallyPoint } from '../vehicle/mission-plan.js';
import { MissionTransfer, type TransferResult } from '../vehicle/mission-transfer.js';
import type { Telemetry } from '../vehicle/telemetry.js';
import { waitFor, WaitTimeout } from '../vehicle/wait.js';
import {
  checkDroneName,
  missionControlRequest,
  missionToWaypoints,
  parseGetMissionStatus,
  parseGetState,
  parseMissionControlResponse,
  parseTriggerResponse,
  parseUploadMissionResponse,
  serviceName,
  serviceType,
  setPositionRequest,
  type DroneCoreMissionStatus,
  type DroneCoreService,
  type DroneCoreState,
  type TriggerService,
  type Waypoint,
} from './drone-core-interface.js';
import { DroneCoreMismatch, DroneCoreRefused } from './errors.js';
import {
  expectArmed,
  expectClimb,
  expectDisarmed,
  expectLanding,
  expectMissionCleared,
  expectMissionItem,
  expectMissionStarted,
  expectMode,
  expectMotionToward,
  expectTerminated,
  missionDifference,
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

/**
 * An upload_mission confirmed on the vehicle's stored mission; TransferResult-compatible. drone_core
 * runs the transfer itself, out of sight: `retransmits` and `rerequests` are 0 (unknown).
 */
export interface DroneCoreTransferResult extends TransferResult {
  /** e.g. '/drone1/upload_mission'. */
  command: string;
  result: 'CONFIRMED';
  /** Host clock: service call → drone_core's response. */
  responseMs: number;
  /** drone_core's `message`. */
  reply: string;
  /** drone_core's mission_id (its own counter, not PX4's MISSION_CURRENT mission_id). */
  missionId: number;
}

/** Which ground-truth wait applies (each a bounded vehicle-clock wait). */
export type ConfirmKind = 'arm' | 'disarm' | 'mode' | 'offboard' | 'takeoff' | 'land' | 'position' | 'termination' | 'mission';

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
  // MISSION_CURRENT is 1 Hz; drone_core may still be transferring when it answers.
  mission: 5000,
};

export interface DroneCorePilotOptions {
  /** drone_core's `drone_name` ('drone1'): services are `/<drone>/<service>`. */
  drone: string;
  session: RosSession;
  /** Ground truth: PX4 over MAVLink. Every drone_core answer is checked against it. */
  telemetry: Telemetry;
  /**
   * The MAVLink pilot used for what drone_core has no service for (hold, other modes, forced
   * disarm, parameters, failure injection, mission download, geofence, rally points), and for the
   * ground-truth mission downloads. Default: a MavlinkPilot on the telemetry's link.
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
  /**
   * How far (m) a stored mission item may be from the one sent and still match. Default 0.2: above
   * degE7 rounding (about 1 cm) and float32 altitudes, below any point meant to be different.
   */
  missionToleranceM?: number;
  onCommandAck?: (sample: CommandResult) => void;
}

/** A service call drone_core answered with success. */
interface AnsweredCall<R extends { success: boolean; message: string } = { success: boolean; message: string }> {
  /** The service (and command, for mission_control), e.g. '/drone1/mission_control START'. */
  name: string;
  /** Host clock at the call. */
  start: number;
  responseMs: number;
  reply: R;
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
 * set_position (NED, z down, radians), get_state, and for missions upload_mission, mission_control
 * (GOTO_ITEM, START, CLEAR) and get_mission_status. Everything else is delegated to the MAVLink
 * pilot: hold() and other modes, disarm({ force }), params, injectFailure, downloadMission,
 * uploadGeofence, uploadRally. Not offered by
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
  private readonly missionToleranceM: number;
  private ownTransfer: MissionTransfer | null = null;
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
    this.missionToleranceM = opts.missionToleranceM ?? 0.2;
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
    const homeDown = this.telemetry.home?.down ?? 0;
    return this.goTo(p.north, p.east, homeDown - altitudeM);
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

  /**
   * upload_mission with the items as Waypoint[] (frame GLOBAL, altitude AMSL, through
   * HOME_POSITION; speed, jump and raw items have no Waypoint form: PilotError). Confirmed by
   * downloading the vehicle's mission over MAVLink: count, commands, positions (within
   * `missionToleranceM`) and hold times must be what was sent, else DroneCoreMismatch naming the
   * differences. A mission that still differs is downloaded again whenever MISSION_CURRENT
   * announces a change, within the 'mission' wait (vehicle clock), for a drone_core that answers
   * before its transfer ends.
   */
  uploadMission(items: readonly MissionPlanItem[]): Promise<DroneCoreTransferResult> {
    let home: HomeAnchor;
    let waypoints: Waypoint[];
    try {
      home = this.anchor('uploadMission');
      waypoints = missionToWaypoints(items, home);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.serial(async () => {
      const call = await this.callService('upload_mission', { waypoints }, parseUploadMissionResponse);
      const timeout = this.confirmMs.mission;
      const difference = await this.storedMissionDifference(waypoints, home, timeout);
      if (difference) {
        throw new DroneCoreMismatch(call.name, `PX4 to store the ${waypoints.length} items sent`, difference, timeout, 'vehicle', call.reply.message, this.telemetry.lastStatusText(call.start, 4));
      }
      this.telemetry.resetMissionItemsReached();
      const latencyMs = hostNowMs() - call.start;
      this.emit({ command: call.name, result: 'CONFIRMED', latencyMs, tries: 1 });
      return {
        type: 'mission', count: waypoints.length, latencyMs, retransmits: 0, rerequests: 0,
        command: call.name, result: 'CONFIRMED', responseMs: call.responseMs, reply: call.reply.message, missionId: call.reply.mission_id,
      };
    });
  }

  /** drone_core has no download service: the vehicle's mission is read over MAVLink (ground truth). */
  downloadMission(): Promise<MissionPlanItem[]> {
    return this.mavlink.downloadMission();
  }

  /**
   * mission_control CLEAR, confirmed by a MISSION_CURRENT (received after the call) with no
   * mission, or failing that by a MAVLink download that finds none.
   */
  clearMission(): Promise<DroneCoreTransferResult> {
    return this.serial(async () => {
      const expectation = expectMissionCleared(hostNowMs());
      const call = await this.callService('mission_control', missionControlRequest('CLEAR'), parseMissionControlResponse, 'CLEAR');
      let r: DroneCoreResult;
      try {
        r = await this.confirm(call, 'mission', expectation);
      } catch (err) {
        if (!(err instanceof DroneCoreMismatch)) throw err;
        const stored = (await this.transfer().download('mission')).items.length;
        if (stored > 0) {
          throw new DroneCoreMismatch(err.service, err.expected, `${err.observed}, and a MAVLink download finds ${stored} item${stored === 1 ? '' : 's'}`, err.waitedMs, err.clock, err.reply, err.statusText, { cause: err });
        }
        r = this.confirmed(call);
      }
      this.telemetry.resetMissionItemsReached();
      return { type: 'mission', count: 0, latencyMs: r.latencyMs, retransmits: 0, rerequests: 0, command: r.command, result: 'CONFIRMED', responseMs: r.responseMs, reply: r.reply, missionId: 0 };
    });
  }

  /**
   * mission_control GOTO_ITEM (when `fromItem` is given, confirmed by MISSION_CURRENT showing it),
   * then START, confirmed by the HEARTBEAT showing Mission (and MISSION_CURRENT at or past
   * `fromItem`). Arm first: PX4 flies a mission's takeoff item only armed.
   */
  startMission(opts: { fromItem?: number } = {}): Promise<DroneCoreResult> {
    const from = opts.fromItem;
    if (from !== undefined && (!Number.isInteger(from) || from < 0 || from > 0xffff)) {
      return Promise.reject(new PilotError(`startMission: fromItem must be an integer 0…65535, got ${from}`));
    }
    return this.serial(async () => {
      const goto = from === undefined ? null : await this.callAndConfirm('mission_control', missionControlRequest('GOTO_ITEM', from), 'mission', () => expectMissionItem(from), 'GOTO_ITEM');
      const started = await this.callAndConfirm('mission_control', missionControlRequest('START'), 'mode', (t) => expectMissionStarted(t.modeName, from), 'START');
      return goto ? { ...started, latencyMs: goto.latencyMs + started.latencyMs, responseMs: goto.responseMs + started.responseMs } : started;
    });
  }

  /** What drone_core believes about the mission (get_mission_status), for comparing with MISSION_CURRENT. */
  async missionStatus(): Promise<DroneCoreMissionStatus> {
    const name = serviceName(this.drone, 'get_mission_status');
    const response = await this.session.call(serviceType('get_mission_status'), name, {}, this.timeouts('get_mission_status'));
    const r = parseGetMissionStatus(response);
    if (!r.success) throw new DroneCoreRefused(name, r.message, 0);
    return r.status;
  }

  /** drone_core has no geofence service: uploaded over MAVLink by the MAVLink pilot. */
  uploadGeofence(zones: readonly FenceZone[]): Promise<TransferResult> {
    return this.mavlink.uploadGeofence(zones);
  }

  /** drone_core has no rally point service: uploaded over MAVLink by the MAVLink pilot. */
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
        return expectMotionToward(target, l);
      }),
    );
  }

  /** drone_core is single-threaded and one command's ground truth must not be confused with the next: one at a time. */
  private serial<T>(job: () => Promise<T>): Promise<T> {
    const next = this.queue.then(job, job);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Calls a service; `success=false` is DroneCoreRefused (reported to onCommandAck). `label` names
   * the call where one service has several commands ('/drone1/mission_control START').
   */
  private async callService<R extends { success: boolean; message: string }>(
    service: DroneCoreService,
    request: Record<string, unknown>,
    parse: (name: string, response: unknown) => R,
    label?: string,
  ): Promise<AnsweredCall<R>> {
    if (this.closed) throw new PilotError(`${this.drone}: pilot closed`);
    const service_ = serviceName(this.drone, service);
    const name = label ? `${service_} ${label}` : service_;
    const start = hostNowMs();
    const response = await this.session.call(serviceType(service), service_, request, this.timeouts(service));
    const responseMs = hostNowMs() - start;
    const reply = parse(name, response);
    if (!reply.success) {
      this.emit({ command: name, result: 'REFUSED', latencyMs: responseMs, tries: 1 });
      throw new DroneCoreRefused(name, reply.message, responseMs);
    }
    return { name, start, responseMs, reply };
  }

  private async callAndConfirm(
    service: DroneCoreService,
    request: Record<string, unknown>,
    kind: ConfirmKind,
    expect: (t: Telemetry) => Expectation,
    label?: string,
  ): Promise<DroneCoreResult> {
    if (this.closed) throw new PilotError(`${this.drone}: pilot closed`);
    // The expectation captures the state the command starts from, before drone_core acts.
    const expectation = expect(this.telemetry);
    const parse = service === 'mission_control' ? parseMissionControlResponse : parseTriggerResponse;
    const call = await this.callService(service, request, parse, label);
    return this.confirm(call, kind, expectation);
  }

  /** Waits (vehicle clock) for ground truth to show what an answered call should have done; DroneCoreMismatch when it does not. */
  private async confirm(call: AnsweredCall, kind: ConfirmKind, expectation: Expectation): Promise<DroneCoreResult> {
    const timeout = this.confirmMs[kind];
    try {
      await waitFor(this.telemetry, (t) => expectation.holds(t), { timeout, clock: 'vehicle', what: `${call.name}: ${expectation.expected}` });
    } catch (err) {
      if (!(err instanceof WaitTimeout)) throw err;
      const text = this.telemetry.lastStatusText(call.start, 4);
      throw new DroneCoreMismatch(call.name, expectation.expected, expectation.observed(this.telemetry), timeout, 'vehicle', call.reply.message, text, { cause: err });
    }
    return this.confirmed(call);
  }

  private confirmed(call: AnsweredCall): DroneCoreResult {
    const result: DroneCoreResult = { command: call.name, result: 'CONFIRMED', latencyMs: hostNowMs() - call.start, tries: 1, responseMs: call.responseMs, reply: call.reply.message };
    this.emit(result);
    return result;
  }

  /**
   * How the vehicle's stored mission differs from `sent` (null: it matches). A difference is looked
   * at again each time MISSION_CURRENT announces another mission (id or count), until `timeoutMs`
   * of vehicle time have passed without one.
   */
  private async storedMissionDifference(sent: readonly Waypoint[], home: HomeAnchor, timeoutMs: number): Promise<string | null> {
    const key = () => {
      const m = this.telemetry.mission;
      return m ? `${m.missionId}/${m.total}` : '';
    };
    const t0 = this.telemetry.vehicleTimeMs;
    for (;;) {
      // Taken before the download, so a change during it is not missed.
      const seen = key();
      const stored = (await this.transfer().download('mission')).items;
      const difference = missionDifference(sent, stored, home, this.missionToleranceM);
      if (!difference) return null;
      const now = this.telemetry.vehicleTimeMs;
      const left = t0 === null || now === null ? 0 : timeoutMs - (now - t0);
      if (left <= 0) return difference;
      const changed = await waitFor(this.telemetry, () => key() !== seen, { timeout: left, clock: 'vehicle', what: 'MISSION_CURRENT announcing another mission' }).then(
        () => true,
        () => false,
      );
      if (!changed) return difference;
    }
  }

  /** The MAVLink mission protocol for ground-truth downloads: the MAVLink pilot's own (one transfer at a time per link), else one of this pilot's. */
  private transfer(): MissionTransfer {
    if (this.mavlink instanceof MavlinkPilot) return this.mavlink.missions;
    this.ownTransfer ??= new MissionTransfer(this.telemetry.link, { targetSysId: this.telemetry.sysId });
    return this.ownTransfer;
  }

  /** HOME_POSITION, which converts north/east to a Waypoint's latitude/longitude. */
  private anchor(where: string): HomeAnchor {
    const home = this.telemetry.home;
    if (!home) throw new PilotError(`${where}: no HOME_POSITION received yet to convert north/east to latitude/longitude`);
    return home;
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
