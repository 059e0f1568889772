import { common } from 'node-mavlink';
import type { Link } from '../mavlink/link.js';
import type { Frame } from '../mavlink/codec.js';
import { ParamError } from './errors.js';
import { decodeParamBytes } from './params.js';

/** One parameter as PARAM_VALUE carries it. */
export interface ListedParam {
  name: string;
  /** MAV_PARAM_TYPE (PX4: INT32 = 6, REAL32 = 9). */
  type: number;
  value: number;
  /** param_index: its position in the vehicle's list. */
  index: number;
}

export interface ParamList {
  /** param_count as the vehicle states it. */
  count: number;
  /** Every parameter, by index. */
  params: ListedParam[];
  /** The _HASH_CHECK value PX4 sends first (index -1), when it sent one. */
  hash: number | null;
}

export interface ParamListOptions {
  targetSysId: number;
  targetCompId?: number;
  /** Silence after which missing indices are asked for one by one (host clock). Default 1000 ms. */
  idleMs?: number;
  /** Rounds of re-requests before giving up. Default 5. */
  rounds?: number;
}

const PARAM_VALUE_ID = common.ParamValue.MSG_ID;
const PARAM_VALUE_LEN = 25;
const HASH_INDEX = 0xffff;

/** A PARAM_VALUE frame's fields, read from its raw payload (MAVLink 2 trims trailing zeros). */
function decodeParamValue(frame: Frame): ListedParam & { count: number } {
  const p = Buffer.alloc(PARAM_VALUE_LEN);
  frame.payload.copy(p, 0, 0, Math.min(frame.payload.length, PARAM_VALUE_LEN));
  const index = p.readUInt16LE(6);
  const type = p[24]!;
  return {
    name: p.toString('latin1', 8, 24).replace(/\0.*$/s, ''),
    type,
    value: decodeParamBytes(p.subarray(0, 4), type),
    index: index === HASH_INDEX ? -1 : index,
    count: p.readUInt16LE(4),
  };
}

/**
 * The vehicle's whole parameter list: PARAM_REQUEST_LIST, then PARAM_REQUEST_READ by index for
 * whatever the burst lost (UDP drops, a busy sender), as QGroundControl does. Values are read from
 * the raw frame (PX4 encodes integers byte-wise in the float field).
 */
export async function readParamList(link: Link, opts: ParamListOptions): Promise<ParamList> {
  const compId = opts.targetCompId ?? 1;
  const idleMs = opts.idleMs ?? 1000;
  const byIndex = new Map<number, ListedParam>();
  let count: number | null = null;
  let hash: number | null = null;
  let lastHeardMs = Date.now();
  const off = link.onRawFrame((frame: Frame) => {
    if (frame.msgid !== PARAM_VALUE_ID || frame.sysid !== opts.targetSysId || frame.compid !== compId) return;
    const { count: n, ...param } = decodeParamValue(frame);
    lastHeardMs = Date.now();
    if (param.index < 0) {
      if (param.name === '_HASH_CHECK') hash = param.value;
      return;
    }
    count = n;
    byIndex.set(param.index, param);
  });
  try {
    const list = new common.ParamRequestList();
    list.targetSystem = opts.targetSysId;
    list.targetComponent = compId;
    link.send(list);
    for (let round = 0; ; ) {
      await sleep(100);
      if (count !== null && byIndex.size >= count) break;
      if (Date.now() - lastHeardMs < idleMs) continue;
      if (round++ >= (opts.rounds ?? 5)) {
        throw new ParamError(count === null
          ? `parameter list: no PARAM_VALUE from ${opts.targetSysId}/${compId} on ${link.name}`
          : `parameter list: ${count - byIndex.size} of ${count} parameters still missing after ${opts.rounds ?? 5} rounds of re-requests on ${link.name}`);
      }
      if (count === null) {
        link.send(list);
      } else {
        for (let i = 0; i < count; i++) {
          if (byIndex.has(i)) continue;
          const read = new common.ParamRequestRead();
          read.targetSystem = opts.targetSysId;
          read.targetComponent = compId;
          read.paramId = '';
          read.paramIndex = i;
          link.send(read);
        }
      }
      lastHeardMs = Date.now();
    }
  } finally {
    off();
  }
  return { count: count!, params: [...byIndex.values()].sort((a, b) => a.index - b.index), hash };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * One parameter read by name (PARAM_REQUEST_READ, index -1), with the index the vehicle gives it:
 * PX4 answers a parameter it has but does not list (no module uses it) with index -1. Null when
 * no answer comes (PX4 stays silent for a name it does not know).
 */
export async function readParamByName(link: Link, name: string, opts: ParamListOptions & { timeoutMs?: number }): Promise<ListedParam | null> {
  const compId = opts.targetCompId ?? 1;
  const tries = opts.rounds ?? 3;
  let got: ListedParam | null = null;
  const off = link.onRawFrame((frame: Frame) => {
    if (frame.msgid !== PARAM_VALUE_ID || frame.sysid !== opts.targetSysId || frame.compid !== compId) return;
    const { count: _count, ...param } = decodeParamValue(frame);
    if (param.name === name) got = param;
  });
  try {
    const read = new common.ParamRequestRead();
    read.targetSystem = opts.targetSysId;
    read.targetComponent = compId;
    read.paramId = name;
    read.paramIndex = -1;
    for (let i = 0; i < tries && !got; i++) {
      link.send(read);
      const until = Date.now() + (opts.timeoutMs ?? 500);
      while (!got && Date.now() < until) await sleep(20);
    }
    return got;
  } finally {
    off();
  }
}
