import { common } from 'node-mavlink';
import { hostNowMs } from '../clock/host.js';
import type { Link } from '../mavlink/link.js';
import { CommandDenied, CommandTimeout } from './errors.js';
import type { CommandResult } from './pilot.js';
import type { StatusText, Telemetry } from './telemetry.js';

/** A measurement per answered command (accepted or refused; timeouts are errors, not samples). */
export interface CommandAckSample {
  command: string;
  result: string;
  /** Host clock, from the first transmission to the final ack. */
  latencyMs: number;
  /** Vehicle clock, the same span (null while the vehicle's time is unknown). */
  vehicleLatencyMs: number | null;
  /** The vehicle's own answering time (see CommandResult.vehicleResponseMs); absent unless the target shares its clock. */
  vehicleResponseMs?: number | null;
  tries: number;
}

export interface CommandSenderOptions {
  targetSysId: number;
  /** Default 1 (the autopilot). */
  targetCompId?: number;
  /**
   * Wait for an ack before retransmitting. Default 500 ms, MAVSDK's default: PX4 acks within
   * milliseconds on a healthy link, so this only matters when a frame was lost. It runs out on
   * whichever clock gets there first: the vehicle's under a speed-up (a lost frame costs the
   * vehicle 500 ms, as on a real link), the host's when telemetry stops.
   */
  perTryTimeoutMs?: number;
  /** Transmissions in all (COMMAND_LONG confirmation 0, 1, 2, …). Default 3, as MAVSDK. */
  tries?: number;
  /** After an IN_PROGRESS ack, how long to wait for the next one (either clock, as perTryTimeoutMs). Default 5 s. */
  inProgressTimeoutMs?: number;
  /**
   * The vehicle's time now (ms since boot), where the target knows it exactly (the sim shares its
   * clock). Else, with `clockRate`, vehicle time is host time × the vehicle clock's measured rate;
   * with neither, the latest vehicle time telemetry has seen.
   */
  vehicleNow?: () => number | null;
  /** Vehicle ms per host ms (VehicleClockRate): the speed factor of a SITL run, 1 on hardware. */
  clockRate?: () => number;
  /** A refusal is explained by the last STATUSTEXT received this long before the ack (host clock). Default 2 s. */
  denialTextWindowMs?: number;
  /** If no STATUSTEXT came since the command was sent, wait this long after a refusal for one. Default 200 ms. */
  denialTextGraceMs?: number;
  onCommandAck?: (sample: CommandAckSample) => void;
}

export interface CommandInt {
  frame: number;
  /** x, y as sent (int32, e.g. degE7), z as float. */
  x: number;
  y: number;
  z: number;
}

export function commandName(command: number): string {
  const n = (common.MavCmd as unknown as Record<number, string>)[command];
  return n ? `MAV_CMD_${n}` : `MAV_CMD ${command}`;
}

export function resultName(result: number): string {
  return (common.MavResult as unknown as Record<number, string>)[result] ?? `MAV_RESULT ${result}`;
}

/** Past the link's HEARTBEAT deadline, how long a command without an ack still waits for the link's LinkLost (host ms). */
const LINK_VERDICT_GRACE_MS = 500;

/** How a sender times a command on the vehicle clock, besides the host's. */
interface VehicleTiming {
  /** Calls `onSilence` once `ms` have passed on whichever clock gets there first; returns a cancel. */
  wait(ms: number, onSilence: (clock: 'host' | 'vehicle') => void): () => void;
  /** At the first transmission: returns the vehicle-clock span to the ack, given its host latency. */
  start(): (hostMs: number) => number | null;
  /** At the first transmission, where the target shares its clock: returns, at the ack, the vehicle's answering time. */
  startResponse?(): () => number | null;
}

/**
 * Vehicle time read from stamps: a clock the target shares (the sim), or the latest time telemetry
 * has seen. The vehicle's deadline is checked as telemetry arrives.
 */
function stampTiming(telemetry: Telemetry, now: () => number | null, shared: boolean): VehicleTiming {
  return {
    ...(shared && {
      startResponse() {
        const sent = now();
        return () => {
          // The stream is in order: the latest stamp read is the vehicle's time when it sent the ACK.
          const stamp = telemetry.vehicleTimeMs;
          return sent !== null && stamp !== null ? Math.max(0, stamp - sent) : null;
        };
      },
    }),
    wait(ms, onSilence) {
      const timer = setTimeout(() => onSilence('host'), ms);
      const from = now();
      const off =
        from === null
          ? () => {}
          : telemetry.onUpdate(() => {
              const t = now();
              if (t !== null && t >= from + ms) onSilence('vehicle');
            });
      return () => {
        clearTimeout(timer);
        off();
      };
    },
    start() {
      const sent = now();
      return () => {
        const acked = now();
        return sent !== null && acked !== null ? acked - sent : null;
      };
    },
  };
}

