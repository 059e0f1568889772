import { common, minimal } from 'node-mavlink';
import { hostNowMs } from '../clock/host.js';
import type { Link } from '../mavlink/link.js';
import { CommandSender, commandName, resultName, type CommandAckSample } from './command-sender.js';
import { CommandDenied, CommandNotEffective, CommandTimeout, PilotError } from './errors.js';
import { ParamClient } from './params.js';
import type { CommandResult, FailureTypeName, FailureUnitName, Pilot, Setpoint } from './pilot.js';
import { Setpoint as SetpointSchema } from './pilot.js';
import { px4ModeByName, type Px4ModeName } from './px4-modes.js';
import { SetpointStreamer, type SetpointSent } from './setpoint-streamer.js';
import type { Telemetry } from './telemetry.js';
import { waitFor, WaitTimeout } from './wait.js';
import { MissionTransfer, type PlanType, type TransferResult, type WireItem } from './mission-transfer.js';
import { fenceToWire, missionFromWire, missionToWire, rallyToWire, toLatLon, type FenceZone, type HomeAnchor, type MissionPlanItem, type RallyPoint } from './mission-plan.js';
import { MissionError } from './errors.js';

export interface MavlinkPilotOptions {
  /** The vehicle's system id; commands go to component 1 (the autopilot) unless targetCompId says otherwise. */
  sysId: number;
  targetCompId?: number;
  /** Per-try ack timeout (host clock). Default 500 ms (MAVSDK's). */
  commandTimeoutMs?: number;
  /** Transmissions per command. Default 3. */
  commandTries?: number;
  /** After IN_PROGRESS, wait this long for the final ack (host clock). Default 5 s. */
  inProgressTimeoutMs?: number;
  /** Offboard setpoint stream rate in vehicle time. Default 20 Hz. */
  setpointRateHz?: number;
  /**
   * Setpoint periods streamed (vehicle time) before the switch to offboard: PX4 refuses OFFBOARD
   * without a live stream. Default 10 (0.5 s of vehicle time at 20 Hz).
   */
  preStreamSetpoints?: number;
  /** Command-to-ack latency samples, for budgets. */
  onCommandAck?: (sample: CommandAckSample) => void;
  /** The vehicle's time now, where the target knows it exactly (see CommandSenderOptions.vehicleNow). */
  vehicleNow?: () => number | null;
  /** The vehicle clock's measured rate (see CommandSenderOptions.clockRate). */
  clockRate?: () => number;
  /** First transmission of each new setpoint, for setpoint-to-motion measurements. */
  onSetpointSent?: (s: SetpointSent) => void;
  /**
   * After PX4 accepted a command with a visible effect (arm, disarm, a mode change, takeoff, land,
   * RTL), how long to wait for that effect in telemetry (vehicle clock). PX4 sends HEARTBEAT at
   * 1 Hz. Default 3 s.
   */
  effectTimeoutMs?: number;
}

const DISARM_FORCE_MAGIC = 21196;
/** Sends of a command accepted without effect before CommandNotEffective (see withEffect). */
const EFFECT_ATTEMPTS = 2;
/** STATUSTEXT severity WARNING: a refusal's reason is a warning or worse (PX4 also sends INFO chatter, e.g. the logger's file name). */
const WARNING = 4;

/** A takeoff's effect where the mode may already have ended (a short climb between two HEARTBEATs). */
function climbing(t: Telemetry): boolean {
  return t.armed && (t.landedState === 'TAKEOFF' || t.landedState === 'IN_AIR');
}

function describeState(t: Telemetry): string {
  return `mode ${t.modeName ?? 'unknown'}, ${t.armed ? 'armed' : 'disarmed'}, landed state ${t.landedState}, altitude ${t.altitude?.toFixed(2) ?? '?'} m`;
}
/** After a plan upload, how long (vehicle ms) PX4's "Mission currently not available" is taken for its pending feasibility check. */
const PLAN_CHECK_GRACE_MS = 3000;
const PLAN_CHECK_RETRY_MS = 250;

