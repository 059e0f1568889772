import type { MavLinkData, MavLinkDataConstructor } from 'node-mavlink';
import { REGISTRY, fullPayloadLength } from './registry.js';

/**
 * Payload → message-class decoding, equivalent to node-mavlink's `protocol.data(payload, clazz)`
 * (same classes, same field values) but built once per message id: no logger call, no per-field
 * type lookup, and the instance is made from the prototype with every field assigned, skipping the
 * generated constructors (which look up enum defaults with Object.keys on every call).
 */

type Read = (b: Buffer, at: number, len: number) => unknown;

function arrayOf(size: number, one: (b: Buffer, at: number) => unknown): Read {
  return (b, at, len) => {
    const out = new Array(len);
    for (let i = 0; i < len; i++) out[i] = one(b, at + i * size);
    return out;
  };
}

const u8 = (b: Buffer, at: number) => b[at]!;
const i8 = (b: Buffer, at: number) => (b[at]! << 24) >> 24;
const u16 = (b: Buffer, at: number) => b[at]! | (b[at + 1]! << 8);
const i16 = (b: Buffer, at: number) => ((b[at]! | (b[at + 1]! << 8)) << 16) >> 16;
const i32 = (b: Buffer, at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24);
const u32 = (b: Buffer, at: number) => i32(b, at) >>> 0;
const f32 = (b: Buffer, at: number) => b.readFloatLE(at);
const f64 = (b: Buffer, at: number) => b.readDoubleLE(at);
const i64 = (b: Buffer, at: number) => b.readBigInt64LE(at);
const u64 = (b: Buffer, at: number) => b.readBigUInt64LE(at);

/** Readers by node-mavlink field type; strings stop at the first NUL, as node-mavlink's do. */
const READERS: Record<string, Read> = {
  uint8_t_mavlink_version: u8,
  char: (b, at) => String.fromCharCode(b[at]!),
  int8_t: i8,
  uint8_t: u8,
  int16_t: i16,
  uint16_t: u16,
  int32_t: i32,
  uint32_t: u32,
  int64_t: i64,
  uint64_t: u64,
  float: f32,
  double: f64,
  'char[]': (b, at, len) => {
    let end = at;
    while (end < at + len && b[end] !== 0) end++;
    return b.toString('latin1', at, end);
  },
  'int8_t[]': arrayOf(1, i8),
  'uint8_t[]': arrayOf(1, u8),
  'int16_t[]': arrayOf(2, i16),
  'uint16_t[]': arrayOf(2, u16),
  'int32_t[]': arrayOf(4, i32),
  'uint32_t[]': arrayOf(4, u32),
  'int64_t[]': arrayOf(8, i64),
  'uint64_t[]': arrayOf(8, u64),
  'float[]': arrayOf(4, f32),
  'double[]': arrayOf(8, f64),
};

interface ClassDecoder {
  proto: object;
  fullLength: number;
  names: string[];
  offsets: number[];
  lengths: number[];
  reads: Read[];
}

const decoders = new Map<number, ClassDecoder | null>();

function decoderFor(msgid: number): ClassDecoder | null {
  let d = decoders.get(msgid);
  if (d !== undefined) return d;
  const clazz: MavLinkDataConstructor<MavLinkData> | undefined = REGISTRY[msgid];
  d = null;
  if (clazz) {
    d = { proto: clazz.prototype, fullLength: fullPayloadLength(clazz), names: [], offsets: [], lengths: [], reads: [] };
    for (const f of clazz.FIELDS) {
      const read = READERS[f.type];
      if (!read) throw new Error(`${clazz.MSG_NAME}.${f.name}: unsupported field type ${f.type}`);
      d.names.push(f.name);
      d.offsets.push(f.offset);
      d.lengths.push(f.length);
      d.reads.push(read);
    }
  }
  decoders.set(msgid, d);
  return d;
}

// MAVLink 2 trims trailing zero bytes: a short payload is zero-extended here rather than in a new buffer.
const scratch = Buffer.alloc(256);

/**
 * Decodes the payload at buf[start, start + length) as message `msgid`; null for an id outside
 * the registry. The result holds no reference to `buf`.
 */
export function decodeMessage(msgid: number, buf: Buffer, start: number, length: number): MavLinkData | null {
  const d = decoderFor(msgid);
  if (!d) return null;
  let src = buf;
  let at = start;
  if (length < d.fullLength) {
    buf.copy(scratch, 0, start, start + length);
    scratch.fill(0, length, d.fullLength);
    src = scratch;
    at = 0;
  }
  const msg = Object.create(d.proto) as Record<string, unknown>;
  const { names, offsets, lengths, reads } = d;
  for (let i = 0; i < names.length; i++) msg[names[i]!] = reads[i]!(src, at + offsets[i]!, lengths[i]!);
  return msg as unknown as MavLinkData;
}
