/**
 * A scripted MAVLink peer: a tiny fake autopilot on a real UDP socket on 127.0.0.1. It sends what
 * the test tells it to (heartbeats, telemetry with chosen time_boot_ms, status texts), runs a
 * vehicle clock at a chosen speed, and answers commands, parameters and TIMESYNC as scripted.
 * Integer parameters use PX4's byte-wise encoding, written and read straight from the frame bytes.
 */
import { common, minimal } from 'node-mavlink';
import type { MavLinkData } from 'node-mavlink';
import { Link, type Message } from '../../src/mavlink/link.js';
import { UdpTransport } from '../../src/mavlink/transports/udp.js';
import { FrameEncoder, crcX25, type Frame } from '../../src/mavlink/codec.js';
import { CRC_EXTRA } from '../../src/mavlink/registry.js';

export interface AckReply {
  result: number;
  progress?: number;
  /** Host ms before the ack goes out. */
  delayMs?: number;
  /** A STATUSTEXT sent just before or just after the ack (PX4 explains refusals this way). */
  statusText?: { severity: number; text: string; when: 'before' | 'after' };
  /** A further ack for the same command (e.g. ACCEPTED after IN_PROGRESS). */
  then?: AckReply;
  /**
   * Whether an ACCEPTED command takes effect (armed, the mode) in the HEARTBEAT sent right after
   * the ack, as PX4 does. Default true; false for PX4's accepted-then-refused answers.
   */
  effect?: boolean;
}
export type CommandReply = AckReply | 'drop';

export interface ReceivedCommand {
  command: number;
  confirmation: number;
  params: number[];
  hostMs: number;
  kind: 'long' | 'int';
  x?: number;
  y?: number;
}

export interface PeerParam {
  type: number;
  /** The 4 value bytes as PX4 keeps them (int32 little-endian for integers, float32 for REAL32). */
  bytes: Buffer;
}

export class ScriptedPeer {
  /** The vehicle clock, ms since "boot". */
  bootMs = 0;
  mainMode = 4;
  subMode = 3;
  armed = false;
  readonly commands: ReceivedCommand[] = [];
  readonly received: Message[] = [];
  /** Replies per command id, consumed in order; when empty, `defaultReply`. */
  readonly script = new Map<number, CommandReply[]>();
  defaultReply: CommandReply = { result: common.MavResult.ACCEPTED };
  readonly params = new Map<string, PeerParam>();
  /** Answer PARAM_SET (false: stay silent, to test retries). */
  answerParams = true;
  /** vehicle − host offset (ms) the TIMESYNC answers use; null = do not answer. */
  timesyncOffsetMs: number | null = null;
  /** Position sent with each clock tick. */
  position = { x: 0, y: 0, z: 0, vx: 0, vy: 0, vz: 0 };
  private clockTimer: NodeJS.Timeout | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private hbTimer: NodeJS.Timeout | null = null;
  private readonly rawEncoder = new FrameEncoder({ sysId: 1, compId: 1 });

  private constructor(
    readonly link: Link,
    readonly transport: UdpTransport,
    readonly sysId: number,
  ) {}

  /** Binds 127.0.0.1:port and sends to 127.0.0.1:clientPort. */
  static async start(opts: { port: number; clientPort: number; sysId?: number }): Promise<ScriptedPeer> {
    const sysId = opts.sysId ?? 1;
    const transport = new UdpTransport({ bindHost: '127.0.0.1', bindPort: opts.port, remote: { host: '127.0.0.1', port: opts.clientPort }, followSender: true });
    const link = new Link(transport, { sysId, compId: 1, gcsHeartbeat: false, heartbeatTimeoutMs: 0, name: 'scripted peer' });
    const peer = new ScriptedPeer(link, transport, sysId);
    link.on('*', (m) => peer.received.push(m));
    link.on(common.CommandLong, (m) => peer.onCommand(m.data, 'long', m.hostTimeMs));
    link.on(common.CommandInt, (m) => peer.onCommand(m.data, 'int', m.hostTimeMs));
    link.on(common.ParamRequestRead, (m) => peer.sendParam(m.data.paramId));
    link.onRawFrame((f) => peer.onRawFrame(f));
    link.on(common.TimeSync, (m) => peer.onTimesync(m.data, m.hostTimeMs));
    await link.open();
    return peer;
  }

