import { common, minimal } from 'node-mavlink';
import type { MavLinkData } from 'node-mavlink';
import { formatMs } from '../clock/duration.js';
import { hostNowMs } from '../clock/host.js';
import { FrameEncoder, FrameSplitter, signatureMatches, type Frame, type ReceivedFrame } from './codec.js';
import { decodeMessage } from './decode.js';
import { LinkLost } from './errors.js';
import { REGISTRY, messageName } from './registry.js';
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

/**
 * What the link did with every byte and frame it was given. Each outcome has exactly one counter,
 * so the counters add up at every moment (after any `ingest`, whatever the input):
 *
 *   bytes:  bytesIn === frameBytes + unknownMsgidBytes + skippedBytes + pendingBytes
 *   frames: frames  === received + noDecoder + decodeErrors + unsignedRejected + badSignature
 *
 * Bytes that arrive while the downlink is cut never reach the framing: they are `cutDownBytes`,
 * not in `bytesIn`. `badCrc` counts failed candidates (their start bytes are in `skippedBytes`);
 * `droppedBySeqGap`, `duplicates` and `reordered` describe the sender's sequence numbers (frames
 * lost or repeated before they reached us), not frames the link dropped.
 */
export interface LinkCounters {
  /** Bytes given to the framing (`ingest`). */
  bytesIn: number;
  /** CRC-valid frames cut from those bytes: each ends in exactly one of the five frame outcomes below. */
  frames: number;
  /** The bytes of those frames. */
  frameBytes: number;
  /** Frame outcome: checked (signature too, when enforced), decodable, and decoded and handed out to its listeners if it has any. */
  received: number;
  /** Frame outcome: a message id with a CRC_EXTRA (so CRC-checked) but no decoder in this build's registry; raw-frame listeners still see it. */
  noDecoder: number;
  /** Frame outcome: CRC-valid, but its payload could not be decoded. */
  decodeErrors: number;
  /** Frame outcome: unsigned, refused because signing is enforced. */
  unsignedRejected: number;
  /** Frame outcome: signed but refused: wrong key, tampered, or a replayed (non-increasing) timestamp. */
  badSignature: number;
  /** Frames with a message id we have no CRC_EXTRA for: they cannot be checked, and are skipped by their length. */
  unknownMsgid: number;
  /** The bytes of those frames. */
  unknownMsgidBytes: number;
  /** Bytes skipped one at a time: noise, a false or corrupted start byte, unknown incompatibility flags. */
  skippedBytes: number;
  /** Bytes held as the start of a frame still incomplete (a gauge: they move to another counter once the rest arrives). */
  pendingBytes: number;
  /** Candidate frames whose CRC failed (an event count: each one's start byte is in `skippedBytes`). */
  badCrc: number;
  /** Frames missing by sequence-number gaps, per sender. */
  droppedBySeqGap: number;
  /** Frames whose sequence number repeats one already seen (a duplicated datagram). */
  duplicates: number;
  /** Frames that arrived after a later one from the same sender (and were counted missing until then). */
  reordered: number;
  sent: number;
  /** Frames not sent because the uplink was cut (`cut('up')`). */
  cutUp: number;
  /** Bytes received and dropped unread because the downlink was cut (`cut('down')`). */
  cutDownBytes: number;
}

export interface LinkOptions {
  /** Our own ids. A GCS by default (255/190), as PX4 expects of a client. */
  sysId?: number;
  compId?: number;
  /** Send our own GCS HEARTBEAT at 1 Hz (host clock): PX4 forwards STATUSTEXT only to links where it sees one. */
  gcsHeartbeat?: boolean;
  /**
   * Declare the link lost after this much silence from the vehicle (host clock): no frame of the
   * autopilot whose HEARTBEAT was seen (its telemetry counts, not only its 1 Hz HEARTBEAT). 0 = never.
   * Default DEFAULT_HEARTBEAT_TIMEOUT_MS: with the silence checked every 100 ms, a vehicle that
   * goes quiet is named LinkLost within 2 s of its last HEARTBEAT.
   */
  heartbeatTimeoutMs?: number;
  /** Only watch heartbeats of this system id (default: any autopilot). */
  targetSysId?: number;
  /** MAVLink 2 signing: outgoing frames are signed; with `require`, unsigned or mis-signed frames are dropped and counted. */
  signing?: { key: Buffer; linkId?: number; require?: boolean };
  /** A name for errors and reports (defaults to the transport's description). */
  name?: string;
  /**
   * Called when a message listener throws. The rest of the chunk is still framed and delivered
   * either way; by default the error is rethrown on its own microtask so the bug surfaces.
   */
  onListenerError?: (err: unknown, msg: Message) => void;
}

