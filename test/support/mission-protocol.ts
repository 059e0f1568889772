/**
 * A raw MAVLink mission-protocol client for tests: builds the client's messages and records what
 * the vehicle answers as a short transcript ("request_int 0 type=0", "ack NO_SPACE type=0",
 * "text WPM: REJ. CMD: Busy"), so one table of cases can be run against the simulator and against
 * real PX4 and the answers compared line for line.
 */
import { common } from 'node-mavlink';
import type { MavLinkData } from 'node-mavlink';
import { FrameEncoder } from '../../src/mavlink/codec.js';
import type { Link, Message } from '../../src/mavlink/link.js';

export const MISSION = 0;
export const FENCE = 1;
export const RALLY = 2;

/** The item fields a test chooses; the rest default to a plain global waypoint. */
export interface ItemSpec {
  seq: number;
  frame?: number;
  command?: number;
  current?: number;
  autocontinue?: number;
  param1?: number;
  param2?: number;
  param3?: number;
  param4?: number;
  x?: number;
  y?: number;
  z?: number;
  missionType?: number;
}

/** Near PX4 SITL's home (47.397742, 8.545594). */
export const HOME_LAT_E7 = 473977420;
export const HOME_LON_E7 = 85455940;

export function missionCount(sys: number, count: number, type = MISSION, comp = 1): common.MissionCount {
  const m = new common.MissionCount();
  m.targetSystem = sys;
  m.targetComponent = comp;
  m.count = count;
  m.missionType = type as common.MavMissionType;
  m.opaqueId = 0;
  return m;
}

export function missionItemInt(sys: number, s: ItemSpec, comp = 1): common.MissionItemInt {
  const m = new common.MissionItemInt();
  m.targetSystem = sys;
  m.targetComponent = comp;
  m.seq = s.seq;
  m.frame = (s.frame ?? 6) as common.MavFrame; // GLOBAL_RELATIVE_ALT_INT
  m.command = (s.command ?? 16) as common.MavCmd; // NAV_WAYPOINT
  m.current = s.current ?? 0;
  m.autocontinue = s.autocontinue ?? 1;
  m.param1 = s.param1 ?? 0;
  m.param2 = s.param2 ?? 0;
  m.param3 = s.param3 ?? 0;
  m.param4 = s.param4 ?? 0;
  m.x = s.x ?? HOME_LAT_E7 + s.seq * 100;
  m.y = s.y ?? HOME_LON_E7 + s.seq * 100;
  m.z = s.z ?? 10;
  m.missionType = (s.missionType ?? MISSION) as common.MavMissionType;
  return m;
}

export function missionItemFloat(sys: number, s: ItemSpec & { lat?: number; lon?: number }): common.MissionItem {
  const m = new common.MissionItem();
  m.targetSystem = sys;
  m.targetComponent = 1;
  m.seq = s.seq;
  m.frame = (s.frame ?? 3) as common.MavFrame; // GLOBAL_RELATIVE_ALT
  m.command = (s.command ?? 16) as common.MavCmd;
  m.current = s.current ?? 0;
  m.autocontinue = s.autocontinue ?? 1;
  m.param1 = s.param1 ?? 0;
  m.param2 = s.param2 ?? 0;
  m.param3 = s.param3 ?? 0;
  m.param4 = s.param4 ?? 0;
  m.x = s.lat ?? 47.3977 + s.seq * 1e-4;
  m.y = s.lon ?? 8.5456 + s.seq * 1e-4;
  m.z = s.z ?? 10;
  m.missionType = (s.missionType ?? MISSION) as common.MavMissionType;
  return m;
}

/** A client message addressed to the vehicle's autopilot (component 1), its other fields given. */
function toVehicle<T extends MavLinkData>(Kind: new () => T, sys: number, fields: Partial<T>): T {
  return Object.assign(new Kind(), { targetSystem: sys, targetComponent: 1 }, fields);
}

export function missionRequestList(sys: number, type = MISSION): common.MissionRequestList {
  return toVehicle(common.MissionRequestList, sys, { missionType: type as common.MavMissionType });
}