/** Flies a PX4 vehicle with MAVLink commands; every call resolves on the vehicle's ACCEPTED ack. */
export class MavlinkPilot implements Pilot {
  readonly kind = 'mavlink';
  readonly params: ParamClient;
  readonly streamer: SetpointStreamer;
  /** The mission protocol (mission, fence, rally), for raw transfers the plan helpers do not cover. */
  readonly missions: MissionTransfer;
  private readonly commands: CommandSender;
  private readonly preStream: number;
  private readonly effectTimeoutMs: number;
  private readonly sysId: number;
  private readonly targetCompId: number;
  private readonly ackListeners = new Set<(sample: CommandAckSample) => void>();
  /** Vehicle time of the last plan upload (startMission's grace for PX4's feasibility check). */
  private lastUploadVehicleMs: number | null = null;

  constructor(
    readonly link: Link,
    readonly telemetry: Telemetry,
    opts: MavlinkPilotOptions,
  ) {
    const target = { targetSysId: opts.sysId, targetCompId: opts.targetCompId ?? 1 };
    this.commands = new CommandSender(link, telemetry, {
      ...target,
      perTryTimeoutMs: opts.commandTimeoutMs,
      tries: opts.commandTries,
      inProgressTimeoutMs: opts.inProgressTimeoutMs,
      ...(opts.vehicleNow ? { vehicleNow: opts.vehicleNow } : {}),
      ...(opts.clockRate ? { clockRate: opts.clockRate } : {}),
      onCommandAck: (sample) => {
        opts.onCommandAck?.(sample);
        for (const cb of this.ackListeners) cb(sample);
      },
    });
    this.params = new ParamClient(link, { ...target, perTryTimeoutMs: opts.commandTimeoutMs, ...(opts.commandTries !== undefined ? { tries: opts.commandTries } : {}) });
    this.missions = new MissionTransfer(link, { ...target, telemetry, ...(opts.commandTimeoutMs ? { perTryTimeoutMs: opts.commandTimeoutMs } : {}) });
    this.streamer = new SetpointStreamer(link, telemetry, { ...target, rateHz: opts.setpointRateHz, onSetpointSent: opts.onSetpointSent });
    this.preStream = opts.preStreamSetpoints ?? 10;
    this.effectTimeoutMs = opts.effectTimeoutMs ?? 3000;
    this.sysId = opts.sysId;
    this.targetCompId = opts.targetCompId ?? 1;
  }

  onCommandAck(cb: (sample: CommandAckSample) => void): () => void {
    this.ackListeners.add(cb);
    return () => this.ackListeners.delete(cb);
  }

  /** Any COMMAND_LONG (params beyond those given are 0). */
  async command(command: number, params: number[] = []): Promise<CommandResult> {
    return this.commands.long(command, params);
  }

  /**
   * Resolves once HEARTBEAT shows the vehicle armed (the ACK alone is not the effect) and the home
   * PX4 set at this arming has been read: heights and takeoff targets are relative to it.
   */
  async arm(): Promise<CommandResult> {
    const result = await this.withEffect(common.MavCmd.COMPONENT_ARM_DISARM, [1], 'armed', (t) => t.armed);
    await this.refreshHome();
    return result;
  }

  /**
   * Asks for HOME_POSITION (MAV_CMD_REQUEST_MESSAGE) and waits briefly for one set since the
   * arming. Best effort: without it heights stay relative to the ground seen before the arming.
   */
  private async refreshHome(): Promise<void> {
    if (this.telemetry.homeSetSinceArming) return;
    // Housekeeping, not the test's command: sent once, unmeasured, its ACK not awaited.
    const req = new common.CommandLong();
    req.targetSystem = this.sysId;
    req.targetComponent = this.targetCompId;
    req.command = common.MavCmd.REQUEST_MESSAGE;
    req._param1 = common.HomePosition.MSG_ID;
    this.link.send(req);
    await waitFor(this.telemetry, (t) => t.homeSetSinceArming || !t.armed, { timeout: 1000, clock: 'vehicle', what: 'HOME_POSITION after arming' }).catch(() => null);
  }

