import { common } from 'node-mavlink';
import type { MavLinkData, MavLinkDataConstructor } from 'node-mavlink';
import { Link } from '../../../src/mavlink/link.js';
import type { Transport } from '../../../src/mavlink/transports/transport.js';
import type { ParamStore, StatusText, VehicleState } from '../model/types.js';
import { FrameWriter, Outbox, planFor, type Plan } from './frame-writer.js';
import type { LinkTraffic } from './stream-def.js';
import { DEFAULT_RATES, STREAMS, STREAM_BY_ID, type LinkMode, type StreamContext, type StreamDef } from './streams.js';

interface ActiveStream {
  def: StreamDef;
  msg: MavLinkData;
  plan: Plan;
  /** 0 = off */
  intervalUs: number;
  nextDueUs: number;
}

/** STATUSTEXT older than this (vehicle time) is stale and not sent on connect, as PX4. */
const STATUSTEXT_MAX_AGE_US = 5_000_000;
/** PX4's mavlink_log queue depth: what a link that connects late can still get. */
const STATUSTEXT_QUEUE = 8;
const STATUSTEXT_CHUNK = 50;
/** How long a link nobody has written to holds its frames at most (vehicle time). */
const UNHEARD_FLUSH_US = 100_000;

export interface InstanceOptions {
  name: string;
  sysId: number;
  transport: Transport;
  mode: LinkMode;
  /** Rate overrides by stream name (Hz; 0 = off). */
  rates?: Record<string, number>;
}

/**
 * One PX4 mavlink instance: a link with its own streams and rates, its own "GCS seen" state and
 * its own outgoing datagram batching. A vehicle has one per link (API, GCS, serial).
 */
export class MavlinkInstance {
  readonly name: string;
  readonly link: Link;
  readonly outbox: Outbox;
  readonly mode: LinkMode;
  private readonly streams: ActiveStream[] = [];
  private readonly traffic: LinkTraffic = { bytesSent: 0, bytesReceived: 0, framesSent: 0, framesReceived: 0, framesLost: 0, parseErrors: 0 };
  private readonly ctx: StreamContext = { timeUs: 0, state: null as unknown as VehicleState, params: null as unknown as ParamStore, link: this.traffic };
  private gcsConnected = false;
  private readonly pendingText: { timeUs: number; text: StatusText }[] = [];
  private statustextId = 0;
  private readonly statustextMsg = new common.StatusText();
  private lastFlushUs = 0;
  /** Streams run only from this vehicle time on: the earliest next due time of any stream. */
  private nextDueUs = 0;
  /** Param-list transfer in progress: next index to send (-1 = the _HASH_CHECK first), null when idle. */
  paramListNext: number | null = null;

  constructor(opts: InstanceOptions) {
    this.name = opts.name;
    this.mode = opts.mode;
    this.link = new Link(opts.transport, {
      sysId: opts.sysId,
      compId: 1,
      gcsHeartbeat: false,
      heartbeatTimeoutMs: 0,
      name: opts.name,
    });
    this.outbox = new Outbox(opts.transport, new FrameWriter(opts.sysId, 1));
    const rates = { ...DEFAULT_RATES[opts.mode], ...(opts.rates ?? {}) };
    for (const def of STREAMS) {
      const hz = rates[def.name] ?? 0;
      const msg = def.create();
      this.streams.push({ def, msg, plan: planFor(msg.constructor as MavLinkDataConstructor<MavLinkData>), intervalUs: hzToIntervalUs(hz), nextDueUs: 0 });
    }
  }

  async open(): Promise<void> {
    await this.link.open();
  }

  get isGcsConnected(): boolean {
    return this.gcsConnected;
  }

  /** A GCS (or onboard controller) HEARTBEAT was seen: STATUSTEXT may flow from now on. */
  markGcsConnected(timeUs: number): void {
    if (this.gcsConnected) return;
    this.gcsConnected = true;
    // Deliver what is still queued and fresh, as PX4's STATUSTEXT stream does on connect.
    for (const p of this.pendingText.splice(0)) {
      if (timeUs - p.timeUs < STATUSTEXT_MAX_AGE_US) this.writeStatusText(p.text);
    }
    // And the whole state at once, rather than up to a second later with the next 1 Hz HEARTBEAT:
    // what went out before the client was there reached nobody.
    this.restartStreams();
  }

  send(msg: MavLinkData): void {
    this.outbox.send(msg);
    this.link.counters.sent++;
  }

  statusText(text: StatusText, timeUs: number): void {
    if (this.gcsConnected) {
      this.writeStatusText(text);
      return;
    }
    this.pendingText.push({ timeUs, text });
    if (this.pendingText.length > STATUSTEXT_QUEUE) this.pendingText.shift();
  }

