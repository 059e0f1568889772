import { common, minimal } from 'node-mavlink';
import type { MavLinkData } from 'node-mavlink';
import { hostNowMs } from '../clock/host.js';
import { FrameEncoder, FrameSplitter, decodePayload, signatureMatches, type Frame } from './codec.js';
import { LinkLost } from './errors.js';
import { messageName } from './registry.js';
import type { Transport } from './transports/transport.js';

/** A decoded message as the link hands it out, stamped with the host clock at receipt. */
export interface Message<T extends MavLinkData = MavLinkData> {
  msgid: number;
  name: string;
  sysid: number;
  compid: number;
  seq: number;
  signed: boolean;
  hostTimeMs: number;
  data: T;
}

export interface LinkCounters {
  /** Frames that passed CRC (and signature checks, when enforced) and were handed out. */
  received: number;
  sent: number;
  /** Frames missing by sequence-number gaps, per sender. */
  droppedBySeqGap: number;
  badCrc: number;
  unknownMsgid: number;
  decodeErrors: number;
  skippedBytes: number;
  bytesIn: number;
  /** Unsigned frames refused because signing is enforced. */
  unsignedRejected: number;
  badSignature: number;
}

export interface LinkOptions {
  /** Our own ids. A GCS by default (255/190), as PX4 expects of a client. */
  sysId?: number;
  compId?: number;
  /** Send our own GCS HEARTBEAT at 1 Hz (host clock): PX4 forwards STATUSTEXT only to links where it sees one. */
  gcsHeartbeat?: boolean;
  /** Declare the link lost after this much HEARTBEAT silence from the vehicle (host clock). 0 = never. */
  heartbeatTimeoutMs?: number;
  /** Only watch heartbeats of this system id (default: any autopilot). */
  targetSysId?: number;
  /** MAVLink 2 signing: outgoing frames are signed; with `require`, unsigned or mis-signed frames are dropped and counted. */
  signing?: { key: Buffer; linkId?: number; require?: boolean };
  /** A name for errors and reports (defaults to the transport's description). */
  name?: string;
}

type Listener = (msg: Message) => void;

/**
 * A MAVLink connection: frames, decodes, counts, watches the vehicle's heartbeat and sends with
 * our ids. Malformed bytes never throw: they are counted and skipped.
 */
export class Link {
  readonly counters: LinkCounters = {
    received: 0, sent: 0, droppedBySeqGap: 0, badCrc: 0, unknownMsgid: 0, decodeErrors: 0,
    skippedBytes: 0, bytesIn: 0, unsignedRejected: 0, badSignature: 0,
  };
  readonly name: string;
  private readonly splitter = new FrameSplitter();
  private readonly encoder: FrameEncoder;
  private readonly listeners = new Map<number, Set<Listener>>();
  private readonly anyListeners = new Set<Listener>();
  private readonly frameListeners = new Set<(frame: Frame, hostTimeMs: number) => void>();
  private readonly lostListeners = new Set<(err: LinkLost) => void>();
  private readonly lastSeq = new Map<number, number>();
  private lastHeartbeatHostMs: number | null = null;
  private timers: NodeJS.Timeout[] = [];
  private lostError: LinkLost | null = null;
  private closed = false;
  private readonly heartbeatTimeoutMs: number;

  constructor(
    readonly transport: Transport,
    private readonly opts: LinkOptions = {},
  ) {
    this.name = opts.name ?? transport.description;
    this.heartbeatTimeoutMs = opts.heartbeatTimeoutMs ?? 3000;
    this.encoder = new FrameEncoder({
      sysId: opts.sysId ?? 255,
      compId: opts.compId ?? minimal.MavComponent.MISSIONPLANNER,
      signing: opts.signing ? { key: opts.signing.key, linkId: opts.signing.linkId ?? 0 } : undefined,
    });
    transport.onData((chunk) => this.ingest(chunk));
    transport.onClose((err) => this.declareLost(err ?? new Error('transport closed')));
  }

  async open(): Promise<this> {
    await this.transport.open();
    if (this.opts.gcsHeartbeat ?? true) {
      this.sendGcsHeartbeat();
      this.timers.push(setInterval(() => this.sendGcsHeartbeat(), 1000).unref());
    }
    if (this.heartbeatTimeoutMs > 0) {
      const every = Math.max(20, Math.min(250, this.heartbeatTimeoutMs / 4));
      this.timers.push(setInterval(() => this.checkSilence(), every).unref());
    }
    return this;
  }

  /** Feeds received bytes through framing, checks and decoding. Public for benchmarks and fuzzing. */
  ingest(chunk: Buffer): void {
    const now = hostNowMs();
    this.splitter.push(chunk, (frame) => this.onFrame(frame, now));
    const c = this.splitter.counters;
    this.counters.badCrc = c.badCrc;
    this.counters.unknownMsgid = c.unknownMsgid;
    this.counters.skippedBytes = c.skippedBytes;
    this.counters.bytesIn = c.bytes;
  }

