import { common, minimal, MavLinkProtocolV2 } from 'node-mavlink';
import type { MavLinkData } from 'node-mavlink';
import { FrameEncoder, FrameSplitter, ReceivedFrame, crcX25, decodePayload, signatureMatches, signingKey, type Frame } from '../../src/mavlink/codec.js';
import { Link } from '../../src/mavlink/link.js';
import { CRC_EXTRA, fullPayloadLength } from '../../src/mavlink/registry.js';
import { MemoryTransport } from '../../src/mavlink/transports/memory.js';
import { seededRandom } from '../../src/mavlink/random.js';

/** Splits `chunks` in order and returns the frames with their decoded messages. */
function split(chunks: Buffer[], splitter = new FrameSplitter()): { frames: Frame[]; msgs: MavLinkData[]; splitter: FrameSplitter } {
  const frames: Frame[] = [];
  const msgs: MavLinkData[] = [];
  for (const c of chunks) {
    splitter.push(c, (f) => {
      frames.push(f);
      msgs.push(decodePayload(f)!);
    });
  }
  return { frames, msgs, splitter };
}

const f32 = Math.fround;

function heartbeat(): minimal.Heartbeat {
  const m = new minimal.Heartbeat();
  m.type = minimal.MavType.QUADROTOR;
  m.autopilot = minimal.MavAutopilot.PX4;
  m.baseMode = 209 as minimal.MavModeFlag;
  m.customMode = (4 << 16) | (3 << 24);
  m.systemStatus = minimal.MavState.STANDBY;
  m.mavlinkVersion = 3;
  return m;
}

function attitude(t: number): common.Attitude {
  const m = new common.Attitude();
  m.timeBootMs = t;
  m.roll = f32(0.01);
  m.pitch = f32(-0.02);
  m.yaw = f32(1.5);
  m.rollspeed = f32(0.001);
  m.pitchspeed = 0;
  m.yawspeed = 0; // trailing zeros: trimmed in MAVLink 2
  return m;
}

function sysStatus(extended: boolean): common.SysStatus {
  // Every field set: node-mavlink's constructors default bitmask fields to enum names (strings).
  const m = new common.SysStatus();
  m.onboardControlSensorsPresent = 0x3520fc2f as common.MavSysStatusSensor;
  m.onboardControlSensorsEnabled = 0x3520fc2f as common.MavSysStatusSensor;
  m.onboardControlSensorsHealth = 0x3520fc2e as common.MavSysStatusSensor;
  m.load = 350; m.voltageBattery = 15800; m.currentBattery = -1; m.batteryRemaining = 80;
  m.dropRateComm = 0; m.errorsComm = 0; m.errorsCount1 = 0; m.errorsCount2 = 0; m.errorsCount3 = 0; m.errorsCount4 = 0;
  m.onboardControlSensorsPresentExtended = (extended ? 1 : 0) as common.MavSysStatusSensorExtended;
  m.onboardControlSensorsEnabledExtended = (extended ? 1 : 0) as common.MavSysStatusSensorExtended;
  m.onboardControlSensorsHealthExtended = (extended ? 1 : 0) as common.MavSysStatusSensorExtended;
  return m;
}

function statusText(text: string): common.StatusText {
  const m = new common.StatusText();
  m.severity = common.MavSeverity.WARNING;
  m.text = text;
  return m;
}

function odometry(): common.Odometry {
  const m = new common.Odometry();
  m.timeUsec = 123_456_789_012n;
  m.frameId = common.MavFrame.LOCAL_FRD;
  m.childFrameId = common.MavFrame.BODY_FRD;
  m.x = f32(1.5); m.y = f32(-2.25); m.z = f32(-10);
  m.q = [1, 0, 0, 0].map(f32);
  m.vx = 0; m.vy = 0; m.vz = 0; m.rollspeed = 0; m.pitchspeed = 0; m.yawspeed = 0;
  m.poseCovariance = Array.from({ length: 21 }, (_, i) => f32(i / 8));
  m.velocityCovariance = Array.from({ length: 21 }, () => 0);
  m.resetCounter = 2; m.estimatorType = common.MavEstimatorType.VIO; m.quality = -1;
  return m;
}

