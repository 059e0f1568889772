import { common } from 'node-mavlink';
import type { ParamStore, ParamType } from '../model/types.js';
import type { Outbox } from './frame-writer.js';

/** MAV_PARAM_TYPE values PX4 uses on the wire. */
export const MAV_PARAM_TYPE = { UINT8: 1, UINT32: 5, INT32: 6, REAL32: 9, ENUM_END: 11 } as const;

export const HASH_CHECK = '_HASH_CHECK';

export function mavParamType(type: ParamType): number {
  return type === 'INT32' ? MAV_PARAM_TYPE.INT32 : MAV_PARAM_TYPE.REAL32;
}

/**
 * Sends one PARAM_VALUE with PX4's byte-wise encoding: an INT32 parameter's float field carries
 * the integer's four bytes (not its value converted to float). The bytes are written straight
 * into the frame so no NaN-pattern integer (e.g. -1 = 0xFFFFFFFF) can be altered on the way.
 */
export function sendParamValue(
  outbox: Outbox,
  msg: common.ParamValue,
  p: { name: string; type: number; value: number; index: number; count: number },
): void {
  msg.paramId = p.name;
  msg.paramType = p.type as common.MavParamType;
  msg.paramIndex = p.index & 0xffff;
  msg.paramCount = p.count;
  msg.paramValue = 0;
  const { type, value } = p;
  outbox.send(msg, (view, at) => {
    if (type === MAV_PARAM_TYPE.REAL32) view.setFloat32(at, value, true);
    else if (type === MAV_PARAM_TYPE.UINT32) view.setUint32(at, value >>> 0, true);
    else view.setInt32(at, value | 0, true);
  });
}

/** A PARAM_SET decoded from its raw payload, keeping the value's exact bytes. */
export interface RawParamSet {
  targetSystem: number;
  targetComponent: number;
  id: string;
  type: number;
  asInt32: number;
  asFloat32: number;
}

const PARAM_SET_LEN = 23;

/** Decodes PARAM_SET (zero-padding a MAVLink 2 truncated payload). */
export function decodeParamSet(payload: Buffer): RawParamSet {
  const p = Buffer.alloc(PARAM_SET_LEN);
  payload.copy(p, 0, 0, Math.min(payload.length, PARAM_SET_LEN));
  return {
    asFloat32: p.readFloatLE(0),
    asInt32: p.readInt32LE(0),
    targetSystem: p[4]!,
    targetComponent: p[5]!,
    id: paramIdString(p.subarray(6, 22)),
    type: p[22]!,
  };
}

/** A 16-byte, possibly unterminated, param id. */
export function paramIdString(bytes: Buffer | string): string {
  const s = typeof bytes === 'string' ? bytes : bytes.toString('latin1');
  const nul = s.indexOf('\0');
  return (nul >= 0 ? s.slice(0, nul) : s).slice(0, 16);
}

/** A 32-bit hash over names and values (PX4 sends one as _HASH_CHECK so a GCS can use its cache). */
export function paramHash(store: ParamStore): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.alloc(4);
  for (const info of store.list()) {
    for (let i = 0; i < info.name.length; i++) h = Math.imul(h ^ info.name.charCodeAt(i), 0x01000193);
    const v = store.get(info.name);
    if (info.type === 'INT32') bytes.writeInt32LE(v | 0, 0);
    else bytes.writeFloatLE(v, 0);
    for (let i = 0; i < 4; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  }
  return h >>> 0;
}