type Listener = (msg: Message) => void;

/**
 * Silence after which a link is lost, by default (host clock): no frame from the vehicle's
 * autopilot, whose telemetry streams at several Hz, so a lost HEARTBEAT (1 Hz) alone is not a lost
 * link. Checked every 100 ms, a silent vehicle is named within 1.9 s of its last frame.
 */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 1800;
/** How often HEARTBEAT silence is checked, at most (host clock). */
const SILENCE_CHECK_MS = 100;

/**
 * A MAVLink connection: frames, decodes, counts, watches the vehicle's heartbeat and sends with
 * our ids. Malformed bytes never throw: they are counted and skipped.
 */
export class Link {
  /** Every byte and frame in exactly one counter: see LinkCounters for what adds up to what. */
  readonly counters: LinkCounters = {
    bytesIn: 0, frames: 0, frameBytes: 0, received: 0, noDecoder: 0, decodeErrors: 0, unsignedRejected: 0,
    badSignature: 0, unknownMsgid: 0, unknownMsgidBytes: 0, skippedBytes: 0, pendingBytes: 0, badCrc: 0,
    droppedBySeqGap: 0, duplicates: 0, reordered: 0, sent: 0, cutUp: 0, cutDownBytes: 0,
  };
  readonly name: string;
  private readonly splitter = new FrameSplitter();
  private readonly encoder: FrameEncoder;
  private readonly listeners = new Map<number, Set<Listener>>();
  private readonly anyListeners = new Set<Listener>();
  private readonly frameListeners = new Set<(frame: Frame, hostTimeMs: number) => void>();
  private readonly receivedListeners = new Set<(frame: ReceivedFrame, hostTimeMs: number) => void>();
  private readonly lostListeners = new Set<(err: LinkLost) => void>();
  private readonly heartbeatListeners = new Set<(hostTimeMs: number) => void>();
  private readonly senders = new Map<number, { last: number; missing: Uint8Array }>();
  private readonly signatureTimestamps = new Map<string, number>();
  private lastHeartbeatHostMs: number | null = null;
  /** The vehicle's autopilot as (sysid << 8) | compid, learned from its first HEARTBEAT. */
  private vehicleSource: number | null = null;
  /** Host time of the last frame from the vehicle's autopilot: what silence is measured from. */
  private lastAliveHostMs: number | null = null;
  /** Host time of the last bytes the transport delivered, whatever they held. */
  private lastBytesHostMs: number | null = null;
  /** The counters as of the end of the chunk with the vehicle's last frame: a lost link says what arrived after it. */
  private atLastAlive = { bytesIn: 0, frames: 0, refused: 0, badCrc: 0 };
  private aliveInChunk = false;
  private lastSilenceCheck: number | null = null;
  private timers: NodeJS.Timeout[] = [];
  private lostError: LinkLost | null = null;
  private closed = false;
  /** HEARTBEAT silence after which the link is lost (host ms); 0 = not watched. */
  readonly heartbeatTimeoutMs: number;
  private readonly cuts = { up: 0, down: 0 };

  constructor(
    readonly transport: Transport,
    private readonly opts: LinkOptions = {},
  ) {
    this.name = opts.name ?? transport.description;
    this.heartbeatTimeoutMs = opts.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    this.encoder = new FrameEncoder({
      sysId: opts.sysId ?? 255,
      compId: opts.compId ?? minimal.MavComponent.MISSIONPLANNER,
      signing: opts.signing ? { key: opts.signing.key, linkId: opts.signing.linkId ?? 0 } : undefined,
    });
    transport.onData((chunk) => {
      if (this.cuts.down > 0) this.counters.cutDownBytes += chunk.length;
      else this.ingest(chunk);
    });
    transport.onClose((err) => this.declareLost(err ?? new Error('transport closed')));
  }

  async open(): Promise<this> {
    await this.transport.open();
    if (this.opts.gcsHeartbeat ?? true) {
      this.sendGcsHeartbeat();
      this.timers.push(setInterval(() => this.sendGcsHeartbeat(), 1000).unref());
    }
    if (this.heartbeatTimeoutMs > 0) {
      const every = Math.max(20, Math.min(SILENCE_CHECK_MS, this.heartbeatTimeoutMs / 4));
      this.timers.push(setInterval(() => this.checkSilence(every), every).unref());
    }
    return this;
  }

