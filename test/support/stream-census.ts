import dgram from 'node:dgram';
import { minimal } from 'node-mavlink';
import { FrameEncoder } from '../../src/mavlink/codec.js';
import { messageName } from '../../src/mavlink/registry.js';

/** One message type seen on a link: how many frames in the window and their rate on the vehicle's clock. */
export interface StreamRate {
  count: number;
  hz: number;
}

export interface StreamCensus {
  /** The vehicle's system id (from its HEARTBEAT). */
  sysId: number;
  /** Vehicle time the rates were counted over (s). */
  windowS: number;
  /**
   * By message name (registry name, or MSG_<id> for ids this build cannot decode); a message from a
   * component other than the autopilot (1) is named NAME@compid.
   */
  streams: Record<string, StreamRate>;
}

export interface CensusOptions {
  /** The port the vehicle listens on (PX4: 14580+i for the API link, 18570+i for the GCS link). */
  port: number;
  /** Vehicle time to count over, after the warm-up (s). */
  seconds: number;
  /** Vehicle time to ignore first (s): a link starts every stream at once when a client appears. */
  warmupS?: number;
  /** Give up when this much host time passes without the window filling (ms). */
  timeoutMs?: number;
}

/** Sent when something happens, not at a rate: texts, events, commands PX4 forwards, answers. */
export const EVENT_DRIVEN: ReadonlySet<string> = new Set(['STATUSTEXT', 'EVENT', 'COMMAND_LONG', 'COMMAND_ACK']);

/** The census's rates without the event-driven messages, rounded to 0.01 Hz. */
export function streamRates(c: StreamCensus): Record<string, number> {
  return Object.fromEntries(Object.entries(c.streams).filter(([n]) => !EVENT_DRIVEN.has(n)).map(([n, r]) => [n, Math.round(r.hz * 100) / 100]));
}

const ATTITUDE_ID = 30;
/** The census's own ids, a ground station's. */
const OWN_SYSID = 255;

/** Events-protocol messages PX4 v1.16 sends that this build's registry has no class for (common.xml ids). */
const NAMES_MISSING_FROM_REGISTRY: Record<number, string> = {
  410: 'EVENT',
  413: 'RESPONSE_EVENT_ERROR',
};

function nameOf(msgid: number): string {
  return NAMES_MISSING_FROM_REGISTRY[msgid] ?? messageName(msgid);
}

/** ATTITUDE.time_boot_ms: MAVLink 2 trims trailing zero bytes, so a still vehicle's payload may end inside it. */
function timeBootMs(payload: Buffer): number {
  let t = 0;
  for (let i = Math.min(4, payload.length) - 1; i >= 0; i--) t = t * 256 + payload[i]!;
  return t;
}

/**
 * The frames of one datagram, read by their headers alone: loopback UDP carries whole frames, and
 * a frame whose id this build cannot CRC-check (EVENT) still counts.
 */
function forEachFrame(buf: Buffer, onFrame: (msgid: number, sysid: number, compid: number, payload: Buffer) => void): void {
  let i = 0;
  while (i < buf.length) {
    const stx = buf[i]!;
    if (stx === 0xfd && i + 10 <= buf.length) {
      const len = buf[i + 1]!;
      const signed = (buf[i + 2]! & 1) !== 0;
      const msgid = buf[i + 7]! | (buf[i + 8]! << 8) | (buf[i + 9]! << 16);
      onFrame(msgid, buf[i + 5]!, buf[i + 6]!, buf.subarray(i + 10, i + 10 + len));
      i += 12 + len + (signed ? 13 : 0);
    } else if (stx === 0xfe && i + 6 <= buf.length) {
      const len = buf[i + 1]!;
      onFrame(buf[i + 5]!, buf[i + 3]!, buf[i + 4]!, buf.subarray(i + 6, i + 6 + len));
      i += 8 + len;
    } else {
      i++;
    }
  }
}

const GCS_HEARTBEAT_MS = 1000;

/**
 * Counts every message type a vehicle sends on one link, as a ground station sees it: a socket of
 * its own on 127.0.0.1 sends a GCS HEARTBEAT at 1 Hz to the vehicle's port (PX4 answers its first
 * partner and forwards some streams only to a link with a GCS on it) and counts frames by id. The
 * clock is the vehicle's: ATTITUDE's time_boot_ms (streamed on every PX4 link), so a vehicle
 * running faster or slower than real time is measured at its own rates.
 */
export async function streamCensus(opts: CensusOptions): Promise<StreamCensus> {
  const warmupMs = (opts.warmupS ?? 2) * 1000;
  const windowMs = opts.seconds * 1000;
  // A large receive buffer (as far as the kernel allows): a vehicle at speed 10 sends about 1000 datagrams a second.
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 22 });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const encoder = new FrameEncoder({ sysId: OWN_SYSID, compId: 190 });
  const hb = new minimal.Heartbeat();
  hb.type = minimal.MavType.GCS;
  hb.autopilot = minimal.MavAutopilot.INVALID;
  hb.systemStatus = minimal.MavState.ACTIVE;
  hb.mavlinkVersion = 3;
  const beat = () => socket.send(encoder.encode(hb), opts.port, '127.0.0.1');
  beat();
  const timer = setInterval(beat, GCS_HEARTBEAT_MS);

  const counts = new Map<string, number>();
  let sysId = 0;
  let startMs: number | null = null;
  let lastMs = 0;
  let firstAttMs: number | null = null;
  try {
    return await new Promise<StreamCensus>((resolve, reject) => {
      const timeout = setTimeout(
        () => reject(new Error(`stream census on port ${opts.port}: ${startMs === null ? 'no ATTITUDE past the warm-up' : `window not filled (${lastMs - startMs} of ${windowMs} ms vehicle time)`} after ${opts.timeoutMs ?? 60_000} ms`)),
        opts.timeoutMs ?? 60_000,
      );
      socket.on('message', (chunk) => {
        forEachFrame(chunk, (msgid, sysid, compid, payload) => {
          if (sysid === OWN_SYSID) return; // our own HEARTBEAT, forwarded from another link of the vehicle
          if (msgid === minimal.Heartbeat.MSG_ID && compid === 1 && sysId === 0) sysId = sysid;
          if (msgid === ATTITUDE_ID) {
            const t = timeBootMs(payload);
            firstAttMs ??= t;
            if (startMs === null && t - firstAttMs >= warmupMs) startMs = t;
            if (startMs !== null) lastMs = t;
          }
          if (startMs === null) return;
          const key = compid === 1 ? nameOf(msgid) : `${nameOf(msgid)}@${compid}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        });
        if (startMs !== null && lastMs - startMs >= windowMs) {
          clearTimeout(timeout);
          const windowS = (lastMs - startMs) / 1000;
          const streams: Record<string, StreamRate> = {};
          for (const [name, count] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) streams[name] = { count, hz: count / windowS };
          resolve({ sysId, windowS, streams });
        }
      });
    });
  } finally {
    clearInterval(timer);
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
