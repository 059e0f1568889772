import type { MavLinkData, MavLinkDataConstructor } from 'node-mavlink';
import { crcX25 } from '../../../src/mavlink/codec.js';
import { fullPayloadLength } from '../../../src/mavlink/registry.js';
import type { Transport } from '../../../src/mavlink/transports/transport.js';

const V2_HEADER = 10;
const CRC_LEN = 2;
const STX_V2 = 0xfd;
/** Datagram budget: several frames per datagram, as PX4 does, but below a typical 1500-byte MTU. */
export const MAX_DATAGRAM = 1400;
const TWO_32 = 4294967296;

type Kind = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'u64' | 'i64' | 'f32' | 'f64' | 'char';
interface FieldPlan {
  name: string;
  kind: Kind;
  offset: number;
  size: number;
  /** 0 for scalars */
  length: number;
}
type FieldEncoder = (m: Record<string, unknown>, buf: Buffer, view: DataView, p0: number) => void;
/** How to encode one message class; resolve it once (planFor) and reuse it for every frame. */
export interface Plan {
  msgid: number;
  crcExtra: number;
  payloadLen: number;
  /** Largest frame (unsigned MAVLink 2). */
  maxFrameLen: number;
  /** Straight-line field writer generated for this class (see compileEncoder): writes every payload byte. */
  encode: FieldEncoder;
}

const KINDS: Record<string, Kind> = {
  uint8_t: 'u8', uint8_t_mavlink_version: 'u8', int8_t: 'i8', char: 'u8',
  uint16_t: 'u16', int16_t: 'i16', uint32_t: 'u32', int32_t: 'i32',
  uint64_t: 'u64', int64_t: 'i64', float: 'f32', double: 'f64',
};

const plans = new Map<number, Plan>();

export function planFor(clazz: MavLinkDataConstructor<MavLinkData>): Plan {
  let plan = plans.get(clazz.MSG_ID);
  if (plan) return plan;
  const fields: FieldPlan[] = clazz.FIELDS.map((f) => {
    const isArray = f.type.endsWith('[]');
    const base = isArray ? f.type.slice(0, -2) : f.type;
    const kind: Kind = base === 'char' && isArray ? 'char' : KINDS[base]!;
    if (!kind) throw new Error(`${clazz.MSG_NAME}.${f.name}: unsupported field type ${f.type}`);
    return { name: f.name, kind, offset: f.offset, size: f.size, length: isArray ? f.length : 0 };
  });
  const payloadLen = fullPayloadLength(clazz);
  plan = { msgid: clazz.MSG_ID, crcExtra: clazz.MAGIC_NUMBER, payloadLen, maxFrameLen: V2_HEADER + payloadLen + CRC_LEN, encode: compileEncoder(fields) };
  plans.set(clazz.MSG_ID, plan);
  return plan;
}

// Fields of 32 bits or less hold JS numbers in node-mavlink's classes; DataView converts them
// itself, and avoiding global lookups (Number) keeps the generated code fast inside vm contexts.
const SETTERS: Partial<Record<Kind, string>> = {
  u8: 'view.setUint8(AT, V & 0xff)',
  i8: 'view.setInt8(AT, V | 0)',
  u16: 'view.setUint16(AT, V & 0xffff, true)',
  i16: 'view.setInt16(AT, V | 0, true)',
  u32: 'view.setUint32(AT, V >>> 0, true)',
  i32: 'view.setInt32(AT, V | 0, true)',
  f32: 'view.setFloat32(AT, V, true)',
  f64: 'view.setFloat64(AT, V, true)',
  u64: 'write64(view, AT, V, false)',
  i64: 'write64(view, AT, V, true)',
};

/**
 * Generates one straight-line function per message class from node-mavlink's field table (trusted
 * metadata, not input): several times faster than walking the table per message, which matters
 * at a few hundred thousand frames per second. It writes every byte of the payload (arrays and
 * strings padded with zeros), so the buffer needs no clearing first.
 */
function compileEncoder(fields: FieldPlan[]): FieldEncoder {
  const lines: string[] = [];
  for (const f of fields) {
    const v = `m[${JSON.stringify(f.name)}]`;
    const at = `p0 + ${f.offset}`;
    if (f.length === 0) lines.push(SETTERS[f.kind]!.replace('AT', at).replace('V', v) + ';');
    else if (f.kind === 'char') lines.push(`writeChars(buf, ${at}, ${v}, ${f.length});`);
    else lines.push(`writeArray(view, ${at}, ${v}, ${f.length}, ${f.size}, ${JSON.stringify(f.kind)});`);
  }
  const factory = new Function('write64', 'writeChars', 'writeArray', `return function encode(m, buf, view, p0) {\n${lines.join('\n')}\n};`);
  return factory(write64, writeChars, writeArray) as FieldEncoder;
}

function write64(view: DataView, at: number, v: unknown, signed: boolean): void {
  if (typeof v === 'bigint') {
    if (signed) view.setBigInt64(at, BigInt.asIntN(64, v), true);
    else view.setBigUint64(at, BigInt.asUintN(64, v), true);
    return;
  }
  const n = Math.trunc(Number(v) || 0);
  if (n >= 0) {
    // Split without allocating a BigInt: exact for n < 2^53.
    const hi = Math.floor(n / TWO_32);
    view.setUint32(at, n - hi * TWO_32, true);
    view.setUint32(at + 4, hi >>> 0, true);
  } else {
    view.setBigInt64(at, BigInt(n), true);
  }
}