  /** Feeds received bytes through framing, checks and decoding. Public for benchmarks and fuzzing. */
  ingest(chunk: Buffer): void {
    const now = hostNowMs();
    if (chunk.length > 0) this.lastBytesHostMs = now;
    this.splitter.push(chunk, (frame) => this.onFrame(frame, now));
    const c = this.splitter.counters;
    this.counters.bytesIn = c.bytes;
    this.counters.frames = c.frames;
    this.counters.frameBytes = c.frameBytes;
    this.counters.badCrc = c.badCrc;
    this.counters.unknownMsgid = c.unknownMsgid;
    this.counters.unknownMsgidBytes = c.unknownMsgidBytes;
    this.counters.skippedBytes = c.skippedBytes;
    this.counters.pendingBytes = c.pendingBytes;
    if (this.aliveInChunk) this.markAlive();
  }

  private onFrame(frame: ReceivedFrame, now: number): void {
    const signing = this.opts.signing;
    if (signing?.require) {
      if (!frame.signed) {
        this.counters.unsignedRejected++;
        return;
      }
      if (!signatureMatches(frame, signing.key) || !this.signatureIsFresh(frame)) {
        this.counters.badSignature++;
        return;
      }
    }
    this.trackSequence(frame);
    // Any frame of the vehicle's autopilot shows it alive, not only its 1 Hz HEARTBEAT: one lost
    // HEARTBEAT on a radio is not a lost link, two seconds without a frame is.
    // (A HEARTBEAT counts below only when it is the vehicle's: a GCS may share its ids.)
    if (frame.msgid !== HEARTBEAT_ID && this.vehicleSource === ((frame.sysid << 8) | frame.compid)) this.alive(now);
    for (const cb of this.frameListeners) {
      try {
        cb(frame, now);
      } catch (err) {
        // As for message listeners: the rest of the chunk is still framed and counted.
        queueMicrotask(() => {
          throw err;
        });
      }
    }

    // Decoded only when someone listens (HEARTBEAT always: the link watches it): a vehicle streams
    // far more than a client reads, and a CRC-valid frame of a known id always decodes.
    const specific = this.listeners.get(frame.msgid);
    if (frame.msgid !== HEARTBEAT_ID && !(specific && specific.size > 0) && this.anyListeners.size === 0) {
      if (REGISTRY[frame.msgid]) {
        this.counters.received++;
        if (this.receivedListeners.size > 0) this.deliverReceived(frame, now);
      } else this.counters.noDecoder++;
      return;
    }
    let data: MavLinkData | null;
    try {
      data = decodeMessage(frame.msgid, frame.buf, frame.payloadStart, frame.payloadLength);
    } catch {
      this.counters.decodeErrors++;
      return;
    }
    if (!data) {
      this.counters.noDecoder++;
      return;
    }
    this.counters.received++;
    if (frame.msgid === HEARTBEAT_ID && this.isVehicleHeartbeat(frame, data as minimal.Heartbeat)) {
      this.lastHeartbeatHostMs = now;
      this.alive(now);
      this.vehicleSource = (frame.sysid << 8) | frame.compid;
      for (const cb of this.heartbeatListeners) cb(now);
    }
    if (!specific && this.anyListeners.size === 0) {
      if (this.receivedListeners.size > 0) this.deliverReceived(frame, now);
      return;
    }
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
    if (specific) for (const cb of specific) this.deliver(cb, msg);
    for (const cb of this.anyListeners) this.deliver(cb, msg);
    if (this.receivedListeners.size > 0) this.deliverReceived(frame, now);
  }