  send(msg: MavLinkData): void {
    this.link.send(msg);
  }

  heartbeat(): void {
    const hb = new minimal.Heartbeat();
    hb.type = minimal.MavType.QUADROTOR;
    hb.autopilot = minimal.MavAutopilot.PX4;
    hb.baseMode = (minimal.MavModeFlag.CUSTOM_MODE_ENABLED | (this.armed ? minimal.MavModeFlag.SAFETY_ARMED : 0)) as minimal.MavModeFlag;
    hb.customMode = ((this.subMode << 24) | (this.mainMode << 16)) >>> 0;
    hb.systemStatus = minimal.MavState.STANDBY;
    hb.mavlinkVersion = 3;
    this.send(hb);
  }

  /** Sends HEARTBEAT every `everyMs` (host clock) until stopHeartbeats(). */
  startHeartbeats(everyMs = 50): void {
    this.heartbeat();
    this.hbTimer = setInterval(() => this.heartbeat(), everyMs);
  }

  stopHeartbeats(): void {
    if (this.hbTimer) clearInterval(this.hbTimer);
    this.hbTimer = null;
  }

  localPosition(timeBootMs = this.bootMs): void {
    const m = new common.LocalPositionNed();
    m.timeBootMs = timeBootMs;
    Object.assign(m, this.position);
    this.send(m);
  }

  statusText(severity: number, text: string, id = 0, chunkSeq = 0): void {
    const m = new common.StatusText();
    m.severity = severity;
    m.text = text;
    m.id = id;
    m.chunkSeq = chunkSeq;
    this.send(m);
  }

  /**
   * Runs the vehicle clock at `speed` × host time, ticking every `tickMs` of host time; each tick
   * advances bootMs and sends LOCAL_POSITION_NED stamped with it (what telemetry's clock follows).
   */
  runClock(speed: number, tickMs = 5): void {
    this.stopClock();
    let last = performance.now();
    this.clockTimer = setInterval(() => {
      const now = performance.now();
      this.bootMs += (now - last) * speed;
      last = now;
      this.bootMs = Math.floor(this.bootMs * 1000) / 1000;
      this.localPosition(Math.floor(this.bootMs));
    }, tickMs);
  }

  stopClock(): void {
    if (this.clockTimer) clearInterval(this.clockTimer);
    this.clockTimer = null;
  }

  /** Messages of a class received from the client. */
  messages<T extends MavLinkData>(kind: { MSG_ID: number; new (): T }): Message<T>[] {
    return this.received.filter((m) => m.msgid === kind.MSG_ID) as Message<T>[];
  }

  private onCommand(d: common.CommandLong | common.CommandInt, kind: 'long' | 'int', hostMs: number): void {
    const params = [d._param1, d._param2, d._param3, d._param4, d._param5, d._param6, d._param7];
    this.commands.push({
      command: d.command,
      confirmation: kind === 'long' ? (d as common.CommandLong).confirmation : 0,
      params,
      hostMs,
      kind,
      ...(kind === 'int' ? { x: d._param5, y: d._param6 } : {}),
    });
    const queue = this.script.get(d.command);
    const reply = queue && queue.length > 0 ? queue.shift()! : this.defaultReply;
    if (reply === 'drop') return;
    this.ack(d.command, reply);
  }

