import { common } from 'node-mavlink';
import type { Link, Message } from '../mavlink/link.js';
import type { Frame } from '../mavlink/codec.js';
import { ParamError } from './errors.js';
import type { ParamAccess } from './pilot.js';

/**
 * PX4 parameters over the MAVLink parameter protocol, PX4 flavour: integer parameters are sent
 * byte-wise (MAV_PROTOCOL_CAPABILITY_PARAM_ENCODE_BYTEWISE): the float field carries the int32's
 * bytes, not its value. A JS number cannot carry those bytes safely (int32 −1 is a float NaN and
 * NaN payloads are not preserved), so values are read from the raw frame and written through a
 * PARAM_SET variant whose value field is an int32.
 */

const PARAM_VALUE_ID = common.ParamValue.MSG_ID;
const MAX_NAME = 16;

/** PARAM_SET with the value field serialised as int32 (same id, length and CRC extra). */
class ParamSetBytewise extends common.ParamSet {
  static override FIELDS = common.ParamSet.FIELDS.map((f) => (f.name === 'paramValue' ? { ...f, type: 'int32_t' } : f)) as typeof common.ParamSet.FIELDS;
}

/** The number a parameter's 4 value bytes mean for its MAV_PARAM_TYPE. */
export function decodeParamBytes(bytes: Buffer, type: number): number {
  const T = common.MavParamType;
  switch (type) {
    case T.UINT8: return bytes.readUInt8(0);
    case T.INT8: return bytes.readInt8(0);
    case T.UINT16: return bytes.readUInt16LE(0);
    case T.INT16: return bytes.readInt16LE(0);
    case T.UINT32: return bytes.readUInt32LE(0);
    case T.INT32: return bytes.readInt32LE(0);
    case T.REAL32: return bytes.readFloatLE(0);
    default: throw new ParamError(`parameter type ${type} (${common.MavParamType[type] ?? '?'}) is not supported by the byte-wise encoding`);
  }
}

/** The 4 value bytes for a value of a MAV_PARAM_TYPE; out-of-range or fractional integers throw. */
export function encodeParamBytes(name: string, value: number, type: number): Buffer {
  const T = common.MavParamType;
  const out = Buffer.alloc(4);
  const int = (min: number, max: number, write: (v: number) => void) => {
    if (!Number.isInteger(value) || value < min || value > max)
      throw new ParamError(`param ${name}: value ${value} is not a valid ${common.MavParamType[type]} (integer ${min}..${max})`);
    write(value);
  };
  switch (type) {
    case T.UINT8: int(0, 0xff, (v) => out.writeUInt8(v, 0)); break;
    case T.INT8: int(-0x80, 0x7f, (v) => out.writeInt8(v, 0)); break;
    case T.UINT16: int(0, 0xffff, (v) => out.writeUInt16LE(v, 0)); break;
    case T.INT16: int(-0x8000, 0x7fff, (v) => out.writeInt16LE(v, 0)); break;
    case T.UINT32: int(0, 0xffffffff, (v) => out.writeUInt32LE(v, 0)); break;
    case T.INT32: int(-0x80000000, 0x7fffffff, (v) => out.writeInt32LE(v, 0)); break;
    case T.REAL32:
      if (!Number.isFinite(value)) throw new ParamError(`param ${name}: value ${value} is not a finite number`);
      out.writeFloatLE(value, 0);
      break;
    default:
      throw new ParamError(`param ${name}: type ${type} (${common.MavParamType[type] ?? '?'}) is not supported`);
  }
  return out;
}

export interface ParamClientOptions {
  targetSysId: number;
  targetCompId?: number;
  /** Wait for PARAM_VALUE before resending (host clock). Default 500 ms. */
  perTryTimeoutMs?: number;
  /**
   * Transmissions in all. Default 5: PX4 answers a PARAM_REQUEST_READ straight into the link's
   * send buffer, and when its mavlink thread has been starved (a loaded host, two SITL at speed 4
   * booting) the streams that fell due fill that buffer and the answer is dropped; 3 tries of
   * 500 ms were seen to run out.
   */
  tries?: number;
}

interface ParamReply {
  name: string;
  type: number;
  value: number;
  bytes: Buffer;
}

export class ParamClient implements ParamAccess {
  /** Types (and last values) learned from PARAM_VALUE. */
  readonly known = new Map<string, { type: number; value: number }>();
  private readonly targetCompId: number;
  private readonly perTryTimeoutMs: number;
  private readonly tries: number;
  private active = 0;
  private offRaw: (() => void) | null = null;
  private offValue: (() => void) | null = null;
  private lastRawBytes: Buffer | null = null;
  private readonly waiters = new Set<(r: ParamReply) => void>();

  constructor(
    private readonly link: Link,
    private readonly opts: ParamClientOptions,
  ) {
    this.targetCompId = opts.targetCompId ?? 1;
    this.perTryTimeoutMs = opts.perTryTimeoutMs ?? 500;
    this.tries = opts.tries ?? 5;
  }

