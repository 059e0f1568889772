import { MavLinkPacketSignature, MavLinkProtocolV2 } from 'node-mavlink';
import { crcX25, FrameSplitter, signatureMatches } from '../../../src/mavlink/codec.js';
import { CRC_EXTRA } from '../../../src/mavlink/registry.js';
import type { Transport } from '../../../src/mavlink/transports/transport.js';

const STX_V2 = 0xfd;
const V2_HEADER = 10;
const SIG_LEN = 13;
const IFLAG_SIGNED = 0x01;

export interface SigningOptions {
  /** The 32-byte secret key. */
  key: Buffer;
  /** The link id stamped into each signature. */
  linkId?: number;
}

/**
 * MAVLink 2 signing on a vehicle link, as PX4 does with a key set: every outgoing MAVLink 2 frame
 * is signed, and incoming frames that are unsigned, signed with another key or replayed are
 * dropped (and counted) before the vehicle sees them. A wrapper, so the endpoint's allocation-free
 * frame writer stays as it is: outgoing writes hold whole frames (a frame never straddles writes).
 */
export class SigningTransport implements Transport {
  /** Incoming frames refused: unsigned, bad signature, or a non-increasing timestamp. */
  rejected = 0;
  private readonly splitter = new FrameSplitter();
  private lastTs = 0;
  private readonly lastSeen = new Map<string, number>();
  private readonly dataCbs: ((chunk: Buffer) => void)[] = [];

  constructor(
    private readonly inner: Transport,
    private readonly signing: SigningOptions,
  ) {
    inner.onData((chunk) => this.receive(chunk));
  }

  get description(): string {
    return `${this.inner.description} (signed)`;
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  onData(cb: (chunk: Buffer) => void): void {
    this.dataCbs.push(cb);
  }

  onClose(cb: (err?: Error) => void): void {
    this.inner.onClose(cb);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  write(bytes: Buffer): void {
    const out: Buffer[] = [];
    let i = 0;
    while (i < bytes.length) {
      if (bytes[i] !== STX_V2 || i + V2_HEADER > bytes.length) {
        // MAVLink 1 cannot be signed; pass whatever is not a MAVLink 2 frame through unchanged.
        const next = bytes.indexOf(STX_V2, i + 1);
        const end = next < 0 ? bytes.length : next;
        out.push(bytes.subarray(i, end));
        i = end;
        continue;
      }
      const plen = bytes[i + 1]!;
      const signed = (bytes[i + 2]! & IFLAG_SIGNED) !== 0;
      const len = V2_HEADER + plen + 2 + (signed ? SIG_LEN : 0);
      const frame = bytes.subarray(i, i + len);
      out.push(signed ? frame : this.sign(frame));
      i += len;
    }
    this.inner.write(out.length === 1 ? out[0]! : Buffer.concat(out));
  }

  private sign(frame: Buffer): Buffer {
    const msgid = frame[7]! | (frame[8]! << 8) | (frame[9]! << 16);
    const extra = CRC_EXTRA[msgid];
    if (extra === undefined) return frame;
    const plen = frame[1]!;
    const out = Buffer.alloc(frame.length + SIG_LEN);
    frame.copy(out);
    // The CRC covers the incompatibility flags: set the flag, then recompute it.
    out[2] = out[2]! | IFLAG_SIGNED;
    const crcAt = V2_HEADER + plen;
    const crc = crcX25(out, 1, crcAt, extra);
    out[crcAt] = crc & 0xff;
    out[crcAt + 1] = crc >> 8;
    // Timestamps are 10 µs ticks since 2015-01-01 and must strictly increase on a link.
    const ticks = Math.max(this.lastTs + 1, (Date.now() - MavLinkProtocolV2.SIGNATURE_START_TIME) * 100);
    this.lastTs = ticks;
    const sig = new MavLinkPacketSignature(out);
    sig.linkId = this.signing.linkId ?? 0;
    sig.timestamp = ticks;
    sig.signature = sig.calculate(this.signing.key);
    return out;
  }

  private receive(chunk: Buffer): void {
    const pass: Buffer[] = [];
    this.splitter.push(chunk, (frame) => {
      if (!frame.signed || !signatureMatches(frame, this.signing.key)) {
        this.rejected++;
        return;
      }
      const raw = frame.raw;
      const at = raw.length - SIG_LEN;
      const stream = `${frame.sysid}/${frame.compid}/${raw[at]}`;
      const ts = raw.readUIntLE(at + 1, 6);
      const last = this.lastSeen.get(stream);
      if (last !== undefined && ts <= last) {
        this.rejected++;
        return;
      }
      this.lastSeen.set(stream, ts);
      pass.push(Buffer.from(raw));
    });
    if (pass.length === 0) return;
    const data = pass.length === 1 ? pass[0]! : Buffer.concat(pass);
    for (const cb of this.dataCbs) cb(data);
  }
}