/**
 * Vehicle time as host time × the vehicle clock's measured rate: telemetry's own stamps lag by
 * whatever the client has not read yet, which a speed factor multiplies.
 */
function rateTiming(rate: () => number): VehicleTiming {
  return {
    wait(ms, onSilence) {
      const r = rate();
      const timer = setTimeout(() => onSilence(r > 1 ? 'vehicle' : 'host'), ms / Math.max(1, r));
      return () => clearTimeout(timer);
    },
    start: () => (hostMs) => hostMs * rate(),
  };
}

/**
 * Sends commands and waits for their COMMAND_ACK, retransmitting on silence. One ack listener
 * spans every try, so a late ack to an earlier transmission still counts. Commands with the same
 * id are sent one after another (acks carry only the command id, so two in flight would be ambiguous).
 */
export class CommandSender {
  private readonly targetSysId: number;
  private readonly targetCompId: number;
  private readonly perTryTimeoutMs: number;
  private readonly tries: number;
  private readonly inProgressTimeoutMs: number;
  private readonly denialTextWindowMs: number;
  private readonly denialTextGraceMs: number;
  private readonly queues = new Map<number, Promise<unknown>>();
  private readonly timing: VehicleTiming;

  constructor(
    private readonly link: Link,
    private readonly telemetry: Telemetry,
    private readonly opts: CommandSenderOptions,
  ) {
    this.targetSysId = opts.targetSysId;
    this.targetCompId = opts.targetCompId ?? 1;
    this.perTryTimeoutMs = opts.perTryTimeoutMs ?? 500;
    this.tries = opts.tries ?? 3;
    this.inProgressTimeoutMs = opts.inProgressTimeoutMs ?? 5000;
    this.denialTextWindowMs = opts.denialTextWindowMs ?? 2000;
    this.denialTextGraceMs = opts.denialTextGraceMs ?? 200;
    if (!(this.tries >= 1)) throw new RangeError(`command sender: tries: must be ≥ 1, got ${this.tries}`);
    this.timing =
      !opts.vehicleNow && opts.clockRate ? rateTiming(opts.clockRate) : stampTiming(telemetry, opts.vehicleNow ?? (() => telemetry.vehicleTimeMs), opts.vehicleNow !== undefined);
  }

  /** COMMAND_LONG with up to 7 params (missing ones are 0). */
  long(command: number, params: number[] = []): Promise<CommandResult> {
    return this.enqueue(command, () => this.run(command, params, null));
  }

  /** COMMAND_INT (no confirmation field: retries resend it unchanged). */
  int(command: number, params: number[], pos: CommandInt): Promise<CommandResult> {
    return this.enqueue(command, () => this.run(command, params, pos));
  }

  private enqueue(command: number, job: () => Promise<CommandResult>): Promise<CommandResult> {
    const prev = this.queues.get(command) ?? Promise.resolve();
    const next = prev.then(job, job);
    const tail = next.catch(() => undefined);
    this.queues.set(command, tail);
    void tail.then(() => {
      if (this.queues.get(command) === tail) this.queues.delete(command);
    });
    return next;
  }

  private build(command: number, params: number[], pos: CommandInt | null, confirmation: number): common.CommandLong | common.CommandInt {
    const p = (i: number) => params[i] ?? 0;
    if (pos) {
      const m = new common.CommandInt();
      m.targetSystem = this.targetSysId;
      m.targetComponent = this.targetCompId;
      m.frame = pos.frame;
      m.command = command;
      m.current = 0;
      m.autocontinue = 0;
      m._param1 = p(0);
      m._param2 = p(1);
      m._param3 = p(2);
      m._param4 = p(3);
      m._param5 = Math.round(pos.x);
      m._param6 = Math.round(pos.y);
      m._param7 = pos.z;
      return m;
    }
    const m = new common.CommandLong();
    m.targetSystem = this.targetSysId;
    m.targetComponent = this.targetCompId;
    m.command = command;
    m.confirmation = confirmation;
    m._param1 = p(0);
    m._param2 = p(1);
    m._param3 = p(2);
    m._param4 = p(3);
    m._param5 = p(4);
    m._param6 = p(5);
    m._param7 = p(6);
    return m;
  }