function globalPosition(): common.GlobalPositionInt {
  const m = new common.GlobalPositionInt();
  m.timeBootMs = 99_000; m.lat = 473977418; m.lon = -85455939; m.alt = 498_000; m.relativeAlt = -120;
  m.vx = -5; m.vy = 32767; m.vz = -32768; m.hdg = 65535;
  return m;
}

const SAMPLES: [string, () => MavLinkData][] = [
  ['HEARTBEAT', heartbeat],
  ['ATTITUDE (trailing zeros trimmed)', () => attitude(12_345)],
  ['SYS_STATUS without extensions', () => sysStatus(false)],
  ['SYS_STATUS with an extension field', () => sysStatus(true)],
  ['STATUSTEXT (char[])', () => statusText('Preflight Fail: height estimate not stable')],
  ['ODOMETRY (arrays, uint64, int8 extension)', odometry],
  ['GLOBAL_POSITION_INT (signed extremes)', globalPosition],
];

/** The fields of a message as plain data, for comparing a decoded message with the one sent. */
function fieldsOf(m: MavLinkData): Record<string, unknown> {
  const clazz = m.constructor as unknown as { FIELDS: { name: string }[] };
  return Object.fromEntries(clazz.FIELDS.map((f) => [f.name, (m as unknown as Record<string, unknown>)[f.name]]));
}

describe('codec: round trip', () => {
  it.each(SAMPLES)('%s: MAVLink 2 encode → split → decode gives the same message', (_, make) => {
    const msg = make();
    const frame = new FrameEncoder({ sysId: 1, compId: 1 }).encode(msg);
    const { frames, msgs, splitter } = split([frame]);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ version: 2, sysid: 1, compid: 1, seq: 0, signed: false, msgid: (msg.constructor as unknown as { MSG_ID: number }).MSG_ID });
    expect(msgs[0]).toBeInstanceOf(msg.constructor);
    expect(fieldsOf(msgs[0]!)).toEqual(fieldsOf(msg));
    expect(splitter.counters).toMatchObject({ frames: 1, badCrc: 0, skippedBytes: 0, unknownMsgid: 0, bytes: frame.length });
  });

  // MAVLink 1 carries message ids below 256 only.
  const V1_SAMPLES = SAMPLES.filter(([, make]) => (make().constructor as unknown as { MSG_ID: number }).MSG_ID < 256);
  it.each(V1_SAMPLES)('%s: MAVLink 1 encode → split → decode gives the same message', (_, make) => {
    const msg = make();
    const frame = new FrameEncoder({ sysId: 7, compId: 190, version: 1 }).encode(msg);
    expect(frame[0]).toBe(0xfe);
    const { frames, msgs } = split([frame]);
    expect(frames[0]).toMatchObject({ version: 1, sysid: 7, compid: 190 });
    expect(fieldsOf(msgs[0]!)).toEqual(fieldsOf(msg));
  });

  it('MAVLink 2 trims trailing zero bytes and the decoder restores them', () => {
    const full = fullPayloadLength(common.Attitude);
    const frame = new FrameEncoder({ sysId: 1, compId: 1 }).encode(attitude(1));
    const plen = frame[1]!;
    expect(plen).toBeLessThan(full); // rollspeed nonzero, pitchspeed/yawspeed zero → 8 bytes trimmed
    expect(plen).toBe(full - 8);
    const { msgs } = split([frame]);
    const a = msgs[0] as common.Attitude;
    expect(a.pitchspeed).toBe(0);
    expect(a.yawspeed).toBe(0);
    expect(a.rollspeed).toBe(f32(0.001));
  });

  it('extension fields: absent ones decode as zero, present ones keep their value', () => {
    const enc = new FrameEncoder({ sysId: 1, compId: 1 });
    const plain = enc.encode(sysStatus(false));
    const ext = enc.encode(sysStatus(true));
    expect(ext[1]!).toBeGreaterThan(plain[1]!);
    const { msgs } = split([plain, ext]);
    expect((msgs[0] as common.SysStatus).onboardControlSensorsHealthExtended).toBe(0);
    expect((msgs[1] as common.SysStatus).onboardControlSensorsHealthExtended).toBe(1);
    expect((msgs[1] as common.SysStatus).batteryRemaining).toBe(80);
  });

  it('an all-zero payload (trimmed to nothing) still decodes', () => {
    const m = new common.ExtendedSysState();
    const frame = new FrameEncoder({ sysId: 1, compId: 1 }).encode(m);
    expect(frame[1]).toBe(0);
    const { msgs } = split([frame]);
    expect(msgs[0]).toBeInstanceOf(common.ExtendedSysState);
    expect((msgs[0] as common.ExtendedSysState).landedState).toBe(0);
  });

  it('decodePayload also accepts a plain Frame object (not from the splitter)', () => {
    const bytes = new FrameEncoder({ sysId: 1, compId: 1 }).encode(attitude(77));
    const plen = bytes[1]!;
    const frame: Frame = { version: 2, msgid: 30, sysid: 1, compid: 1, seq: 0, signed: false, raw: bytes, payload: bytes.subarray(10, 10 + plen) };
    expect((decodePayload(frame) as common.Attitude).timeBootMs).toBe(77);
  });

  it('raw and payload views cover the frame exactly', () => {
    const bytes = new FrameEncoder({ sysId: 1, compId: 1 }).encode(statusText('hello'));
    const garbage = Buffer.from([1, 2, 3]);
    const { frames } = split([Buffer.concat([garbage, bytes, garbage])]);
    expect(frames[0]).toBeInstanceOf(ReceivedFrame);
    expect(Buffer.compare(frames[0]!.raw, bytes)).toBe(0);
    expect(frames[0]!.payload.length).toBe(bytes[1]);
  });
});