function writeChars(buf: Buffer, at: number, v: unknown, length: number): void {
  const n = typeof v === 'string' ? Math.min(v.length, length) : 0;
  for (let i = 0; i < n; i++) buf[at + i] = (v as string).charCodeAt(i) & 0xff;
  for (let i = n; i < length; i++) buf[at + i] = 0;
}

function writeArray(view: DataView, at: number, v: unknown, length: number, size: number, kind: Kind): void {
  const arr = Array.isArray(v) || ArrayBuffer.isView(v) ? (v as ArrayLike<number>) : EMPTY;
  const n = Math.min(arr.length, length);
  if (kind === 'f32') {
    for (let i = 0; i < n; i++) view.setFloat32(at + i * 4, arr[i]!, true);
  } else {
    for (let i = 0; i < n; i++) writeScalar(view, kind, at + i * size, arr[i]);
  }
  for (let i = n * size; i < length * size; i++) view.setUint8(at + i, 0);
}

const EMPTY: ArrayLike<number> = [];

/** Largest frame a message class can produce (unsigned MAVLink 2). */
export function maxFrameLength(clazz: MavLinkDataConstructor<MavLinkData>): number {
  return planFor(clazz).maxFrameLen;
}

/**
 * Patches the payload after the fields were written, before truncation and CRC. Used where a
 * field's bytes must be exact (PARAM_VALUE carries an int32's bytes in its float field).
 */
export type PayloadPatch = (view: DataView, payloadOffset: number) => void;

function writeScalar(view: DataView, kind: Kind, at: number, v: unknown): void {
  switch (kind) {
    case 'u8': view.setUint8(at, Number(v) & 0xff); return;
    case 'i8': view.setInt8(at, Number(v) | 0); return;
    case 'u16': view.setUint16(at, Number(v) & 0xffff, true); return;
    case 'i16': view.setInt16(at, Number(v) | 0, true); return;
    case 'u32': view.setUint32(at, Number(v) >>> 0, true); return;
    case 'i32': view.setInt32(at, Number(v) | 0, true); return;
    case 'f32': view.setFloat32(at, Number(v), true); return;
    case 'f64': view.setFloat64(at, Number(v), true); return;
    case 'u64': write64(view, at, v, false); return;
    case 'i64': write64(view, at, v, true); return;
    default: return;
  }
}

/**
 * Encodes MAVLink 2 frames (unsigned) straight into a caller's buffer, reusing a per-class plan
 * built from node-mavlink's field tables: no per-message allocation, unlike serialize().
 * One sequence counter per writer, so every frame of a link shares it (receivers count gaps).
 */
export class FrameWriter {
  private seq = 0;

  constructor(
    readonly sysId: number,
    readonly compId: number,
  ) {}

  /**
   * Writes one frame at `at`; returns its length. The buffer must have maxFrameLength() bytes free.
   * `plan` is planFor(the message's class), for callers that resolved it already.
   */
  write(msg: MavLinkData, buf: Buffer, view: DataView, at: number, patch?: PayloadPatch, plan = planFor(msg.constructor as MavLinkDataConstructor<MavLinkData>)): number {
    const p0 = at + V2_HEADER;
    plan.encode(msg as unknown as Record<string, unknown>, buf, view, p0);
    if (patch) patch(view, p0);
    // MAVLink 2 drops trailing zero bytes of the payload (at least one byte stays).
    let len = plan.payloadLen;
    while (len > 1 && buf[p0 + len - 1] === 0) len--;
    buf[at] = STX_V2;
    buf[at + 1] = len;
    buf[at + 2] = 0;
    buf[at + 3] = 0;
    buf[at + 4] = this.seq;
    this.seq = (this.seq + 1) & 0xff;
    buf[at + 5] = this.sysId;
    buf[at + 6] = this.compId;
    buf[at + 7] = plan.msgid & 0xff;
    buf[at + 8] = (plan.msgid >> 8) & 0xff;
    buf[at + 9] = (plan.msgid >> 16) & 0xff;
    const crcAt = p0 + len;
    const crc = crcX25(buf, at + 1, crcAt, plan.crcExtra);
    buf[crcAt] = crc & 0xff;
    buf[crcAt + 1] = crc >> 8;
    return V2_HEADER + len + CRC_LEN;
  }
}

/**
 * Collects the frames produced during one scheduler slice and writes them as few datagrams
 * (≤ MAX_DATAGRAM bytes each). A frame never straddles two writes.
 */
export class Outbox {
  private readonly buf = Buffer.alloc(MAX_DATAGRAM + 300);
  private readonly view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  private used = 0;
  /** Frames and datagrams written so far. */
  frames = 0;
  datagrams = 0;
  bytes = 0;

  constructor(
    private readonly transport: Transport,
    readonly writer: FrameWriter,
  ) {}

  send(msg: MavLinkData, patch?: PayloadPatch, plan = planFor(msg.constructor as MavLinkDataConstructor<MavLinkData>)): void {
    if (this.used + plan.maxFrameLen > MAX_DATAGRAM && this.used > 0) this.flush();
    this.used += this.writer.write(msg, this.buf, this.view, this.used, patch, plan);
    this.frames++;
  }

  get pendingBytes(): number {
    return this.used;
  }

  flush(): void {
    if (this.used === 0) return;
    // Transports may keep the buffer past write() (dgram, serialport): hand them a copy.
    const out = Buffer.allocUnsafe(this.used);
    this.buf.copy(out, 0, 0, this.used);
    this.bytes += this.used;
    this.used = 0;
    this.datagrams++;
    this.transport.write(out);
  }
}