  /** Resolves once HEARTBEAT shows the vehicle disarmed. */
  async disarm(opts: { force?: boolean } = {}): Promise<CommandResult> {
    return this.withEffect(common.MavCmd.COMPONENT_ARM_DISARM, [0, opts.force ? DISARM_FORCE_MAGIC : 0], 'disarmed', (t) => !t.armed);
  }

  /**
   * Sends a command and resolves when its effect shows in telemetry, not at the first ACK: PX4
   * may answer ACCEPTED and, a few milliseconds later, TEMPORARILY_REJECTED (a switch to Offboard
   * without a setpoint stream), and a lost ACK says nothing about whether PX4 acted. A later
   * refusal rejects with CommandDenied and PX4's text; no effect within `effectTimeoutMs` of
   * vehicle time rejects with CommandNotEffective. When no ACK came at all but the effect is seen,
   * the command resolves with result EFFECT_SEEN.
   */
  private async withEffect(command: number, params: number[], effect: string, done: (t: Telemetry) => boolean): Promise<CommandResult> {
    const name = commandName(command);
    let refusal: { result: number; hostMs: number } | null = null;
    // Only a refusal after an acceptance counts here (a first refusal is command()'s to report).
    // Kept in arrival order by the listener, not by when command() resolves: both ACKs may come
    // in one read (PX4's are 10 ms apart, a loaded host or link can hand them over together).
    let accepted = false;
    const offAck = this.link.on(common.CommandAck, (msg) => {
      if (msg.sysid !== this.sysId || msg.data.command !== command) return;
      const r = msg.data.result;
      if (r === common.MavResult.ACCEPTED || r === common.MavResult.IN_PROGRESS) accepted = true;
      else if (accepted) refusal = { result: r, hostMs: msg.hostTimeMs };
    });
    // A lost ACK is only made good by an effect that was not there before the command.
    const before = done(this.telemetry);
    const sentAt = hostNowMs();
    const sentVehicleMs = this.telemetry.vehicleTimeMs;
    const seen = (r: CommandResult): CommandResult => {
      const now = this.telemetry.vehicleTimeMs;
      return { ...r, effectVehicleMs: sentVehicleMs !== null && now !== null ? now - sentVehicleMs : null };
    };
    try {
      for (let attempt = 1; ; attempt++) {
        let result: CommandResult;
        try {
          refusal = null;
          accepted = false;
          result = await this.command(command, params);
        } catch (err) {
          // No ACK is not no effect: PX4 may have acted and the ACK been lost or late.
          if (!(err instanceof CommandTimeout) || before || !done(this.telemetry)) throw err;
          return seen({ command: name, result: 'EFFECT_SEEN', latencyMs: hostNowMs() - sentAt, tries: err.tries });
        }
        if (done(this.telemetry)) return seen(result);
        const effective = await waitFor(this.telemetry, (t) => refusal !== null || done(t), {
          timeout: this.effectTimeoutMs,
          clock: 'vehicle',
          what: `${name} accepted: vehicle ${effect}`,
        }).then(
          () => true,
          (err: unknown) => {
            if (err instanceof WaitTimeout) return false;
            throw err;
          },
        );
        const r = refusal as { result: number; hostMs: number } | null;
        if (r && !done(this.telemetry)) {
          const text = this.telemetry.lastStatusText(r.hostMs - 2000, WARNING) ?? this.telemetry.lastStatusText(r.hostMs - 2000);
          throw new CommandDenied(name, `${resultName(r.result)} after ACCEPTED`, text, result.tries, hostNowMs() - sentAt);
        }
        if (effective) return seen(result);
        // Accepted without effect. An ACK names only the command id, so on a lossy link a late or
        // duplicated ACK of an earlier command with the same id (the last disarm) may have been
        // taken for this one's: send it once more before calling it ineffective.
        if (attempt >= EFFECT_ATTEMPTS) throw new CommandNotEffective(name, effect, this.effectTimeoutMs, describeState(this.telemetry), attempt);
      }
    } finally {
      offAck();
    }
  }