  async get(name: string): Promise<number> {
    checkName(name);
    const req = new common.ParamRequestRead();
    req.targetSystem = this.opts.targetSysId;
    req.targetComponent = this.targetCompId;
    req.paramId = name;
    req.paramIndex = -1;
    const reply = await this.exchange(name, req, () => true);
    if (!reply) throw new ParamError(`param get ${name}: no PARAM_VALUE after ${this.tries} tries of ${this.perTryTimeoutMs} ms (host clock) on ${this.link.name}`);
    return reply.value;
  }

  async set(name: string, value: number): Promise<number> {
    checkName(name);
    if (typeof value !== 'number' || Number.isNaN(value)) throw new ParamError(`param set ${name}: value must be a number, got ${String(value)}`);
    let type = this.known.get(name)?.type;
    if (type === undefined) {
      await this.get(name);
      type = this.known.get(name)!.type;
    }
    const bytes = encodeParamBytes(name, value, type);
    const expected = decodeParamBytes(bytes, type);
    const msg = type === common.MavParamType.REAL32 ? new common.ParamSet() : new ParamSetBytewise();
    msg.targetSystem = this.opts.targetSysId;
    msg.targetComponent = this.targetCompId;
    msg.paramId = name;
    msg.paramType = type;
    msg.paramValue = type === common.MavParamType.REAL32 ? expected : bytes.readInt32LE(0);
    let mismatch: ParamReply | null = null;
    const reply = await this.exchange(name, msg, (r) => {
      if (r.bytes.equals(bytes)) return true;
      mismatch = r; // an older value in flight, or a refusal: keep waiting, then resend
      return false;
    });
    if (reply) return reply.value;
    const m = mismatch as ParamReply | null;
    if (m) throw new ParamError(`param set ${name}: the vehicle reports ${name} = ${m.value} after setting ${expected} (${this.tries} tries)`);
    throw new ParamError(`param set ${name}: no PARAM_VALUE after ${this.tries} tries of ${this.perTryTimeoutMs} ms (host clock) on ${this.link.name}`);
  }

  /** Sends `msg` up to `tries` times until a PARAM_VALUE for `name` satisfies `accept`; null if none did. */
  private exchange(name: string, msg: common.ParamRequestRead | common.ParamSet, accept: (r: ParamReply) => boolean): Promise<ParamReply | null> {
    this.attach();
    return new Promise<ParamReply | null>((resolve, reject) => {
      const lost = this.link.lost;
      if (lost) {
        this.detach();
        return reject(lost);
      }
      let tries = 0;
      let timer: NodeJS.Timeout | undefined;
      const finish = (r: ParamReply | null, err?: Error) => {
        clearTimeout(timer);
        this.waiters.delete(onReply);
        offLost();
        this.detach();
        if (err) reject(err);
        else resolve(r);
      };
      const onReply = (r: ParamReply) => {
        if (r.name === name && accept(r)) finish(r);
      };
      const offLost = this.link.onLost((err) => finish(null, err));
      const send = () => {
        if (tries >= this.tries) return finish(null);
        tries++;
        this.link.send(msg);
        timer = setTimeout(send, this.perTryTimeoutMs);
      };
      this.waiters.add(onReply);
      send();
    });
  }

  /** Listens for PARAM_VALUE only while requests are open: the raw-frame hook runs for every frame. */
  private attach(): void {
    if (this.active++ > 0) return;
    const sysId = this.opts.targetSysId;
    this.offRaw = this.link.onRawFrame((frame: Frame) => {
      if (frame.msgid !== PARAM_VALUE_ID || frame.sysid !== sysId) return;
      // MAVLink 2 trims trailing zero bytes: pad the value field back to 4 bytes.
      const bytes = Buffer.alloc(4);
      frame.payload.copy(bytes, 0, 0, Math.min(4, frame.payload.length));
      this.lastRawBytes = bytes;
    });
    this.offValue = this.link.on(common.ParamValue, (m) => this.onValue(m));
  }

  private detach(): void {
    if (--this.active > 0) return;
    this.offRaw?.();
    this.offValue?.();
    this.offRaw = this.offValue = null;
  }

  private onValue(m: Message<common.ParamValue>): void {
    if (m.sysid !== this.opts.targetSysId || (this.targetCompId !== 0 && m.compid !== this.targetCompId)) return;
    // The raw hook ran for this very frame just before it was decoded and dispatched.
    const bytes = this.lastRawBytes;
    this.lastRawBytes = null;
    if (!bytes) return;
    const type = m.data.paramType;
    let value: number;
    try {
      value = decodeParamBytes(bytes, type);
    } catch {
      return;
    }
    const name = m.data.paramId;
    this.known.set(name, { type, value });
    for (const w of [...this.waiters]) w({ name, type, value, bytes });
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME || !/^[\x20-\x7e]+$/.test(name))
    throw new ParamError(`invalid parameter name ${JSON.stringify(name)}: expected 1..${MAX_NAME} printable ASCII characters`);
}
