import { MavLinkProtocolV1, MavLinkProtocolV2, MavLinkPacketSignature } from 'node-mavlink';
import type { MavLinkData } from 'node-mavlink';
import { decodeMessage } from './decode.js';
import { CRC_EXTRA } from './registry.js';

const STX_V1 = 0xfe;
const STX_V2 = 0xfd;
const V1_HEADER = 6;
const V2_HEADER = 10;
const CRC_LEN = 2;
const SIG_LEN = 13;
const IFLAG_SIGNED = 0x01;

/** One frame cut from the byte stream, checked against its CRC but not yet decoded. */
export interface Frame {
  version: 1 | 2;
  msgid: number;
  sysid: number;
  compid: number;
  seq: number;
  signed: boolean;
  /** The whole frame as received (a view into the receive buffer: copy it to keep it). */
  raw: Buffer;
  /** The payload as received (MAVLink 2 trims trailing zeros). */
  payload: Buffer;
}

/**
 * The splitter's frames: header fields read eagerly, `raw` and `payload` views made only when
 * asked for (the link decodes straight from the receive buffer and most frames never need them).
 */
export class ReceivedFrame implements Frame {
  constructor(
    readonly version: 1 | 2,
    readonly msgid: number,
    readonly sysid: number,
    readonly compid: number,
    readonly seq: number,
    readonly signed: boolean,
    /** The receive buffer and where in it the frame and its payload lie. */
    readonly buf: Buffer,
    readonly start: number,
    readonly length: number,
    readonly payloadStart: number,
    readonly payloadLength: number,
  ) {}

  get raw(): Buffer {
    return this.buf.subarray(this.start, this.start + this.length);
  }

  get payload(): Buffer {
    return this.buf.subarray(this.payloadStart, this.payloadStart + this.payloadLength);
  }
}

/**
 * What the splitter saw; every malformed input ends up counted here, never thrown. Every byte
 * pushed lands in exactly one place, at every moment:
 *
 *   bytes === frameBytes + unknownMsgidBytes + skippedBytes + pendingBytes
 */
export interface DecoderCounters {
  /** Bytes pushed in. */
  bytes: number;
  /** CRC-valid frames cut from the stream (handed to `onFrame`). */
  frames: number;
  /** The bytes of those frames. */
  frameBytes: number;
  /** Bytes skipped one at a time: noise before a start byte, a false or corrupted start, bad incompatibility flags. */
  skippedBytes: number;
  /** Candidate frames whose CRC failed (an event count: each one's start byte is also in `skippedBytes`). */
  badCrc: number;
  /** Frames with a message id this build has no CRC_EXTRA for: length-skipped. */
  unknownMsgid: number;
  /** The bytes of those frames. */
  unknownMsgidBytes: number;
  /** Bytes held back as the start of a frame not yet complete (a gauge: they move to another counter when it is). */
  pendingBytes: number;
  /** Frames that passed the CRC but whose payload could not be decoded (kept for callers that decode; the splitter does not). */
  decodeErrors: number;
}

export function newDecoderCounters(): DecoderCounters {
  return { bytes: 0, frames: 0, frameBytes: 0, skippedBytes: 0, badCrc: 0, unknownMsgid: 0, unknownMsgidBytes: 0, pendingBytes: 0, decodeErrors: 0 };
}

/**
 * Cuts a byte stream into MAVLink v1/v2 frames. Written for the hot path: it keeps at most one
 * partial frame between chunks instead of concatenating every chunk onto a growing buffer.
 *
 * A start byte is only a candidate: a candidate whose CRC fails, or whose MAVLink 2 header sets
 * incompatibility flags we do not understand, is skipped one byte at a time so a frame hidden
 * behind garbage is still found. A frame with an unknown message id cannot be CRC-checked; it is
 * skipped by its length only when a frame follows right after it and no valid frame starts inside
 * it, so a stray start byte in line noise does not swallow the good frames behind it.
 */
export class FrameSplitter {
  readonly counters: DecoderCounters = newDecoderCounters();
  private pending: Buffer | null = null;