  private run(command: number, params: number[], pos: CommandInt | null): Promise<CommandResult> {
    const name = commandName(command);
    return new Promise<CommandResult>((resolve, reject) => {
      const lost = this.link.lost;
      if (lost) return reject(lost);
      let tries = 0;
      let firstSent = 0;
      let vehicleSpan: (hostMs: number) => number | null = () => null;
      let vehicleResponse: (() => number | null) | null = null;
      let progress: number | null = null;
      let cancelWait = () => {};
      const waitFor = (ms: number) => {
        cancelWait();
        cancelWait = this.timing.wait(ms, onSilence);
      };
      const cleanup = () => {
        cancelWait();
        offAck();
        offLost();
      };
      const transmit = () => {
        const msg = this.build(command, params, pos, tries);
        tries++;
        if (tries === 1) {
          firstSent = hostNowMs();
          vehicleSpan = this.timing.start();
          vehicleResponse = this.timing.startResponse?.() ?? null;
        }
        this.link.send(msg);
        waitFor(this.perTryTimeoutMs);
      };
      const onSilence = (clock: 'host' | 'vehicle') => {
        if (progress === null && tries < this.tries) return transmit();
        const timeout = () => {
          cleanup();
          reject(new CommandTimeout(name, tries, progress === null ? this.perTryTimeoutMs : this.inProgressTimeoutMs, this.link.name, progress, clock));
        };
        // No ack, and no HEARTBEAT either since the command went out: the vehicle, not the command,
        // may be what went silent. The link's own watch decides within its HEARTBEAT timeout: LinkLost
        // (through offLost) if it is lost, CommandTimeout as soon as the vehicle is heard again.
        const hb = this.link.lastHeartbeatAt;
        if (this.link.heartbeatTimeoutMs > 0 && hb !== null && hb < firstSent) {
          cancelWait();
          const offBeat = this.link.onVehicleHeartbeat(() => timeout());
          const cap = setTimeout(timeout, Math.max(0, hb + this.link.heartbeatTimeoutMs - hostNowMs()) + LINK_VERDICT_GRACE_MS);
          cancelWait = () => {
            offBeat();
            clearTimeout(cap);
          };
          return;
        }
        timeout();
      };
      const offLost = this.link.onLost((err) => {
        cleanup();
        reject(err);
      });
      const offAck = this.link.on(common.CommandAck, (msg) => {
        if (msg.sysid !== this.targetSysId || msg.data.command !== command) return;
        if (this.targetCompId !== 0 && msg.compid !== this.targetCompId) return;
        const r = msg.data.result;
        if (r === common.MavResult.IN_PROGRESS) {
          // Still working on it: no retransmission, wait longer for the final answer.
          progress = msg.data.progress ?? 255;
          waitFor(this.inProgressTimeoutMs);
          return;
        }
        cleanup();
        const latencyMs = msg.hostTimeMs - firstSent;
        const sample: CommandAckSample = { command: name, result: resultName(r), latencyMs, vehicleLatencyMs: vehicleSpan(latencyMs), ...(vehicleResponse && { vehicleResponseMs: vehicleResponse() }), tries };
        this.opts.onCommandAck?.(sample);
        if (r === common.MavResult.ACCEPTED) return resolve(sample);
        void this.explainDenial(firstSent, msg.hostTimeMs).then((text) =>
          reject(new CommandDenied(name, sample.result, text, tries, sample.latencyMs)),
        );
      });
      transmit();
    });
  }

  /** The STATUSTEXT that explains a refusal: PX4 may send it just before or just after the ack. */
  private async explainDenial(sentAt: number, ackAt: number): Promise<StatusText | null> {
    const since = ackAt - this.denialTextWindowMs;
    if (!this.telemetry.lastStatusText(sentAt) && this.denialTextGraceMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.denialTextGraceMs);
        const off = this.telemetry.onStatusText(done);
        function done() {
          clearTimeout(timer);
          off();
          resolve();
        }
      });
    }
    // A warning or worse explains a refusal; PX4's INFO chatter around it (the logger's file name) does not.
    return this.telemetry.lastStatusText(since, 4) ?? this.telemetry.lastStatusText(since);
  }
}