export function missionRequestInt(sys: number, seq: number, type = MISSION): common.MissionRequestInt {
  return toVehicle(common.MissionRequestInt, sys, { seq, missionType: type as common.MavMissionType });
}

export function missionRequest(sys: number, seq: number, type = MISSION): common.MissionRequest {
  return toVehicle(common.MissionRequest, sys, { seq, missionType: type as common.MavMissionType });
}

export function missionAck(sys: number, result: number, type = MISSION): common.MissionAck {
  return toVehicle(common.MissionAck, sys, { type: result as common.MavMissionResult, missionType: type as common.MavMissionType, opaqueId: 0 });
}

export function missionClearAll(sys: number, type = MISSION): common.MissionClearAll {
  return toVehicle(common.MissionClearAll, sys, { missionType: type as common.MavMissionType });
}

export function missionSetCurrent(sys: number, seq: number): common.MissionSetCurrent {
  return toVehicle(common.MissionSetCurrent, sys, { seq });
}

const MISSION_TEXT = /WPM|MISSION|Mission|Operation timeout|[Ww]aypoint|wp index|partner id|storage/;

const RESULT_NAME = (r: number): string => common.MavMissionResult[r] ?? String(r);

/** One line of a transcript for a vehicle message, or null for messages the transcript leaves out. */
export function transcriptLine(m: Message): string | null {
  const d = m.data as unknown as Record<string, number | string>;
  switch (m.name) {
    case 'MISSION_REQUEST_INT': return `request_int ${d.seq} type=${d.missionType}`;
    case 'MISSION_REQUEST': return `request ${d.seq} type=${d.missionType}`;
    case 'MISSION_ACK': return `ack ${RESULT_NAME(d.type as number)} type=${d.missionType}`;
    case 'MISSION_COUNT': return `count ${d.count} type=${d.missionType}`;
    case 'MISSION_ITEM_INT': return `item_int ${d.seq} type=${d.missionType}`;
    case 'MISSION_ITEM': return `item ${d.seq} type=${d.missionType}`;
    case 'STATUSTEXT': {
      // Only the mission manager's texts: others (the logger starting, preflight checks) come when they will.
      const text = String(d.text).replace(/\0+$/, '');
      return MISSION_TEXT.test(text) ? `text ${text}` : null;
    }
    case 'COMMAND_ACK': return `command_ack ${d.command} ${common.MavResult[d.result as number]}`;
    default: return null;
  }
}

/** A step: what the client sends (from its own ids, or as another component), then how long it listens. */
export interface Step {
  send: (sys: number) => MavLinkData[];
  /** Send as this component id instead of the link's own (another partner on the same link). */
  asComp?: number;
  /** Send on the vehicle's other link (its GCS link) instead of the main one; answers are recorded from both. */
  other?: boolean;
  /** Host ms to listen after sending (default 400: more than one 250 ms retry of PX4, less than two). */
  listenMs?: number;
}

/**
 * Runs steps against a vehicle and returns, per step, the transcript lines of what came back in
 * its window, consecutive repeats folded into one (a retried request reads once: how often it is
 * repeated depends on the window, not on the protocol).
 */
export async function runSteps(link: Link, sys: number, steps: readonly Step[], other?: Link): Promise<string[][]> {
  const out: string[][] = [];
  let current: string[] = [];
  const record = (m: Message) => {
    if (m.sysid !== sys) return;
    const line = transcriptLine(m);
    if (line !== null && current[current.length - 1] !== line) current.push(line);
  };
  const offs = [link.on('*', record), ...(other ? [other.on('*', (m: Message) => record(m))] : [])];
  const encoders = new Map<number, FrameEncoder>();
  try {
    for (const step of steps) {
      current = [];
      out.push(current);
      for (const msg of step.send(sys)) {
        if (step.other) {
          if (!other) throw new Error('runSteps: a step for the other link, but no other link');
          other.send(msg);
        } else if (step.asComp === undefined) link.send(msg);
        else {
          let enc = encoders.get(step.asComp);
          if (!enc) encoders.set(step.asComp, (enc = new FrameEncoder({ sysId: 255, compId: step.asComp })));
          link.transport.write(enc.encode(msg));
        }
      }
      await new Promise((r) => setTimeout(r, step.listenMs ?? 500));
    }
  } finally {
    for (const off of offs) off();
  }
  return dropCrossedRetries(out.map(normalise));
}

