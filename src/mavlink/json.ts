import { REGISTRY, fullPayloadLength } from './registry.js';

/**
 * Payload → JSON text, straight from the frame's bytes: the same text as
 * `JSON.stringify(decodeMessage(...), replacer)` with 64-bit integers written as numbers and
 * non-finite floats as null (what a recording stores), without building the message object, its
 * BigInts or running a replacer per key. Built once per message id from node-mavlink's field
 * table (trusted metadata, not input). A recorder uses it for every frame a link receives, most of
 * which nobody else decodes.
 */
export type PayloadJson = (b: Buffer, at: number) => string;

const TWO_32 = 4294967296;

/** Number → JSON text: non-finite numbers are null, as JSON.stringify writes them. */
function fin(v: number): string {
  return v - v === 0 ? '' + v : 'null';
}
function str(b: Buffer, at: number, len: number): string {
  let end = at;
  while (end < at + len && b[end] !== 0) end++;
  return JSON.stringify(b.toString('latin1', at, end));
}

/** One element's expression (a JSON text) for node-mavlink's base type at byte offset `AT`. */
const ELEMENT: Record<string, string> = {
  uint8_t_mavlink_version: "'' + b[AT]",
  uint8_t: "'' + b[AT]",
  int8_t: "'' + ((b[AT] << 24) >> 24)",
  uint16_t: "'' + (b[AT] | (b[AT + 1] << 8))",
  int16_t: "'' + (((b[AT] | (b[AT + 1] << 8)) << 16) >> 16)",
  uint32_t: "'' + ((b[AT] | (b[AT + 1] << 8) | (b[AT + 2] << 16) | (b[AT + 3] << 24)) >>> 0)",
  int32_t: "'' + (b[AT] | (b[AT + 1] << 8) | (b[AT + 2] << 16) | (b[AT + 3] << 24))",
  // hi × 2^32 is exact; the one rounding of the sum is Number(bigint)'s (round half to even).
  uint64_t: "'' + ((((b[AT + 4] | (b[AT + 5] << 8) | (b[AT + 6] << 16) | (b[AT + 7] << 24)) >>> 0) * TWO_32) + ((b[AT] | (b[AT + 1] << 8) | (b[AT + 2] << 16) | (b[AT + 3] << 24)) >>> 0))",
  int64_t: "'' + (((b[AT + 4] | (b[AT + 5] << 8) | (b[AT + 6] << 16) | (b[AT + 7] << 24)) * TWO_32) + ((b[AT] | (b[AT + 1] << 8) | (b[AT + 2] << 16) | (b[AT + 3] << 24)) >>> 0))",
  float: 'fin(b.readFloatLE(AT))',
  double: 'fin(b.readDoubleLE(AT))',
  char: 'JSON.stringify(String.fromCharCode(b[AT]))',
};

const compiled = new Map<number, { fullLength: number; json: PayloadJson } | null>();

function compile(msgid: number): { fullLength: number; json: PayloadJson } | null {
  const clazz = REGISTRY[msgid];
  if (!clazz) return null;
  const parts: string[] = [];
  clazz.FIELDS.forEach((f, i) => {
    const key = JSON.stringify(`${i === 0 ? '{' : ','}${JSON.stringify(f.name)}:`);
    const isArray = f.type.endsWith('[]');
    const base = isArray ? f.type.slice(0, -2) : f.type;
    const one = ELEMENT[base];
    if (!one) throw new Error(`${clazz.MSG_NAME}.${f.name}: unsupported field type ${f.type}`);
    let value: string;
    if (!isArray) value = one.replaceAll('AT', `(at + ${f.offset})`);
    else if (base === 'char') value = `str(b, at + ${f.offset}, ${f.length})`;
    else {
      const items: string[] = [];
      for (let k = 0; k < f.length; k++) items.push(one.replaceAll('AT', `(at + ${f.offset + k * f.size})`));
      value = `'[' + ${items.join(" + ',' + ")} + ']'`;
    }
    parts.push(`${key} + ${value}`);
  });
  const body = parts.length === 0 ? "return '{}';" : `return ${parts.join(' +\n')} + '}';`;
  const factory = new Function('fin', 'str', 'TWO_32', 'JSON', 'String', `return function payloadJson(b, at) {\n${body}\n};`);
  return { fullLength: fullPayloadLength(clazz), json: factory(fin, str, TWO_32, JSON, String) as PayloadJson };
}

// MAVLink 2 trims trailing zero bytes: a short payload is zero-extended here.
const scratch = Buffer.alloc(256);

/**
 * The payload at buf[start, start + length) of message `msgid` as JSON text (camelCase fields as
 * decodeMessage names them; 64-bit integers as numbers; NaN and ±Infinity as null); null for an
 * id outside the registry.
 */
export function payloadJson(msgid: number, buf: Buffer, start: number, length: number): string | null {
  let c = compiled.get(msgid);
  if (c === undefined) {
    c = compile(msgid);
    compiled.set(msgid, c);
  }
  if (!c) return null;
  if (length < c.fullLength) {
    buf.copy(scratch, 0, start, start + length);
    scratch.fill(0, length, c.fullLength);
    return c.json(scratch, 0);
  }
  return c.json(buf, start);
}
