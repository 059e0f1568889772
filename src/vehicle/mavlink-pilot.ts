import { common, minimal } from 'node-mavlink';
import type { Link } from '../mavlink/link.js';
import { CommandSender, type CommandAckSample } from './command-sender.js';
import { PilotError } from './errors.js';
import { ParamClient } from './params.js';
import type { CommandResult, FailureTypeName, FailureUnitName, Pilot, Setpoint } from './pilot.js';
import { Setpoint as SetpointSchema } from './pilot.js';
import { px4ModeByName, type Px4ModeName } from './px4-modes.js';
import { SetpointStreamer, type SetpointSent } from './setpoint-streamer.js';
import type { Telemetry } from './telemetry.js';
import { waitFor } from './wait.js';

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
}

const DISARM_FORCE_MAGIC = 21196;
const EARTH_RADIUS_M = 6_371_000;

/** Flies a PX4 vehicle with MAVLink commands; every call resolves on the vehicle's ACCEPTED ack. */
export class MavlinkPilot implements Pilot {
  readonly kind = 'mavlink';
  readonly params: ParamClient;
  readonly streamer: SetpointStreamer;
  private readonly commands: CommandSender;
  private readonly preStream: number;
  private readonly ackListeners = new Set<(sample: CommandAckSample) => void>();

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
    this.params = new ParamClient(link, { ...target, perTryTimeoutMs: opts.commandTimeoutMs, tries: opts.commandTries });
    this.streamer = new SetpointStreamer(link, telemetry, { ...target, rateHz: opts.setpointRateHz, onSetpointSent: opts.onSetpointSent });
    this.preStream = opts.preStreamSetpoints ?? 10;
  }

  onCommandAck(cb: (sample: CommandAckSample) => void): () => void {
    this.ackListeners.add(cb);
    return () => this.ackListeners.delete(cb);
  }

  /** Any COMMAND_LONG (params beyond those given are 0). */
  async command(command: number, params: number[] = []): Promise<CommandResult> {
    return this.commands.long(command, params);
  }

  async arm(): Promise<CommandResult> {
    return this.command(common.MavCmd.COMPONENT_ARM_DISARM, [1]);
  }

  async disarm(opts: { force?: boolean } = {}): Promise<CommandResult> {
    return this.command(common.MavCmd.COMPONENT_ARM_DISARM, [0, opts.force ? DISARM_FORCE_MAGIC : 0]);
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
    return this.command(common.MavCmd.NAV_TAKEOFF, [NaN, 0, 0, NaN, NaN, NaN, amsl]);
  }

  /** MAV_CMD_NAV_LAND at the current position (NaN yaw / lat / lon / alt). */
  async land(): Promise<CommandResult> {
    return this.command(common.MavCmd.NAV_LAND, [0, 0, 0, NaN, NaN, NaN, NaN]);
  }

  async returnToLaunch(): Promise<CommandResult> {
    return this.command(common.MavCmd.NAV_RETURN_TO_LAUNCH);
  }

  async hold(): Promise<CommandResult> {
    return this.setMode('Hold');
  }

  /** MAV_CMD_DO_SET_MODE: param1 = MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, param2 = main, param3 = sub. */
  async setMode(name: Px4ModeName): Promise<CommandResult> {
    const { main, sub } = px4ModeByName(name);
    return this.command(common.MavCmd.DO_SET_MODE, [minimal.MavModeFlag.CUSTOM_MODE_ENABLED, main, sub]);
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
    const dn = north - home.x;
    const de = east - home.y;
    const lat = home.lat + (dn / EARTH_RADIUS_M) * (180 / Math.PI);
    const lon = home.lon + (de / (EARTH_RADIUS_M * Math.cos((home.lat * Math.PI) / 180))) * (180 / Math.PI);
    const alt = home.alt - (down - home.z);
    // param1 ground speed −1 = default; param2 bit 0 = switch to a guided (Hold) mode; param4 yaw.
    return this.commands.int(common.MavCmd.DO_REPOSITION, [-1, 1, 0, yaw ?? NaN], {
      frame: common.MavFrame.GLOBAL,
      x: lat * 1e7,
      y: lon * 1e7,
      z: alt,
    });
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
    return { type: 'position', north: p.x, east: p.y, down: p.z, ...(yaw === undefined ? {} : { yaw }) };
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