  private deliverReceived(frame: ReceivedFrame, now: number): void {
    for (const cb of this.receivedListeners) {
      try {
        cb(frame, now);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /** A listener that throws must not abort framing of the rest of the chunk (that would lose the frames after it). */
  private deliver(cb: Listener, msg: Message): void {
    try {
      cb(msg);
    } catch (err) {
      const report = this.opts.onListenerError;
      if (report) report(err, msg);
      else
        queueMicrotask(() => {
          throw err;
        });
    }
  }

  /**
   * Sequence accounting per sender (sysid, compid). A forward jump of d counts d - 1 frames as
   * dropped. A frame up to REORDER_WINDOW behind the newest is late or a duplicate, not a jump of
   * ~255: a late frame that was counted missing is taken back out of the dropped count.
   */
  private trackSequence(frame: Frame): void {
    const key = (frame.sysid << 8) | frame.compid;
    const s = this.senders.get(key);
    if (!s) {
      this.senders.set(key, { last: frame.seq, missing: new Uint8Array(256) });
      return;
    }
    const d = (frame.seq - s.last) & 0xff;
    if (d === 1) {
      s.last = frame.seq;
      s.missing[frame.seq] = 0;
    } else if (d === 0) {
      this.counters.duplicates++;
    } else if (d > 256 - REORDER_WINDOW) {
      if (s.missing[frame.seq]) {
        s.missing[frame.seq] = 0;
        this.counters.droppedBySeqGap--;
        this.counters.reordered++;
      } else {
        this.counters.duplicates++;
      }
    } else {
      for (let k = 1; k < d; k++) s.missing[(s.last + k) & 0xff] = 1;
      s.missing[frame.seq] = 0;
      this.counters.droppedBySeqGap += d - 1;
      s.last = frame.seq;
    }
  }

  /** MAVLink 2 signing: a signature timestamp must exceed the last one seen on its stream (replay protection). */
  private signatureIsFresh(frame: Frame): boolean {
    const raw = frame.raw;
    const at = raw.length - 13;
    const stream = `${frame.sysid}/${frame.compid}/${raw[at]}`;
    const ts = raw.readUIntLE(at + 1, 6);
    const last = this.signatureTimestamps.get(stream);
    if (last !== undefined && ts <= last) return false;
    this.signatureTimestamps.set(stream, ts);
    return true;
  }

  /** An autopilot's heartbeat (of the target system, if set): a GCS or companion component of the same system does not count. */
  private isVehicleHeartbeat(frame: Frame, hb: minimal.Heartbeat): boolean {
    if (this.opts.targetSysId !== undefined && frame.sysid !== this.opts.targetSysId) return false;
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

  /**
   * Every frame the link receives (counted in `received`: checked, of a known message id), after
   * the message listeners saw it, whether or not anyone decoded it: for recorders that keep every
   * message without making the link decode it (`payloadJson`). The frame's buffers are valid only
   * during the call.
   */
  onReceivedFrame(cb: (frame: ReceivedFrame, hostTimeMs: number) => void): () => void {
    this.receivedListeners.add(cb);
    return () => this.receivedListeners.delete(cb);
  }

  /** The next message of a class matching a predicate; rejects on timeout (host clock) or with LinkLost if the link is lost first. */
  next<T extends MavLinkData>(
    kind: { MSG_ID: number; MSG_NAME: string; new (): T },
    opts: { timeoutMs: number; where?: (msg: Message<T>) => boolean },
  ): Promise<Message<T>> {
    if (this.lostError) return Promise.reject(this.lostError);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        off();
        offLost();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${kind.MSG_NAME} within ${opts.timeoutMs} ms on ${this.name}`));
      }, opts.timeoutMs);
      const off = this.on(kind, (msg) => {
        if (opts.where && !opts.where(msg)) return;
        done();
        resolve(msg);
      });
      const offLost = this.onLost((err) => {
        done();
        reject(err);
      });
    });
  }

  send(msg: MavLinkData): void {
    if (this.closed) return;
    if (this.cuts.up > 0) {
      this.counters.cutUp++;
      return;
    }
    this.transport.write(this.encoder.encode(msg));
    this.counters.sent++;
  }

  /**
   * Cuts the link at this end, as a radio out of range would: 'up' drops everything we send (our
   * GCS HEARTBEAT, commands, setpoints) while telemetry still arrives, so a test can watch the
   * vehicle's data-link-loss failsafe; 'down' drops what arrives (the heartbeat watchdog then
   * declares LinkLost). Returns the function that restores it (cuts nest; restoring twice is a
   * no-op). Dropped traffic is counted (`cutUp`, `cutDownBytes`).
   */
  cut(direction: 'up' | 'down' | 'both'): () => void {
    const dirs: ('up' | 'down')[] = direction === 'both' ? ['up', 'down'] : [direction];
    for (const d of dirs) this.cuts[d]++;
    let restored = false;
    return () => {
      if (restored) return;
      restored = true;
      for (const d of dirs) this.cuts[d]--;
      // The vehicle hears from us again at once, not at the next periodic heartbeat.
      if (dirs.includes('up') && this.cuts.up === 0 && (this.opts.gcsHeartbeat ?? true)) this.sendGcsHeartbeat();
    };
  }

  /** Whether a direction is cut now. */
  isCut(direction: 'up' | 'down'): boolean {
    return this.cuts[direction] > 0;
  }

  /** Host time of the vehicle's last HEARTBEAT, or null before the first one. */
  get lastHeartbeatAt(): number | null {
    return this.lastHeartbeatHostMs;
  }

  /** Set once the link is declared lost; every wait on this link should fail with it. */
  get lost(): LinkLost | null {
    return this.lostError;
  }

  /** The vehicle's HEARTBEATs (those that keep the link alive), with their host receive time. */
  onVehicleHeartbeat(cb: (hostTimeMs: number) => void): () => void {
    this.heartbeatListeners.add(cb);
    return () => this.heartbeatListeners.delete(cb);
  }

  /** Declares the link lost now, for a reason known elsewhere (the process serving the vehicle died): waits fail with it at once, not after the silence limit. */
  lose(cause: Error): void {
    this.declareLost(cause);
  }

  onLost(cb: (err: LinkLost) => void): () => void {
    if (this.lostError) queueMicrotask(() => cb(this.lostError!));
    this.lostListeners.add(cb);
    return () => this.lostListeners.delete(cb);
  }

  private checkSilence(every: number): void {
    const now = hostNowMs();
    const sinceLastCheck = this.lastSilenceCheck === null ? every : now - this.lastSilenceCheck;
    this.lastSilenceCheck = now;
    if (this.lastAliveHostMs === null || this.lostError) return;
    // A check that comes late means this process was not running (a blocked event loop, a
    // suspended machine): the vehicle cannot be blamed for that time, and datagrams that arrived
    // meanwhile are still queued behind this timer. Only silence while we were listening counts.
    const stalled = sinceLastCheck - every;
    if (stalled > every) this.lastAliveHostMs = Math.min(now, this.lastAliveHostMs + stalled);
    if (now - this.lastAliveHostMs > this.heartbeatTimeoutMs) this.declareLost();
  }

  private alive(now: number): void {
    this.lastAliveHostMs = now;
    this.aliveInChunk = true;
  }

  /** After a chunk that held a frame of the vehicle: what came after it is counted from here. */
  private markAlive(): void {
    this.aliveInChunk = false;
    const c = this.counters;
    const m = this.atLastAlive;
    m.bytesIn = c.bytesIn;
    m.frames = c.frames;
    m.refused = c.badSignature + c.unsignedRejected;
    m.badCrc = c.badCrc;
  }

  /**
   * What arrived since the vehicle's last frame: nothing at all (a silent line), or bytes that
   * were no frame of it (refused signatures, bad CRCs, another system). Tells a dead link from one
   * that talks but is not understood.
   */
  private sinceLastAlive(now: number): string {
    const c = this.counters;
    const m = this.atLastAlive;
    const bytes = c.bytesIn - m.bytesIn;
    if (bytes === 0) return this.lastBytesHostMs === null ? 'no bytes ever arrived' : `no bytes since (the last ${formatMs(now - this.lastBytesHostMs)} ago)`;
    const refused = c.badSignature + c.unsignedRejected - m.refused;
    return `since then ${bytes} bytes, ${c.frames - m.frames} frames (${refused} refused by signing, ${c.badCrc - m.badCrc} bad CRC), the last bytes ${formatMs(now - this.lastBytesHostMs!)} ago`;
  }

  private declareLost(cause?: Error): void {
    if (this.lostError || this.closed) return;
    const now = hostNowMs();
    const silence = this.lastAliveHostMs === null ? 0 : now - this.lastAliveHostMs;
    this.lostError = new LinkLost(this.name, silence, this.heartbeatTimeoutMs, cause, cause ? undefined : this.sinceLastAlive(now));
    for (const cb of this.lostListeners) cb(this.lostError);
  }

  /** Our GCS HEARTBEAT, now (the link also sends one every host second when `gcsHeartbeat` is on). */
  sendGcsHeartbeat(): void {
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
/** How far behind the newest sequence number a frame may arrive and still count as late rather than a wrap-around jump. */
const REORDER_WINDOW = 32;
// Re-exported so consumers name message classes from one place.
export { common, minimal };