  private writeStatusText(t: StatusText): void {
    const m = this.statustextMsg;
    m.severity = t.severity as common.MavSeverity;
    m.id = this.statustextId;
    this.statustextId = (this.statustextId + 1) & 0xffff;
    let rest = t.text;
    let chunk = 0;
    do {
      m.text = rest.slice(0, STATUSTEXT_CHUNK);
      m.chunkSeq = chunk++;
      this.send(m);
      rest = rest.slice(STATUSTEXT_CHUNK);
    } while (rest.length > 0);
  }

  /** Emits every stream that is due at vehicle time `timeUs`. */
  runStreams(timeUs: number, state: VehicleState, params: ParamStore): void {
    const ctx = this.ctx; // reused: this runs every physics step
    ctx.timeUs = timeUs;
    if (timeUs < this.nextDueUs) return;
    ctx.state = state;
    ctx.params = params;
    this.countTraffic();
    let next = Infinity;
    for (let i = 0; i < this.streams.length; i++) {
      const s = this.streams[i]!;
      if (s.intervalUs === 0) continue;
      if (timeUs >= s.nextDueUs) {
        s.nextDueUs += s.intervalUs;
        if (s.nextDueUs <= timeUs) s.nextDueUs = timeUs + s.intervalUs;
        if (s.def.fill(s.msg, ctx)) {
          this.outbox.send(s.msg, undefined, s.plan);
          this.link.counters.sent++;
        }
      }
      if (s.nextDueUs < next) next = s.nextDueUs;
    }
    this.nextDueUs = next;
  }

  /** The link's counters as LINK_NODE_STATUS reports them. */
  private countTraffic(): void {
    const t = this.traffic, c = this.link.counters, o = this.outbox;
    t.bytesSent = o.bytes + o.pendingBytes;
    t.framesSent = o.frames;
    t.bytesReceived = c.bytesIn;
    t.framesReceived = c.frames;
    t.framesLost = c.droppedBySeqGap;
    t.parseErrors = c.skippedBytes;
  }

  /** Every stream due at the next step (then at its own rate again), as at boot. */
  restartStreams(): void {
    for (const s of this.streams) s.nextDueUs = 0;
    this.nextDueUs = 0;
  }

  /** MAV_CMD_REQUEST_MESSAGE for a stream message: send it once now. False if unknown or unavailable. */
  sendStreamOnce(msgid: number, timeUs: number, state: VehicleState, params: ParamStore): boolean {
    const def = STREAM_BY_ID.get(msgid);
    if (!def) return false;
    const s = this.streams.find((x) => x.def === def)!;
    this.countTraffic();
    if (!def.fill(s.msg, { timeUs, state, params, link: this.traffic })) return false;
    this.send(s.msg);
    return true;
  }

  /** SET_MESSAGE_INTERVAL: interval µs, -1 = off, 0 = default rate. False for a message we do not stream. */
  setInterval(msgid: number, intervalUs: number, timeUs: number): boolean {
    const s = this.streams.find((x) => x.def.msgid === msgid);
    if (!s) return false;
    if (intervalUs < 0) s.intervalUs = 0;
    else if (intervalUs === 0) s.intervalUs = hzToIntervalUs(DEFAULT_RATES[this.mode][s.def.name] ?? 0);
    else s.intervalUs = Math.max(1, Math.round(intervalUs));
    s.nextDueUs = timeUs;
    this.nextDueUs = Math.min(this.nextDueUs, timeUs);
    return true;
  }

  /** MESSAGE_INTERVAL semantics: -1 off, 0 not available, else µs. */
  getInterval(msgid: number): number {
    const s = this.streams.find((x) => x.def.msgid === msgid);
    if (!s) return 0;
    return s.intervalUs === 0 ? -1 : s.intervalUs;
  }

  /** Rates by stream name (Hz), for reports and tests. */
  rates(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.streams) out[s.def.name] = s.intervalUs === 0 ? 0 : 1e6 / s.intervalUs;
    return out;
  }

  flush(): void {
    this.outbox.flush();
    this.lastFlushUs = this.ctx.timeUs;
  }

  /**
   * End of a scheduler slice. A link nobody has written to yet (PX4's GCS link sending to 14550
   * before QGroundControl answers) sends full datagrams, or every UNHEARD_FLUSH_US: the frames and
   * their rates are PX4's, only fewer datagrams carry them, which keeps a fleet of unheard GCS
   * links cheap. Once a client writes, every slice is flushed (lockstep clients wait on it).
   */
  endSlice(timeUs: number): void {
    if (this.link.counters.bytesIn === 0 && timeUs - this.lastFlushUs < UNHEARD_FLUSH_US) return;
    this.outbox.flush();
    this.lastFlushUs = timeUs;
  }

  async close(): Promise<void> {
    this.outbox.flush();
    await this.link.close();
  }
}

function hzToIntervalUs(hz: number): number {
  return hz > 0 ? Math.round(1e6 / hz) : 0;
}