/**
 * PX4 asks again for the item it waits for every 250 ms: on a loaded host one such retry, sent in
 * a step's window, can arrive in the next one, ahead of that step's own answer. A step that starts
 * with the request the previous step ended with, and has an answer of its own after it, loses
 * that leading retry. A step whose only answer is the retry keeps it.
 */
function dropCrossedRetries(steps: string[][]): string[][] {
  let last: string | undefined;
  return steps.map((lines) => {
    const own = lines.filter((l) => !l.startsWith('text '));
    const out = own.length > 1 && own[0] === last && own[0]!.startsWith('request') ? lines.filter((l, i) => i !== lines.indexOf(own[0]!)) : lines;
    last = own.at(-1) ?? last;
    return out;
  });
}

/**
 * STATUSTEXT reaches the link through PX4's log queue a cycle after a MISSION_ACK sent at once, so
 * their relative order is not the protocol's: texts are compared as a set, after the rest in order.
 */
function normalise(lines: string[]): string[] {
  const texts = [...new Set(lines.filter((l) => l.startsWith('text ')))].sort();
  const rest = lines.filter((l, i, all) => !l.startsWith('text ') && l !== all.slice(0, i).filter((x) => !x.startsWith('text ')).at(-1));
  return [...rest, ...texts];
}

/** Uploads items with the protocol, answering each request; returns the final MISSION_ACK (host-time timeout). */
export async function upload(
  link: Link,
  sys: number,
  type: number,
  items: readonly ItemSpec[],
  opts: { timeoutMs?: number; drop?: (seq: number, attempt: number) => boolean } = {},
): Promise<{ ack: common.MissionAck; requests: number[] }> {
  const requests: number[] = [];
  const attempts = new Map<number, number>();
  const done = link.next(common.MissionAck, { timeoutMs: opts.timeoutMs ?? 5000, where: (m) => m.sysid === sys });
  const off = link.on(common.MissionRequestInt, (m: Message<common.MissionRequestInt>) => {
    if (m.sysid !== sys) return;
    answer(m.data.seq);
  });
  const offLegacy = link.on(common.MissionRequest, (m: Message<common.MissionRequest>) => {
    if (m.sysid !== sys) return;
    answer(m.data.seq);
  });
  function answer(seq: number): void {
    requests.push(seq);
    const n = (attempts.get(seq) ?? 0) + 1;
    attempts.set(seq, n);
    if (opts.drop?.(seq, n)) return;
    const spec = items[seq];
    if (spec) link.send(missionItemInt(sys, { ...spec, missionType: type }));
  }
  try {
    link.send(missionCount(sys, items.length, type));
    return { ack: (await done).data, requests };
  } finally {
    off();
    offLegacy();
  }
}

/** Downloads a list with MISSION_REQUEST_INT; acknowledges it ACCEPTED. */
export async function download(link: Link, sys: number, type: number, timeoutMs = 5000): Promise<{ count: common.MissionCount; items: common.MissionItemInt[] }> {
  const countP = link.next(common.MissionCount, { timeoutMs, where: (m) => m.sysid === sys });
  link.send(missionRequestList(sys, type));
  const count = (await countP).data;
  const items: common.MissionItemInt[] = [];
  for (let seq = 0; seq < count.count; seq++) {
    const p = link.next(common.MissionItemInt, { timeoutMs, where: (m) => m.sysid === sys && m.data.seq === seq });
    link.send(missionRequestInt(sys, seq, type));
    items.push((await p).data);
  }
  link.send(missionAck(sys, 0, type));
  return { count, items };
}

/** The fields of a downloaded item a comparison cares about. */
export function itemFields(m: common.MissionItemInt): Record<string, number> {
  return {
    seq: m.seq, frame: m.frame, command: m.command, current: m.current, autocontinue: m.autocontinue,
    param1: m.param1, param2: m.param2, param3: m.param3, param4: m.param4, x: m.x, y: m.y, z: m.z, missionType: m.missionType,
  };
}