  /**
   * MAV_CMD_NAV_TAKEOFF. PX4 reads param7 of a COMMAND_LONG as AMSL, so a relative altitude is
   * added to the home altitude from telemetry; without one, NaN lets PX4 use MIS_TAKEOFF_ALT.
   */
  async takeoff(altitudeM?: number): Promise<CommandResult> {
    let amsl = NaN;
    if (altitudeM !== undefined) {
      if (!Number.isFinite(altitudeM) || altitudeM <= 0) throw new PilotError(`takeoff(${altitudeM}): altitude must be a positive number of metres above home`);
      const home = this.telemetry.home;
      if (!home) throw new PilotError(`takeoff(${altitudeM}): no HOME_POSITION received yet, so the AMSL target altitude is unknown`);
      amsl = home.alt + altitudeM;
    }
    return this.withEffect(common.MavCmd.NAV_TAKEOFF, [NaN, 0, 0, NaN, NaN, NaN, amsl], 'in Takeoff', (t) => t.modeName === 'Takeoff' || climbing(t));
  }

  /** MAV_CMD_NAV_LAND at the current position (NaN yaw / lat / lon / alt); resolves once PX4 is in Land. */
  async land(): Promise<CommandResult> {
    return this.withEffect(common.MavCmd.NAV_LAND, [0, 0, 0, NaN, NaN, NaN, NaN], 'in Land', (t) => t.modeName === 'Land');
  }

  /** Resolves once PX4 is in Return. */
  async returnToLaunch(): Promise<CommandResult> {
    return this.withEffect(common.MavCmd.NAV_RETURN_TO_LAUNCH, [], 'in Return', (t) => t.modeName === 'Return');
  }

  async hold(): Promise<CommandResult> {
    return this.setMode('Hold');
  }

  /**
   * MAV_CMD_DO_SET_MODE: param1 = MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, param2 = main, param3 = sub.
   * Resolves once HEARTBEAT shows the mode; PX4's later refusal rejects with its text.
   */
  async setMode(name: Px4ModeName): Promise<CommandResult> {
    const { main, sub } = px4ModeByName(name);
    return this.withEffect(common.MavCmd.DO_SET_MODE, [minimal.MavModeFlag.CUSTOM_MODE_ENABLED, main, sub], `in ${name}`, (t) => t.modeName === name);
  }

  /**
   * Starts the vehicle-clock-paced setpoint stream (the given setpoint, or hold the current position
   * and heading), streams for `preStreamSetpoints` periods of vehicle time, then switches to OFFBOARD. If the
   * switch is refused the stream is stopped again.
   */
  async startOffboard(initial?: Setpoint): Promise<CommandResult> {
    const sp = initial ? parseSetpoint(initial, 'startOffboard') : this.holdHere();
    const startSent = this.streamer.sent;
    this.streamer.start(sp);
    try {
      // PX4 wants a live stream, not a count: stream for preStream periods of vehicle time. With
      // sparse telemetry fewer setpoints go out in that time (one per observed vehicle time).
      const span = this.preStream * (1000 / this.streamer.rateHz);
      let t0: number | null = null;
      await waitFor(
        this.telemetry,
        (t) => {
          const now = t.vehicleTimeMs;
          if (now === null) return false;
          t0 ??= now;
          return now - t0 >= span && this.streamer.sent - startSent >= Math.min(2, this.preStream);
        },
        { timeout: 4 * span + 2000, clock: 'vehicle', what: `offboard pre-stream (${this.preStream} setpoint periods)` },
      );
      return await this.setMode('Offboard');
    } catch (e) {
      this.streamer.stop();
      throw e;
    }
  }