  private onFrame(frame: Frame, now: number): void {
    const signing = this.opts.signing;
    if (signing?.require) {
      if (!frame.signed) {
        this.counters.unsignedRejected++;
        return;
      }
      if (!signatureMatches(frame, signing.key)) {
        this.counters.badSignature++;
        return;
      }
    }
    const key = (frame.sysid << 8) | frame.compid;
    const last = this.lastSeq.get(key);
    if (last !== undefined) this.counters.droppedBySeqGap += (frame.seq - last - 1 + 256) & 0xff;
    this.lastSeq.set(key, frame.seq);
    for (const cb of this.frameListeners) cb(frame, now);

    let data: MavLinkData | null;
    try {
      data = decodePayload(frame);
    } catch {
      this.counters.decodeErrors++;
      return;
    }
    if (!data) return;
    this.counters.received++;
    if (frame.msgid === HEARTBEAT_ID && this.isVehicleHeartbeat(frame, data as minimal.Heartbeat)) {
      this.lastHeartbeatHostMs = now;
    }
    const specific = this.listeners.get(frame.msgid);
    if (!specific && this.anyListeners.size === 0) return;
    const msg: Message = {
      msgid: frame.msgid,
      name: messageName(frame.msgid),
      sysid: frame.sysid,
      compid: frame.compid,
      seq: frame.seq,
      signed: frame.signed,
      hostTimeMs: now,
      data,
    };
    if (specific) for (const cb of specific) cb(msg);
    for (const cb of this.anyListeners) cb(msg);
  }

  private isVehicleHeartbeat(frame: Frame, hb: minimal.Heartbeat): boolean {
    if (this.opts.targetSysId !== undefined) return frame.sysid === this.opts.targetSysId;
    return hb.autopilot !== minimal.MavAutopilot.INVALID && hb.type !== minimal.MavType.GCS;
  }

  /** Listen to one message class, or to all with `'*'`. Returns the unsubscribe function. */
  on<T extends MavLinkData>(kind: { MSG_ID: number; new (): T }, cb: (msg: Message<T>) => void): () => void;
  on(kind: '*', cb: Listener): () => void;
  on(kind: { MSG_ID: number } | '*', cb: Listener): () => void {
    if (kind === '*') {
      this.anyListeners.add(cb);
      return () => this.anyListeners.delete(cb);
    }
    let set = this.listeners.get(kind.MSG_ID);
    if (!set) this.listeners.set(kind.MSG_ID, (set = new Set()));
    set.add(cb);
    return () => set.delete(cb);
  }

  /** Raw, CRC-checked frames as they arrive (for recorders: copy `frame.raw` to keep it). */
  onRawFrame(cb: (frame: Frame, hostTimeMs: number) => void): () => void {
    this.frameListeners.add(cb);
    return () => this.frameListeners.delete(cb);
  }

  /** The next message of a class matching a predicate, or a timeout error (host clock). */
  next<T extends MavLinkData>(
    kind: { MSG_ID: number; MSG_NAME: string; new (): T },
    opts: { timeoutMs: number; where?: (msg: Message<T>) => boolean },
  ): Promise<Message<T>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no ${kind.MSG_NAME} within ${opts.timeoutMs} ms on ${this.name}`));
      }, opts.timeoutMs);
      const off = this.on(kind, (msg) => {
        if (opts.where && !opts.where(msg)) return;
        clearTimeout(timer);
        off();
        resolve(msg);
      });
    });
  }

  send(msg: MavLinkData): void {
    if (this.closed) return;
    this.transport.write(this.encoder.encode(msg));
    this.counters.sent++;
  }

  /** Host time of the vehicle's last HEARTBEAT, or null before the first one. */
  get lastHeartbeatAt(): number | null {
    return this.lastHeartbeatHostMs;
  }

  /** Set once the link is declared lost; every wait on this link should fail with it. */
  get lost(): LinkLost | null {
    return this.lostError;
  }

  onLost(cb: (err: LinkLost) => void): () => void {
    if (this.lostError) queueMicrotask(() => cb(this.lostError!));
    this.lostListeners.add(cb);
    return () => this.lostListeners.delete(cb);
  }

  private checkSilence(): void {
    if (this.lastHeartbeatHostMs === null || this.lostError) return;
    const silence = hostNowMs() - this.lastHeartbeatHostMs;
    if (silence > this.heartbeatTimeoutMs) this.declareLost();
  }

  private declareLost(cause?: Error): void {
    if (this.lostError || this.closed) return;
    const silence = this.lastHeartbeatHostMs === null ? 0 : hostNowMs() - this.lastHeartbeatHostMs;
    this.lostError = new LinkLost(this.name, silence, this.heartbeatTimeoutMs, cause);
    for (const cb of this.lostListeners) cb(this.lostError);
  }

  private sendGcsHeartbeat(): void {
    const hb = new minimal.Heartbeat();
    hb.type = minimal.MavType.GCS;
    hb.autopilot = minimal.MavAutopilot.INVALID;
    hb.baseMode = 0 as minimal.MavModeFlag;
    hb.customMode = 0;
    hb.systemStatus = minimal.MavState.ACTIVE;
    hb.mavlinkVersion = 3;
    this.send(hb);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.transport.close();
  }
}

const HEARTBEAT_ID = minimal.Heartbeat.MSG_ID;
// Re-exported so consumers name message classes from one place.
export { common, minimal };