describe('codec: framing across chunk boundaries', () => {
  const enc = new FrameEncoder({ sysId: 1, compId: 1 });
  const msgs: MavLinkData[] = [];
  for (let i = 0; i < 60; i++) msgs.push([heartbeat, () => attitude(i), () => sysStatus(i % 2 === 0), () => statusText(`msg ${i}`), odometry, globalPosition][i % 6]!());
  const frames = msgs.map((m) => enc.encode(m));
  const stream = Buffer.concat(frames);
  const expected = msgs.map(fieldsOf);

  it('several frames in one chunk', () => {
    const r = split([stream]);
    expect(r.msgs.map(fieldsOf)).toEqual(expected);
    expect(r.splitter.counters.skippedBytes).toBe(0);
    expect(r.frames.map((f) => f.msgid)).toEqual(msgs.map((m) => (m.constructor as unknown as { MSG_ID: number }).MSG_ID));
  });

  it('one byte at a time', () => {
    const chunks = Array.from(stream, (b) => Buffer.from([b]));
    const r = split(chunks);
    expect(r.msgs.map(fieldsOf)).toEqual(expected);
    expect(r.splitter.counters).toMatchObject({ frames: 60, badCrc: 0, skippedBytes: 0, bytes: stream.length });
  });

  it.each([1, 2, 3, 4, 5])('random chunk boundaries (seed %i)', (seed) => {
    const r = seededRandom(seed);
    const chunks: Buffer[] = [];
    for (let i = 0; i < stream.length; ) {
      const n = 1 + Math.floor(r() * 300);
      chunks.push(stream.subarray(i, i + n));
      i += n;
    }
    const out = split(chunks);
    expect(out.msgs.map(fieldsOf)).toEqual(expected);
    expect(out.frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i));
  });

  it('keeps the partial frame between chunks as a copy (the caller may reuse its buffer)', () => {
    const bytes = enc.encode(statusText('reused buffer'));
    const chunk = Buffer.from(bytes.subarray(0, 20));
    const splitter = new FrameSplitter();
    const got: Frame[] = [];
    splitter.push(chunk, (f) => got.push(f));
    chunk.fill(0); // the transport reuses its buffer
    splitter.push(bytes.subarray(20), (f) => got.push(f));
    expect(got).toHaveLength(1);
    expect((decodePayload(got[0]!) as common.StatusText).text).toBe('reused buffer');
  });
});