  async stopOffboard(): Promise<void> {
    this.streamer.stop();
  }

  get lastSetpointVehicleMs(): number | null {
    return this.streamer.lastSentVehicleMs;
  }

  setSetpoint(sp: Setpoint): void {
    const parsed = parseSetpoint(sp, 'setSetpoint');
    if (!this.streamer.running) throw new PilotError('setSetpoint: no setpoint stream is running (call startOffboard first)');
    this.streamer.set(parsed);
  }

  /**
   * In offboard (our stream running and the vehicle in Offboard): a position setpoint, resolved at
   * once with result 'STREAMING' (setpoints have no ack). Otherwise MAV_CMD_DO_REPOSITION (as
   * COMMAND_INT, full lat/lon precision) to the NED point converted through HOME_POSITION.
   */
  async goTo(north: number, east: number, down: number, yaw?: number): Promise<CommandResult> {
    const sp = parseSetpoint({ type: 'position', north, east, down, ...(yaw === undefined ? {} : { yaw }) }, 'goTo');
    if (this.streamer.running) {
      const mode = this.telemetry.modeName;
      if (mode !== 'Offboard') throw new PilotError(`goTo: the setpoint stream runs but the vehicle is in ${mode ?? 'an unknown mode'}, not Offboard`);
      this.streamer.set(sp);
      return { command: 'SET_POSITION_TARGET_LOCAL_NED', result: 'STREAMING', latencyMs: 0, tries: 1 };
    }
    const home = this.telemetry.home;
    if (!home) throw new PilotError('goTo: not in offboard, and no HOME_POSITION received yet to convert NED to a DO_REPOSITION target');
    const { lat, lon } = toLatLon(home, north, east);
    const alt = home.alt - (down - home.down);
    // param1 ground speed −1 = default; param2 bit 0 = switch to a guided (Hold) mode; param4 yaw.
    return this.commands.int(common.MavCmd.DO_REPOSITION, [-1, 1, 0, yaw ?? NaN], {
      frame: common.MavFrame.GLOBAL,
      x: lat * 1e7,
      y: lon * 1e7,
      z: alt,
    });
  }

  async uploadMission(items: readonly MissionPlanItem[]): Promise<TransferResult> {
    return this.uploadPlan('mission', missionToWire(items, this.anchor('uploadMission')));
  }

  async downloadMission(): Promise<MissionPlanItem[]> {
    const home = this.anchor('downloadMission');
    return missionFromWire((await this.missions.download('mission')).items, home);
  }

  async clearMission(): Promise<TransferResult> {
    const r = await this.missions.clear('mission');
    this.telemetry.resetMissionItemsReached();
    return r;
  }

  async startMission(opts: { fromItem?: number } = {}): Promise<CommandResult> {
    if (opts.fromItem !== undefined) {
      const seq = opts.fromItem;
      if (!Number.isInteger(seq) || seq < 0) throw new PilotError(`startMission: fromItem must be an integer ≥ 0, got ${seq}`);
      // MISSION_SET_CURRENT has no ACK of its own: MISSION_CURRENT shows whether PX4 took it.
      const msg = new common.MissionSetCurrent();
      Object.assign(msg, { targetSystem: this.sysId, targetComponent: this.targetCompId, seq });
      this.link.send(msg);
      const ok = await waitFor(this.telemetry, (t) => t.mission?.seq === seq, { timeout: this.effectTimeoutMs, clock: 'vehicle', what: `MISSION_CURRENT ${seq}` }).then(() => true, () => false);
      if (!ok) {
        const m = this.telemetry.mission;
        throw new MissionError('set current', 'mission', 'NOT_SET', `MISSION_CURRENT still shows item ${m?.seq ?? '?'} of ${m?.total ?? '?'}`);
      }
    }
    // PX4 checks a new plan's feasibility asynchronously, once its navigator has reloaded the
    // geofence data (mission_base.cpp canRunMissionFeasibility); until then it refuses Mission as
    // "currently not available". Right after an upload that refusal is retried, not reported.
    for (;;) {
      try {
        return await this.setMode('Mission');
      } catch (err) {
        const since = this.sinceUploadMs();
        if (!(err instanceof CommandDenied) || !err.result.startsWith('TEMPORARILY_REJECTED') || since === null || since > PLAN_CHECK_GRACE_MS) throw err;
        await waitFor(this.telemetry, () => (this.sinceUploadMs() ?? Infinity) > since + PLAN_CHECK_RETRY_MS, { timeout: PLAN_CHECK_RETRY_MS * 4, clock: 'vehicle', what: 'a moment for PX4 to check the new plan' });
      }
    }
  }