  push(chunk: Buffer, onFrame: (frame: ReceivedFrame) => void): void {
    const counters = this.counters;
    counters.bytes += chunk.length;
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
      counters.pendingBytes = 0;
    }
    let i = 0;
    const n = buf.length;
    while (i < n) {
      const b = buf[i]!;
      if (b !== STX_V2 && b !== STX_V1) {
        i++;
        counters.skippedBytes++;
        continue;
      }
      const v2 = b === STX_V2;
      const header = v2 ? V2_HEADER : V1_HEADER;
      if (n - i < header) break; // need the header
      const plen = buf[i + 1]!;
      const iflags = v2 ? buf[i + 2]! : 0;
      if ((iflags & ~IFLAG_SIGNED) !== 0) {
        // MAVLink 2 says to drop frames with incompatibility flags we do not know: treat as noise.
        i++;
        counters.skippedBytes++;
        continue;
      }
      const signed = iflags === IFLAG_SIGNED;
      const total = header + plen + CRC_LEN + (signed ? SIG_LEN : 0);
      if (n - i < total) break; // need the rest of the frame
      const msgid = v2 ? buf[i + 7]! | (buf[i + 8]! << 8) | (buf[i + 9]! << 16) : buf[i + 5]!;
      const extra = CRC_EXTRA[msgid];
      if (extra === undefined) {
        const real = unknownFrameIsReal(buf, i, i + total, n);
        if (real === null) break; // decide when more data is in
        if (real) {
          // Cannot verify it: skip the frame by its length, as the MAVLink spec suggests.
          counters.unknownMsgid++;
          counters.unknownMsgidBytes += total;
          i += total;
        } else {
          // Noise that looks like a frame header: resynchronise one byte later.
          counters.skippedBytes++;
          i++;
        }
        continue;
      }
      const crcAt = i + header + plen;
      if (crcX25(buf, i + 1, crcAt, extra) !== (buf[crcAt]! | (buf[crcAt + 1]! << 8))) {
        // A false start byte or a corrupted frame: resynchronise one byte later.
        counters.badCrc++;
        counters.skippedBytes++;
        i++;
        continue;
      }
      counters.frames++;
      counters.frameBytes += total;
      onFrame(
        new ReceivedFrame(
          v2 ? 2 : 1,
          msgid,
          buf[i + (v2 ? 5 : 3)]!,
          buf[i + (v2 ? 6 : 4)]!,
          buf[i + (v2 ? 4 : 2)]!,
          signed,
          buf,
          i,
          total,
          i + header,
          plen,
        ),
      );
      i += total;
    }
    if (i < n) {
      this.pending = Buffer.from(buf.subarray(i));
      counters.pendingBytes = n - i;
    }
  }
}

const INVALID = 0;
const VALID = 1;
const UNKNOWN = 2;
const NEED_MORE = 3;
type FrameCheck = typeof INVALID | typeof VALID | typeof UNKNOWN | typeof NEED_MORE;

/** What starts at buf[j]: a CRC-valid frame, a frame of an unknown message, not a frame, or cannot tell yet. */
function frameAt(buf: Buffer, j: number, n: number): FrameCheck {
  if (j >= n) return NEED_MORE;
  const b = buf[j];
  if (b !== STX_V2 && b !== STX_V1) return INVALID;
  const v2 = b === STX_V2;
  const header = v2 ? V2_HEADER : V1_HEADER;
  if (n - j < header) return NEED_MORE;
  const iflags = v2 ? buf[j + 2]! : 0;
  if ((iflags & ~IFLAG_SIGNED) !== 0) return INVALID;
  const plen = buf[j + 1]!;
  const msgid = v2 ? buf[j + 7]! | (buf[j + 8]! << 8) | (buf[j + 9]! << 16) : buf[j + 5]!;
  const extra = CRC_EXTRA[msgid];
  if (extra === undefined) return UNKNOWN;
  const crcAt = j + header + plen;
  if (n < crcAt + CRC_LEN) return NEED_MORE;
  return crcX25(buf, j + 1, crcAt, extra) === (buf[crcAt]! | (buf[crcAt + 1]! << 8)) ? VALID : INVALID;
}

/**
 * A candidate frame of an unknown message at buf[i, after): skip it by its length (true), treat
 * its start byte as noise (false), or wait for more data (null). It is noise when a valid frame
 * starts inside it (skipping would lose that frame) or when no frame starts right after it.
 */