  /** What PX4 would show in HEARTBEAT after accepting a command, applied and sent at once. */
  private applyEffect(command: number): void {
    const c = this.commands.findLast((x) => x.command === command);
    const p = c?.params ?? [];
    const CMD = common.MavCmd;
    if (command === CMD.COMPONENT_ARM_DISARM) this.armed = p[0] === 1;
    else if (command === CMD.DO_SET_MODE) [this.mainMode, this.subMode] = [p[1]!, p[2]!];
    else if (command === CMD.NAV_TAKEOFF) [this.mainMode, this.subMode] = [4, 2];
    else if (command === CMD.NAV_LAND) [this.mainMode, this.subMode] = [4, 6];
    else if (command === CMD.NAV_RETURN_TO_LAUNCH) [this.mainMode, this.subMode] = [4, 5];
    else return;
    this.heartbeat();
  }

  private ack(command: number, reply: AckReply): void {
    const go = () => {
      if (reply.statusText?.when === 'before') this.statusText(reply.statusText.severity, reply.statusText.text);
      const a = new common.CommandAck();
      a.command = command;
      a.result = reply.result;
      a.progress = reply.progress ?? 0;
      a.resultParam2 = 0;
      a.targetSystem = 255;
      a.targetComponent = 190;
      this.send(a);
      if (reply.result === common.MavResult.ACCEPTED && reply.effect !== false) this.applyEffect(command);
      if (reply.statusText?.when === 'after') this.statusText(reply.statusText.severity, reply.statusText.text);
      if (reply.then) this.ack(command, reply.then);
    };
    if (reply.delayMs) this.timers.push(setTimeout(go, reply.delayMs));
    else go();
  }

  /** PARAM_SET read from the frame bytes: the value field is 4 raw bytes, whatever the type. */
  private onRawFrame(f: Frame): void {
    if (f.msgid !== common.ParamSet.MSG_ID) return;
    const p = Buffer.alloc(23);
    f.payload.copy(p);
    const bytes = Buffer.from(p.subarray(0, 4));
    const name = p.subarray(6, 22).toString('latin1').replace(/\0.*$/s, '');
    const type = p[22]!;
    if (!this.answerParams) return;
    this.params.set(name, { type, bytes });
    this.sendParam(name);
  }

  /** Sends PARAM_VALUE with the stored bytes patched into the value field (CRC recomputed). */
  sendParam(name: string): void {
    const p = this.params.get(name);
    if (!p || !this.answerParams) return;
    const m = new common.ParamValue();
    m.paramId = name;
    m.paramValue = 0;
    m.paramType = p.type;
    m.paramCount = this.params.size;
    m.paramIndex = [...this.params.keys()].indexOf(name);
    const frame = Buffer.from(this.rawEncoder.encode(m));
    const plen = frame[1]!;
    p.bytes.copy(frame, 10); // payload starts after the 10-byte MAVLink 2 header; value at offset 0
    const crc = crcX25(frame, 1, 10 + plen, CRC_EXTRA[common.ParamValue.MSG_ID]!);
    frame.writeUInt16LE(crc, 10 + plen);
    this.transport.write(frame);
  }

  private onTimesync(d: common.TimeSync, hostMs: number): void {
    if (d.tc1 !== 0n || this.timesyncOffsetMs === null) return;
    const r = new common.TimeSync();
    r.tc1 = BigInt(Math.round((hostMs + this.timesyncOffsetMs) * 1e6));
    r.ts1 = d.ts1;
    r.targetSystem = 255;
    r.targetComponent = 190;
    this.send(r);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.stopClock();
    this.stopHeartbeats();
    await this.link.close();
  }
}

/** A client link on 127.0.0.1:port (answers whoever sends, as udp://:14540 does). */
export async function clientLink(port: number, opts: { heartbeatTimeoutMs?: number } = {}): Promise<Link> {
  const t = new UdpTransport({ bindHost: '127.0.0.1', bindPort: port, followSender: true });
  return new Link(t, { heartbeatTimeoutMs: opts.heartbeatTimeoutMs ?? 0, name: `client :${port}` }).open();
}

/** Resolves when `cond()` holds (polled every 5 ms), failing after `ms` of host time. */
export async function until(cond: () => boolean, ms = 2000, what = 'condition'): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`test: ${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