  /** Vehicle ms since the last plan upload through this pilot (null: none, or time unknown). */
  private sinceUploadMs(): number | null {
    const now = this.telemetry.vehicleTimeMs;
    return this.lastUploadVehicleMs === null || now === null ? null : now - this.lastUploadVehicleMs;
  }

  async uploadGeofence(zones: readonly FenceZone[]): Promise<TransferResult> {
    return this.uploadPlan('fence', fenceToWire(zones, this.anchor('uploadGeofence')));
  }

  async uploadRally(points: readonly RallyPoint[]): Promise<TransferResult> {
    return this.uploadPlan('rally', rallyToWire(points, this.anchor('uploadRally')));
  }

  /** Every plan upload: a new mission starts its items-reached list afresh; any plan restarts PX4's feasibility check (startMission's grace). */
  private async uploadPlan(type: PlanType, wire: WireItem[]): Promise<TransferResult> {
    const r = await this.missions.upload(type, wire);
    if (type === 'mission') this.telemetry.resetMissionItemsReached();
    this.lastUploadVehicleMs = this.telemetry.vehicleTimeMs;
    return r;
  }

  /** HOME_POSITION, which converts the pilot's local frame to a plan's global coordinates. */
  private anchor(where: string): HomeAnchor {
    const home = this.telemetry.home;
    if (!home) throw new PilotError(`${where}: no HOME_POSITION received yet to convert north/east to latitude/longitude`);
    return home;
  }

  /** MAV_CMD_INJECT_FAILURE (PX4 needs SYS_FAILURE_EN = 1). Instance 0 = all. */
  async injectFailure(unit: FailureUnitName | number, type: FailureTypeName | number, instance = 0): Promise<CommandResult> {
    const u = typeof unit === 'number' ? unit : (common.FailureUnit as unknown as Record<string, number>)[unit];
    const t = typeof type === 'number' ? type : (common.FailureType as unknown as Record<string, number>)[type];
    if (u === undefined) throw new PilotError(`injectFailure: unknown unit "${unit}": expected a FAILURE_UNIT name such as SENSOR_GPS or SYSTEM_MOTOR`);
    if (t === undefined) throw new PilotError(`injectFailure: unknown type "${type}": expected one of OK, OFF, STUCK, GARBAGE, WRONG, SLOW, DELAYED, INTERMITTENT`);
    return this.command(common.MavCmd.INJECT_FAILURE, [u, t, instance]);
  }

  async close(): Promise<void> {
    this.streamer.stop();
  }

  private holdHere(): Setpoint {
    const p = this.telemetry.localPosition;
    if (!p) throw new PilotError('startOffboard: no LOCAL_POSITION_NED received yet to hold; pass an initial setpoint');
    const yaw = this.telemetry.attitude?.yaw;
    return { type: 'position', north: p.north, east: p.east, down: p.down, ...(yaw === undefined ? {} : { yaw }) };
  }
}

function parseSetpoint(sp: unknown, where: string): Setpoint {
  const r = SetpointSchema.safeParse(sp);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new PilotError(`${where}: setpoint.${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data;
}