function unknownFrameIsReal(buf: Buffer, i: number, after: number, n: number): boolean | null {
  let innerPending = false;
  for (let j = i + 1; j < after; j++) {
    const b = buf[j];
    if (b !== STX_V2 && b !== STX_V1) continue;
    const inner = frameAt(buf, j, n);
    if (inner === VALID) return false;
    if (inner === NEED_MORE) innerPending = true;
  }
  const next = frameAt(buf, after, n);
  if (next === INVALID) return false;
  if (next === NEED_MORE) return null;
  // A frame that is only partly in could still hide a valid one; a valid frame right after
  // the candidate's end means the length was real.
  return next === VALID || !innerPending ? true : null;
}

/** MAVLink's CRC-16/MCRF4XX over buf[start, end) followed by the message's CRC_EXTRA byte. */
export function crcX25(buf: Buffer, start: number, end: number, extra: number): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    let tmp = buf[i]! ^ (crc & 0xff);
    tmp = (tmp ^ (tmp << 4)) & 0xff;
    crc = ((crc >> 8) ^ (tmp << 8) ^ (tmp << 3) ^ (tmp >> 4)) & 0xffff;
  }
  let tmp = extra ^ (crc & 0xff);
  tmp = (tmp ^ (tmp << 4)) & 0xff;
  return ((crc >> 8) ^ (tmp << 8) ^ (tmp << 3) ^ (tmp >> 4)) & 0xffff;
}

/**
 * Decodes a frame's payload into its node-mavlink message class, or null for an id outside
 * the registry. Truncated MAVLink 2 payloads are zero-extended to the class's full length.
 */
export function decodePayload(frame: Frame): MavLinkData | null {
  if (frame instanceof ReceivedFrame) return decodeMessage(frame.msgid, frame.buf, frame.payloadStart, frame.payloadLength);
  const p = frame.payload;
  return decodeMessage(frame.msgid, p, 0, p.length);
}

export interface EncoderOptions {
  sysId: number;
  compId: number;
  version?: 1 | 2;
  /** MAVLink 2 signing: a 32-byte secret key and the link id stamped into each signature. */
  signing?: { key: Buffer; linkId?: number };
}

/** Serialises messages with this endpoint's ids, its own sequence counter and optional signing. */
export class FrameEncoder {
  private seq = 0;
  private lastSignatureTs = 0;
  private readonly v1: MavLinkProtocolV1 | null;
  private readonly v2: MavLinkProtocolV2;

  constructor(private readonly opts: EncoderOptions) {
    const signed = opts.signing !== undefined;
    // The signed flag must be set before serialising: the CRC covers it.
    this.v2 = new MavLinkProtocolV2(opts.sysId, opts.compId, signed ? MavLinkProtocolV2.IFLAG_SIGNED : 0);
    this.v1 = opts.version === 1 && !signed ? new MavLinkProtocolV1(opts.sysId, opts.compId) : null;
  }

  encode(msg: MavLinkData): Buffer {
    const seq = this.seq;
    this.seq = (this.seq + 1) & 0xff;
    if (this.v1) return this.v1.serialize(msg, seq);
    const frame = this.v2.serialize(msg, seq);
    const signing = this.opts.signing;
    if (!signing) return frame;
    // Signature timestamps are 10 µs ticks since 2015 and must strictly increase per link.
    const ticks = Math.max(this.lastSignatureTs + 1, (Date.now() - MavLinkProtocolV2.SIGNATURE_START_TIME) * 100);
    this.lastSignatureTs = ticks;
    const out = Buffer.concat([frame, Buffer.alloc(SIG_LEN)]);
    const sig = new MavLinkPacketSignature(out);
    sig.linkId = signing.linkId ?? 0;
    sig.timestamp = ticks;
    sig.signature = sig.calculate(signing.key);
    return out;
  }
}

/** True when a signed frame's signature matches the key. */
export function signatureMatches(frame: Frame, key: Buffer): boolean {
  if (!frame.signed) return false;
  return new MavLinkPacketSignature(frame.raw).matches(key);
}

/** The signing key from a passphrase (SHA-256, as Mission Planner and QGroundControl derive it) or 64 hex digits. */
export function signingKey(secret: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(secret)) return Buffer.from(secret, 'hex');
  return MavLinkPacketSignature.key(secret);
}