/** A MAVLink 2 frame with any msgid and a correct CRC for a given CRC_EXTRA (or a dummy one). */
function rawV2(msgid: number, payload: Buffer, seq = 0, extra = CRC_EXTRA[msgid] ?? 0): Buffer {
  const f = Buffer.alloc(10 + payload.length + 2);
  f[0] = 0xfd;
  f[1] = payload.length;
  f[4] = seq;
  f[5] = 1;
  f[6] = 1;
  f.writeUIntLE(msgid, 7, 3);
  payload.copy(f, 10);
  f.writeUInt16LE(crcX25(f, 1, 10 + payload.length, extra), 10 + payload.length);
  return f;
}

describe('codec: malformed input is counted, never thrown', () => {
  const enc = new FrameEncoder({ sysId: 1, compId: 1 });

  it('a corrupted frame counts badCrc and the next frame still arrives', () => {
    const bad = enc.encode(attitude(1));
    bad[12]! ^= 0x40;
    const good = enc.encode(attitude(2));
    const { msgs, splitter } = split([Buffer.concat([bad, good])]);
    expect(msgs.map((m) => (m as common.Attitude).timeBootMs)).toEqual([2]);
    expect(splitter.counters.badCrc).toBeGreaterThanOrEqual(1);
    expect(splitter.counters.frames).toBe(1);
  });

  it('an unknown msgid is skipped by its length and counted', () => {
    const unknown = rawV2(0xabcdef, Buffer.from([0xfd, 0xfd, 0xfe, 1, 2, 3])); // start bytes inside: must not be re-parsed
    expect(CRC_EXTRA[0xabcdef]).toBeUndefined();
    const good = enc.encode(heartbeat());
    const { msgs, splitter } = split([Buffer.concat([unknown, good])]);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toBeInstanceOf(minimal.Heartbeat);
    expect(splitter.counters.unknownMsgid).toBe(1);
    expect(splitter.counters.badCrc).toBe(0);
  });

  it('an unknown msgid at the end of one datagram is decided when the next arrives', () => {
    const unknown = rawV2(0x123456, Buffer.from([5, 6, 7, 8]));
    const splitter = new FrameSplitter();
    const got: Frame[] = [];
    splitter.push(unknown, (f) => got.push(f));
    splitter.push(Buffer.concat([enc.encode(heartbeat()), enc.encode(attitude(3))]), (f) => got.push(f));
    expect(got.map((f) => f.msgid)).toEqual([0, 30]);
    expect(splitter.counters).toMatchObject({ unknownMsgid: 1, badCrc: 0, skippedBytes: 0 });
  });

  it('a bogus unknown-id header whose length ends exactly on a datagram boundary does not swallow that datagram', () => {
    // Noise claiming a payload that ends precisely where the next datagram begins.
    const good = [enc.encode(attitude(20)), enc.encode(attitude(21)), enc.encode(attitude(22))];
    const covered = good[0]!.length + good[1]!.length;
    const noise = Buffer.from([0xfd, covered + 10 - 12, 0, 0, 0, 1, 1, 0x11, 0x22, 0x33]);
    const next = enc.encode(attitude(23));
    const { msgs, splitter } = split([Buffer.concat([noise, good[0]!, good[1]!]), Buffer.concat([good[2]!, next])]);
    expect(msgs.map((m) => (m as common.Attitude).timeBootMs)).toEqual([20, 21, 22, 23]);
    expect(splitter.counters.unknownMsgid).toBe(0);
  });

  it('a stray start byte in noise (unknown msgid, bogus length) does not swallow the frames after it', () => {
    // Claims a 200-byte payload of an unknown message: once 212 bytes are in, its length does not
    // land on a start byte, so it is noise and the frames it covered are found.
    const noise = Buffer.from([0xfd, 200, 0, 0, 0, 1, 1, 0x11, 0x22, 0x33, 9, 9, 9]);
    const good = Array.from({ length: 12 }, (_, i) => enc.encode(attitude(10 + i)));
    const { msgs, splitter } = split([Buffer.concat([noise, ...good])]);
    expect(msgs.map((m) => (m as common.Attitude).timeBootMs)).toEqual(good.map((_, i) => 10 + i));
    expect(splitter.counters.unknownMsgid).toBe(0);
    expect(splitter.counters.skippedBytes).toBeGreaterThanOrEqual(noise.length);
  });

  it('MAVLink 2 incompatibility flags other than "signed" mark a candidate as noise', () => {
    const f = enc.encode(heartbeat());
    f[2] = 0x02;
    const good = enc.encode(heartbeat());
    const { msgs, splitter } = split([Buffer.concat([f, good])]);
    expect(msgs).toHaveLength(1);
    expect(splitter.counters.frames).toBe(1);
  });

  it('pure garbage is skipped byte by byte', () => {
    const r = seededRandom(42);
    const garbage = Buffer.from(Array.from({ length: 5000 }, () => Math.floor(r() * 256)));
    const { msgs, splitter } = split([garbage]);
    expect(msgs).toHaveLength(0);
    const c = splitter.counters;
    // Every byte is accounted for: skipped, or still held as a possible partial frame at the end.
    expect(c.skippedBytes + c.frames).toBeGreaterThan(garbage.length - 300);
  });
});

