import { describe, expect, it } from '@jest/globals';
import { common, minimal, standard } from 'node-mavlink';
import type { MavLinkData } from 'node-mavlink';
import { FrameEncoder, FrameSplitter, decodePayload, type Frame } from '../../src/mavlink/codec.js';
import { BaseTransport } from '../../src/mavlink/transports/transport.js';
import { FrameWriter, MAX_DATAGRAM, Outbox } from '../../sitl/sim/mavlink/frame-writer.js';
import { sendParamValue } from '../../sitl/sim/mavlink/params.js';

class CaptureTransport extends BaseTransport {
  readonly description = 'capture';
  readonly writes: Buffer[] = [];
  async open(): Promise<void> {}
  write(bytes: Buffer): void {
    this.writes.push(bytes);
  }
  async close(): Promise<void> {}
}

function frames(chunks: Buffer[]): Frame[] {
  const out: Frame[] = [];
  const s = new FrameSplitter();
  for (const c of chunks) s.push(c, (f) => out.push({ ...f, raw: Buffer.from(f.raw), payload: Buffer.from(f.payload) }));
  expect(s.counters.badCrc).toBe(0);
  expect(s.counters.skippedBytes).toBe(0);
  return out;
}

function samples(): MavLinkData[] {
  const att = new common.Attitude();
  Object.assign(att, { timeBootMs: 123456, roll: 0.1, pitch: -0.2, yaw: 3.1, rollspeed: 0, pitchspeed: 0.5, yawspeed: -1e-3 });
  const gps = new common.GpsRawInt();
  Object.assign(gps, { timeUsec: 98765432101n, lat: 473977420, lon: 85455940, alt: 488000, eph: 70, epv: 120, vel: 0, cog: 65535, fixType: 3, satellitesVisible: 12, altEllipsoid: 488000, hAcc: 700, vAcc: 1200, velAcc: 300, hdgAcc: 0, yaw: 0 });
  const text = new common.StatusText();
  Object.assign(text, { severity: 6, text: 'Armed by external command', id: 3, chunkSeq: 0 });
  const bat = new common.BatteryStatus();
  Object.assign(bat, { id: 0, batteryFunction: 1, type: 1, temperature: 32767, voltages: [4050, 4050, 4050, 4050, 65535, 65535, 65535, 65535, 65535, 65535], currentBattery: -1, currentConsumed: 12, energyConsumed: -1, batteryRemaining: 97, timeRemaining: 0, chargeState: 1, voltagesExt: [0, 0, 0, 0], mode: 0, faultBitmask: 0 });
  const ack = new common.CommandAck();
  Object.assign(ack, { command: 400, result: 0, progress: 0, resultParam2: 0, targetSystem: 255, targetComponent: 190 });
  const hb = new minimal.Heartbeat();
  Object.assign(hb, { type: 2, autopilot: 12, baseMode: 157, customMode: 50593792, systemStatus: 3, mavlinkVersion: 3 });
  const ver = new standard.AutopilotVersion();
  Object.assign(ver, { capabilities: 57839n, uid: 12345678901234n, flightSwVersion: 0x011000ff, middlewareSwVersion: 0x011000ff, osSwVersion: 0, boardVersion: 0, vendorId: 0, productId: 0, flightCustomVersion: [1, 2, 3, 4, 5, 6, 7, 8], middlewareCustomVersion: [0, 0, 0, 0, 0, 0, 0, 0], osCustomVersion: [0, 0, 0, 0, 0, 0, 0, 0], uid2: new Array(18).fill(0) });
  const ts = new common.TimeSync();
  Object.assign(ts, { tc1: -5n, ts1: 1700000000123456789n, targetSystem: 1, targetComponent: 1 });
  return [att, gps, text, bat, ack, hb, ver, ts];
}

describe('FrameWriter', () => {
  it('produces the same bytes as node-mavlink serialisation for every field kind', () => {
    const reference = new FrameEncoder({ sysId: 7, compId: 1 });
    const writer = new FrameWriter(7, 1);
    const buf = Buffer.alloc(400);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (const msg of samples()) {
      const expected = reference.encode(msg);
      const n = writer.write(msg, buf, view, 5);
      const name = (msg.constructor as unknown as { MSG_NAME: string }).MSG_NAME;
      expect({ name, bytes: buf.subarray(5, 5 + n).toString('hex') }).toEqual({ name, bytes: expected.toString('hex') });
    }
  });

  it('accepts plain numbers for 64-bit fields and decodes them back exactly', () => {
    const writer = new FrameWriter(1, 1);
    const buf = Buffer.alloc(300);
    const view = new DataView(buf.buffer);
    const alt = new common.Altitude();
    Object.assign(alt, { timeUsec: 3_600_000_123_456, altitudeMonotonic: 1, altitudeAmsl: 2, altitudeLocal: 3, altitudeRelative: 4, altitudeTerrain: NaN, bottomClearance: NaN });
    const n = writer.write(alt, buf, view, 0);
    const [f] = frames([buf.subarray(0, n)]);
    const back = decodePayload(f!) as common.Altitude;
    expect(back.timeUsec).toBe(3_600_000_123_456n);
    expect(back.altitudeTerrain).toBeNaN();
    expect(back.altitudeRelative).toBe(4);
  });

  it('keeps an int32 parameter bit pattern exact, including NaN-like patterns such as -1', () => {
    const t = new CaptureTransport();
    const out = new Outbox(t, new FrameWriter(1, 1));
    const msg = new common.ParamValue();
    for (const value of [-1, 4, 0x7fc00001, -2147483648]) {
      sendParamValue(out, msg, { name: 'SOME_INT', type: 6, value, index: 2, count: 9 });
    }
    out.flush();
    const got = frames(t.writes).map((f) => {
      const p = Buffer.alloc(25);
      f.payload.copy(p);
      return p.readInt32LE(0);
    });
    expect(got).toEqual([-1, 4, 0x7fc00001, -2147483648]);
  });
});

describe('Outbox', () => {
  it('coalesces frames into datagrams of at most MAX_DATAGRAM bytes without splitting a frame', () => {
    const t = new CaptureTransport();
    const out = new Outbox(t, new FrameWriter(3, 1));
    const att = samples()[0] as common.Attitude;
    for (let i = 0; i < 200; i++) {
      att.timeBootMs = i;
      out.send(att);
    }
    out.flush();
    expect(t.writes.length).toBeGreaterThan(1);
    expect(t.writes.length).toBeLessThan(200 / 10);
    for (const w of t.writes) expect(w.length).toBeLessThanOrEqual(MAX_DATAGRAM);
    // Each datagram parses on its own (no frame straddles two datagrams), sequence numbers run on.
    const perDatagram = t.writes.map((w) => frames([w]));
    const all = perDatagram.flat();
    expect(all).toHaveLength(200);
    expect(all.map((f) => (decodePayload(f) as common.Attitude).timeBootMs)).toEqual([...Array(200).keys()]);
    expect(all.map((f) => f.seq)).toEqual([...Array(200).keys()].map((i) => i & 0xff));
    expect(out.frames).toBe(200);
    expect(out.datagrams).toBe(t.writes.length);
  });

  it('writes nothing when nothing was sent', () => {
    const t = new CaptureTransport();
    const out = new Outbox(t, new FrameWriter(3, 1));
    out.flush();
    expect(t.writes).toHaveLength(0);
  });
});
