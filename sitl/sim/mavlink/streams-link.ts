/**
 * What a PX4 mavlink instance says about the link itself: PING (its latency probe),
 * LINK_NODE_STATUS (its traffic) and CURRENT_EVENT_SEQUENCE (the events protocol).
 */
import { common } from 'node-mavlink';
import { CurrentEventSequence, LinkNodeStatus } from '../../../src/mavlink/common-extras.js';
import { u64, type StreamDef } from './stream-def.js';

const { max, min, round } = Math;
const UINT32 = 4294967296;
const MAV_EVENT_CURRENT_SEQUENCE_FLAGS_RESET = 1;

/** LINK_NODE_STATUS with what the last report counted, to give rates over the interval. */
class LinkNodeStatusStream extends LinkNodeStatus {
  lastUs = -1;
  lastSent = 0;
  lastReceived = 0;
}

const u32 = (n: number) => n % UINT32;
const u16 = (n: number) => min(n, 0xffff);

export const LINK_STREAMS: readonly StreamDef[] = [
  {
    // PX4 pings each link once a second and measures the reply; the simulator sends the same
    // request (seq counting up, to everyone) and does not measure.
    name: 'PING',
    msgid: common.Ping.MSG_ID,
    create: () => {
      const p = new common.Ping();
      p.seq = -1;
      return p;
    },
    fill(m, { timeUs }) {
      const p = m as common.Ping;
      p.timeUsec = u64(timeUs);
      p.seq = (p.seq + 1) % UINT32;
      p.targetSystem = 0;
      p.targetComponent = 0;
      return true;
    },
  },
  {
    // The link's own counters. PX4 stamps µs since boot (the message says ms); a UDP link has no
    // buffers to fill or overflow, so those read 0, as on PX4 SITL.
    name: 'LINK_NODE_STATUS',
    msgid: LinkNodeStatus.MSG_ID,
    create: () => new LinkNodeStatusStream(),
    fill(m, { timeUs, link }) {
      const l = m as LinkNodeStatusStream;
      const dtS = l.lastUs < 0 ? 0 : (timeUs - l.lastUs) / 1e6;
      l.timestamp = u64(timeUs);
      l.txRate = dtS > 0 ? round(max(0, link.bytesSent - l.lastSent) / dtS) : 0;
      l.rxRate = dtS > 0 ? round(max(0, link.bytesReceived - l.lastReceived) / dtS) : 0;
      l.messagesSent = u32(link.framesSent);
      l.messagesReceived = u32(link.framesReceived);
      l.messagesLost = u32(link.framesLost);
      l.rxParseErr = u16(link.parseErrors);
      l.lastUs = timeUs;
      l.lastSent = link.bytesSent;
      l.lastReceived = link.bytesReceived;
      return true;
    },
  },
  {
    // The model's events go out as STATUSTEXT or not at all, never as EVENT (that needs PX4's event
    // ids and argument encodings): the sequence stays 0 with RESET, which is what PX4 says while its
    // event buffer is empty, so a ground station asks for no events.
    name: 'CURRENT_EVENT_SEQUENCE',
    msgid: CurrentEventSequence.MSG_ID,
    create: () => new CurrentEventSequence(),
    fill(m) {
      const c = m as CurrentEventSequence;
      c.sequence = 0;
      c.flags = MAV_EVENT_CURRENT_SEQUENCE_FLAGS_RESET;
      return true;
    },
  },
];