describe('link: sequence accounting', () => {
  function linkWithFrames(seqs: number[], opts: { sysId?: number } = {}): Link {
    const [end] = MemoryTransport.pair('seq');
    const link = new Link(end, { gcsHeartbeat: false, heartbeatTimeoutMs: 0 });
    for (const s of seqs) link.ingest(rawV2(0, new FrameEncoder({ sysId: opts.sysId ?? 1, compId: 1 }).encode(heartbeat()).subarray(10, 19), s));
    return link;
  }

  it('contiguous sequence numbers drop nothing', () => {
    expect(linkWithFrames([0, 1, 2, 3, 4]).counters).toMatchObject({ received: 5, droppedBySeqGap: 0, duplicates: 0 });
  });

  it('a gap counts the missing frames', () => {
    expect(linkWithFrames([0, 1, 5, 6]).counters.droppedBySeqGap).toBe(3);
  });

  it('wraps around at 255', () => {
    expect(linkWithFrames([253, 254, 255, 0, 1]).counters.droppedBySeqGap).toBe(0);
    expect(linkWithFrames([254, 1]).counters.droppedBySeqGap).toBe(2);
    expect(linkWithFrames([200, 100]).counters.droppedBySeqGap).toBe(155);
  });

  it('a duplicate is counted as a duplicate, not as 255 lost frames', () => {
    expect(linkWithFrames([0, 1, 1, 2]).counters).toMatchObject({ droppedBySeqGap: 0, duplicates: 1, received: 4 });
  });

  it('a late frame takes itself back out of the dropped count', () => {
    expect(linkWithFrames([0, 1, 3, 4, 2, 5]).counters).toMatchObject({ droppedBySeqGap: 0, reordered: 1, duplicates: 0 });
    expect(linkWithFrames([254, 0, 255, 1]).counters).toMatchObject({ droppedBySeqGap: 0, reordered: 1 });
  });

  it('counts per sender', () => {
    const [end] = MemoryTransport.pair('seq');
    const link = new Link(end, { gcsHeartbeat: false, heartbeatTimeoutMs: 0 });
    const a = new FrameEncoder({ sysId: 1, compId: 1 });
    const b = new FrameEncoder({ sysId: 2, compId: 1 });
    for (let i = 0; i < 10; i++) link.ingest(Buffer.concat([a.encode(heartbeat()), b.encode(heartbeat())]));
    expect(link.counters).toMatchObject({ received: 20, droppedBySeqGap: 0 });
  });
});

describe('signing', () => {
  const key = signingKey('flightcheck test key');
  const otherKey = signingKey('another key');

  function signedLink(require = true): Link {
    const [end] = MemoryTransport.pair('signed');
    return new Link(end, { gcsHeartbeat: false, heartbeatTimeoutMs: 0, signing: { key, require } });
  }

  it('signingKey takes a passphrase (SHA-256) or 64 hex digits', () => {
    expect(key).toHaveLength(32);
    expect(signingKey(key.toString('hex')).equals(key)).toBe(true);
  });

  it('signed frames carry the flag and a signature that verifies with the key only', () => {
    const bytes = new FrameEncoder({ sysId: 1, compId: 1, signing: { key, linkId: 3 } }).encode(heartbeat());
    expect(bytes[2]! & MavLinkProtocolV2.IFLAG_SIGNED).toBe(1);
    const { frames, msgs } = split([bytes]);
    expect(frames[0]!.signed).toBe(true);
    expect(frames[0]!.raw[frames[0]!.raw.length - 13]).toBe(3); // link id
    expect(msgs[0]).toBeInstanceOf(minimal.Heartbeat);
    expect(signatureMatches(frames[0]!, key)).toBe(true);
    expect(signatureMatches(frames[0]!, otherKey)).toBe(false);
  });

  it('a link that requires signing accepts signed frames', () => {
    const link = signedLink();
    const enc = new FrameEncoder({ sysId: 1, compId: 1, signing: { key } });
    for (let i = 0; i < 5; i++) link.ingest(enc.encode(attitude(i)));
    expect(link.counters).toMatchObject({ received: 5, badSignature: 0, unsignedRejected: 0 });
  });

  it('a wrong key counts badSignature and the message is not delivered', () => {
    const link = signedLink();
    const seen: number[] = [];
    link.on(common.Attitude, (m) => seen.push(m.data.timeBootMs));
    link.ingest(new FrameEncoder({ sysId: 1, compId: 1, signing: { key: otherKey } }).encode(attitude(1)));
    expect(link.counters).toMatchObject({ received: 0, badSignature: 1 });
    expect(seen).toEqual([]);
  });

  it('a tampered frame (payload changed, CRC fixed up) counts badSignature', () => {
    const bytes = new FrameEncoder({ sysId: 1, compId: 1, signing: { key } }).encode(attitude(1000));
    bytes[10] = 0x99; // time_boot_ms low byte
    const plen = bytes[1]!;
    bytes.writeUInt16LE(crcX25(bytes, 1, 10 + plen, CRC_EXTRA[30]!), 10 + plen);
    const link = signedLink();
    link.ingest(bytes);
    expect(link.counters).toMatchObject({ received: 0, badSignature: 1, badCrc: 0 });
  });

  it('unsigned frames are counted unsignedRejected when signing is required, accepted when not', () => {
    const unsigned = new FrameEncoder({ sysId: 1, compId: 1 }).encode(heartbeat());
    const strict = signedLink(true);
    strict.ingest(unsigned);
    expect(strict.counters).toMatchObject({ received: 0, unsignedRejected: 1 });
    const lenient = signedLink(false);
    lenient.ingest(unsigned);
    expect(lenient.counters).toMatchObject({ received: 1, unsignedRejected: 0 });
  });

  it('a replayed signed frame is refused (timestamps must increase per stream)', () => {
    const bytes = new FrameEncoder({ sysId: 1, compId: 1, signing: { key } }).encode(heartbeat());
    const link = signedLink();
    link.ingest(bytes);
    link.ingest(Buffer.from(bytes));
    expect(link.counters).toMatchObject({ received: 1, badSignature: 1 });
  });

  it('signature timestamps strictly increase even within one millisecond, in 10 µs ticks since 2015', () => {
    const enc = new FrameEncoder({ sysId: 1, compId: 1, signing: { key } });
    const before = (Date.now() - Date.UTC(2015, 0, 1)) * 100;
    const stamps: number[] = [];
    for (let i = 0; i < 500; i++) {
      const f = enc.encode(attitude(i));
      stamps.push(f.readUIntLE(f.length - 12, 6));
    }
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]!).toBeGreaterThan(stamps[i - 1]!);
    expect(stamps[0]!).toBeGreaterThanOrEqual(before);
    expect(stamps[0]! - before).toBeLessThan(100 * 1000); // within a second of now
  });

  it('the link signs what it sends', async () => {
    const [a, b] = MemoryTransport.pair('signed-send');
    const sender = new Link(a, { gcsHeartbeat: false, heartbeatTimeoutMs: 0, signing: { key } });
    const receiver = new Link(b, { gcsHeartbeat: false, heartbeatTimeoutMs: 0, signing: { key, require: true } });
    await Promise.all([sender.open(), receiver.open()]);
    const got = receiver.next(common.Attitude, { timeoutMs: 1000 });
    sender.send(attitude(5));
    expect((await got).signed).toBe(true);
    expect(receiver.counters).toMatchObject({ received: 1, badSignature: 0 });
    await sender.close();
    await receiver.close();
  });
});
