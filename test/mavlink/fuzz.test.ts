import { createCipheriv } from 'node:crypto';
import { Link } from '../../src/mavlink/link.js';
import { MemoryTransport } from '../../src/mavlink/transports/memory.js';
import { seededRandom } from '../../src/mavlink/random.js';
import { px4Stream } from '../../bench/lib/px4-stream.js';
import { FrameEncoder, FrameSplitter, crcX25, decodePayload, type Frame } from '../../src/mavlink/codec.js';
import { CRC_EXTRA, REGISTRY } from '../../src/mavlink/registry.js';

/**
 * Random and mutated byte streams through Link.ingest: a realistic PX4 stream of 100k+ frames,
 * damaged the ways real links damage data, must never make the link throw, and every byte and
 * frame must be accounted for by its counters. Seeded: a failure replays exactly.
 */

const SEED = 20250101;
const FRAMES = 120_000;

type Mutation = 'bitflip' | 'truncate' | 'insert' | 'delete' | 'garbage-before';
const MUTATIONS: Mutation[] = ['bitflip', 'truncate', 'insert', 'delete', 'garbage-before'];

interface Unit {
  bytes: Buffer;
  /** Index of each frame in the unit, and whether its bytes reach the link unmodified. */
  frames: { index: number; untouched: boolean }[];
  garbage: number;
}

/** A seeded stream of random bytes (AES-CTR keystream): fast, and the same seed gives the same bytes. */
function byteSource(seed: number): (n: number) => Buffer {
  const key = Buffer.alloc(16);
  key.writeUInt32LE(seed >>> 0);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return (n) => cipher.update(Buffer.alloc(n));
}

/** Damages about `rate` of the datagrams; the first and last stay intact so sequence accounting has both ends. */
function mutate(stream: ReturnType<typeof px4Stream>, r: () => number, rate: number): Unit[] {
  const randomBytes = byteSource(SEED);
  const units: Unit[] = [];
  let frameIndex = 0;
  stream.datagrams.forEach((d, di) => {
    const count = stream.framesPerDatagram[di]!;
    const starts: number[] = [];
    for (let k = 0, at = 0; k < count; k++) {
      starts.push(at);
      at += stream.frames[frameIndex + k]!.length;
    }
    const frames = starts.map((_, k) => ({ index: frameIndex + k, untouched: true }));
    frameIndex += count;
    const intact = di === 0 || di === stream.datagrams.length - 1 || r() >= rate;
    if (intact) {
      units.push({ bytes: d, frames, garbage: 0 });
      return;
    }
    const kind = MUTATIONS[Math.floor(r() * MUTATIONS.length)]!;
    // Marks frames overlapping [from, to) as damaged.
    const damage = (from: number, to: number) =>
      frames.forEach((f, k) => {
        const s = starts[k]!;
        const e = s + stream.frames[f.index]!.length;
        if (s < to && from < e) f.untouched = false;
      });
    let bytes: Buffer;
    let garbage = 0;
    switch (kind) {
      case 'bitflip': {
        bytes = Buffer.from(d);
        const flips = 1 + Math.floor(r() * 3);
        for (let i = 0; i < flips; i++) {
          const at = Math.floor(r() * bytes.length);
          bytes[at]! ^= 1 << Math.floor(r() * 8);
          damage(at, at + 1);
        }
        break;
      }
      case 'truncate': {
        const cut = Math.floor(r() * d.length);
        bytes = d.subarray(0, cut);
        damage(cut, d.length);
        break;
      }
      case 'insert': {
        const at = Math.floor(r() * d.length);
        const ins = randomBytes(1 + Math.floor(r() * 16));
        bytes = Buffer.concat([d.subarray(0, at), ins, d.subarray(at)]);
        damage(at, at + 1);
        // Inserting exactly at a frame boundary leaves both neighbours whole.
        if (starts.includes(at)) frames.forEach((f, k) => { if (starts[k] === at) f.untouched = true; });
        garbage = ins.length;
        break;
      }
      case 'delete': {
        const from = Math.floor(r() * d.length);
        const to = Math.min(d.length, from + 1 + Math.floor(r() * 40));
        bytes = Buffer.concat([d.subarray(0, from), d.subarray(to)]);
        damage(from, to);
        break;
      }
      case 'garbage-before': {
        const g = randomBytes(1 + Math.floor(r() * 300));
        bytes = Buffer.concat([g, d]);
        garbage = g.length;
        break;
      }
    }
    units.push({ bytes: bytes!, frames, garbage });
  });
  return units;
}

/** Pushes chunks through a fresh link and returns what it saw. */
function run(chunks: Buffer[]): { link: Link; seen: Set<string>; receivedBytes: number } {
  const [end] = MemoryTransport.pair('fuzz');
  const link = new Link(end, { gcsHeartbeat: false, heartbeatTimeoutMs: 0, name: 'fuzz' });
  const seen = new Set<string>();
  let receivedBytes = 0;
  link.onRawFrame((f) => {
    receivedBytes += f.raw.length;
  });
  // A consumer that touches every decoded message, as telemetry does.
  link.on('*', (m) => {
    seen.add(`${m.msgid}/${m.seq}/${m.hostTimeMs > 0}`);
    void Object.values(m.data as object).length;
  });
  for (const c of chunks) link.ingest(c);
  return { link, seen, receivedBytes };
}

describe('fuzz: damaged PX4 streams through Link.ingest', () => {
  const stream = px4Stream({ frames: FRAMES, seed: SEED });
  const r = seededRandom(SEED);
  const units = mutate(stream, r, 0.15);
  const untouched = units.flatMap((u) => u.frames).filter((f) => f.untouched);
  const damaged = FRAMES - untouched.length;
  const totalBytes = units.reduce((n, u) => n + u.bytes.length, 0);

  it('the input really is damaged, and large', () => {
    expect(FRAMES).toBeGreaterThanOrEqual(100_000);
    expect(damaged).toBeGreaterThan(FRAMES * 0.05);
    expect(untouched.length).toBeGreaterThan(FRAMES * 0.7);
  });

  /** What must hold whatever the chunking. */
  function checkAccounting(result: ReturnType<typeof run>, label: string): void {
    const c = result.link.counters;
    // Every untouched frame arrives; damaged ones (nearly) never pass.
    expect({ label, received: c.received >= untouched.length }).toEqual({ label, received: true });
    expect(c.received).toBeLessThanOrEqual(FRAMES);
    expect(c.badCrc).toBeGreaterThan(0);
    expect(c.bytesIn).toBe(totalBytes);
    // Bytes: those in good frames plus those skipped cannot exceed what came in; what is
    // missing is at most the unknown-id frames skipped by length and a partial frame at the end.
    expect(result.receivedBytes + c.skippedBytes).toBeLessThanOrEqual(c.bytesIn);
    expect(result.receivedBytes + c.skippedBytes).toBeGreaterThanOrEqual(c.bytesIn - 280 * (c.unknownMsgid + 1));
    // One sender, contiguous sequence numbers, intact first and last frame: every frame is either
    // received or counted as dropped.
    expect(c.received + c.droppedBySeqGap - c.duplicates).toBe(FRAMES);
    expect(c.decodeErrors).toBe(0);
  }

  it('datagram by datagram: never throws, every untouched frame is received, counters add up', () => {
    const result = run(units.map((u) => u.bytes));
    checkAccounting(result, 'datagrams');
    // Exactly which frames arrived: all untouched ones, by (msgid, seq).
    const missing = untouched.filter((f) => !result.seen.has(`${stream.msgids[f.index]}/${f.index & 0xff}/true`));
    expect(missing).toEqual([]);
  });

  it('the same bytes re-chunked at random boundaries (a serial line): same guarantees', () => {
    const all = Buffer.concat(units.map((u) => u.bytes));
    const chunks: Buffer[] = [];
    for (let i = 0; i < all.length; ) {
      const n = 1 + Math.floor(r() * 512);
      chunks.push(all.subarray(i, i + n));
      i += n;
    }
    checkAccounting(run(chunks), 'rechunked');
  });

  it('pure random bytes: never throw, essentially nothing passes, all bytes accounted', () => {
    const g = seededRandom(SEED + 1);
    const randomBytes = byteSource(SEED + 1);
    const chunks: Buffer[] = [];
    for (let i = 0; i < 2000; i++) chunks.push(randomBytes(1 + Math.floor(g() * 1000)));
    const bytes = chunks.reduce((n, c) => n + c.length, 0);
    const { link, receivedBytes } = run(chunks);
    const c = link.counters;
    expect(c.bytesIn).toBe(bytes);
    expect(c.received).toBeLessThanOrEqual(2); // a 16-bit CRC lets a rare random frame through
    expect(receivedBytes + c.skippedBytes).toBeGreaterThanOrEqual(bytes - 280 * (c.unknownMsgid + 1));
  });

  it('random mixes of start bytes and header-like bytes (the worst case for resynchronisation)', () => {
    const g = seededRandom(SEED + 2);
    const randomBytes = byteSource(SEED + 2);
    const alphabet = [0xfd, 0xfe, 0x00, 0x01, 0x1e, 0xff, 9, 28];
    const chunks: Buffer[] = [];
    for (let i = 0; i < 500; i++) {
      const b = randomBytes(1 + Math.floor(g() * 600));
      for (let k = 0; k < b.length; k++) b[k] = alphabet[b[k]! & 7]!;
      chunks.push(b);
    }
    const { link } = run(chunks);
    expect(link.counters.bytesIn).toBe(chunks.reduce((n, c) => n + c.length, 0));
  });
});

/**
 * A million fed frames through the real Link, each one intact or damaged in one of the ways a
 * radio, a serial line or a newer dialect produce, written into reused batches and cut at random
 * boundaries. Whatever comes in, the link must not throw, and its counters must account for every
 * byte and every frame exactly: bytes fed = bytes in frames + in unknown-id frames + skipped +
 * pending; frames cut out = delivered + Σ dropped by reason.
 */
describe('fuzz: 1,000,000 mutated frames through the link, counted exactly', () => {
  const FED = 1_000_000;
  type Kind = 'intact' | 'signed' | 'noDecoder' | 'unknownId' | 'bitflip' | 'bitflipNoDecoder' | 'truncate' | 'garbage' | 'headerGarbage' | 'duplicate';
  // [kind, weight]: mostly good traffic, as on a real link, and every kind of damage in bulk.
  const MIX: [Kind, number][] = [
    ['intact', 0.62], ['signed', 0.03], ['noDecoder', 0.08], ['unknownId', 0.02], ['bitflip', 0.06], ['bitflipNoDecoder', 0.03],
    ['truncate', 0.05], ['garbage', 0.04], ['headerGarbage', 0.03], ['duplicate', 0.04],
  ];
  const ALPHABET = [0xfd, 0xfe, 0x00, 0x01, 0x1e, 0xff, 9, 28];

  it('never throws, and every byte and frame fed is counted under exactly one name', () => {
    const started = performance.now();
    const r = seededRandom(SEED + 3);
    const randomBytes = byteSource(SEED + 3);
    const pool = px4Stream({ frames: 4096, seed: SEED + 3 }).frames;
    const key = Buffer.alloc(32, 0x5a);
    const signer = new FrameEncoder({ sysId: 1, compId: 2, signing: { key } });
    const signedPool = px4Stream({ frames: 256, seed: SEED + 4 }).frames.map((f) => signer.encode(decodePayload(splitOne(f))!));
    const noDecoderIds = Object.keys(CRC_EXTRA).map(Number).filter((id) => !REGISTRY[id]);
    expect(noDecoderIds.length).toBeGreaterThan(100);
    const cumulative: [Kind, number][] = [];
    let acc = 0;
    for (const [k, w] of MIX) cumulative.push([k, (acc += w)]);
    const pick = (): Kind => {
      const x = r() * acc;
      for (const [k, c] of cumulative) if (x < c) return k;
      return 'intact';
    };

    const [end] = MemoryTransport.pair('fuzz-1m');
    const link = new Link(end, { gcsHeartbeat: false, heartbeatTimeoutMs: 0, name: 'fuzz-1m' });
    // Counted independently of the link's counters: what listeners were actually handed.
    let delivered = 0;
    let rawFrames = 0;
    link.on('*', () => void delivered++);
    link.onRawFrame(() => void rawFrames++);

    const fed: Record<Kind, number> = Object.fromEntries(MIX.map(([k]) => [k, 0])) as Record<Kind, number>;
    let fedBytes = 0;
    let exceptions = 0;
    let imbalances = 0;
    let ingests = 0;
    const batch = Buffer.alloc(1 << 20);
    let used = 0;
    const seq = new Uint8Array(3);
    const c = link.counters;
    const balanced = () =>
      c.bytesIn === c.frameBytes + c.unknownMsgidBytes + c.skippedBytes + c.pendingBytes &&
      c.frames === c.received + c.noDecoder + c.decodeErrors + c.unsignedRejected + c.badSignature;
    const ingest = (bytes: Buffer) => {
      ingests++;
      try {
        link.ingest(bytes);
      } catch {
        exceptions++;
      }
      if (!balanced()) imbalances++;
    };
    const flush = () => {
      // Half the batches whole (datagram-like bulk), half cut at random boundaries (a serial line):
      // then a frame often straddles two ingests.
      const cut = r() < 0.5;
      for (let at = 0; at < used; ) {
        const n = cut ? Math.min(used - at, 1 + Math.floor(r() * 4096)) : used - at;
        ingest(batch.subarray(at, at + n));
        at += n;
      }
      fedBytes += used;
      used = 0;
    };
    /** Copies a frame into the batch with the next sequence number of its stream and a fresh CRC; returns where it starts. */
    const put = (frame: Buffer, stream: number): number => {
      const at = used;
      frame.copy(batch, at);
      batch[at + 4] = seq[stream]!;
      seq[stream] = (seq[stream]! + 1) & 0xff;
      const msgid = batch[at + 7]! | (batch[at + 8]! << 8) | (batch[at + 9]! << 16);
      const crcAt = at + 10 + batch[at + 1]!;
      batch.writeUInt16LE(crcX25(batch, at + 1, crcAt, CRC_EXTRA[msgid] ?? 0), crcAt);
      used += frame.length;
      return at;
    };
    const rawOf = (msgid: number, plen: number): Buffer => {
      const f = Buffer.alloc(12 + plen);
      f[0] = 0xfd; f[1] = plen; f[5] = 1; f[6] = 3;
      f[7] = msgid & 0xff; f[8] = (msgid >> 8) & 0xff; f[9] = msgid >> 16;
      randomBytes(plen).copy(f, 10);
      return f;
    };
    const flip = (at: number, len: number) => {
      const flips = 1 + Math.floor(r() * 3);
      for (let i = 0; i < flips; i++) batch[at + Math.floor(r() * len)]! ^= 1 << Math.floor(r() * 8);
    };
    let lastAt = -1;
    let lastLength = 0;

    let prev: Kind | null = null;
    for (let i = 0; i < FED; i++) {
      if (used > batch.length - 600) flush();
      let kind = i === 0 || i === FED - 1 ? 'intact' : pick();
      if (kind === 'duplicate' && (prev !== 'intact' || lastAt >= used || lastAt < 0)) kind = 'intact';
      if (kind !== 'intact' && kind !== 'duplicate') lastAt = -1;
      prev = kind;
      fed[kind]++;
      switch (kind) {
        case 'intact': {
          const f = pool[Math.floor(r() * pool.length)]!;
          lastAt = put(f, 0);
          lastLength = f.length;
          break;
        }
        case 'signed':
          put(signedPool[Math.floor(r() * signedPool.length)]!, 1);
          break;
        case 'noDecoder':
          put(rawOf(noDecoderIds[Math.floor(r() * noDecoderIds.length)]!, Math.floor(r() * 256)), 2);
          break;
        case 'unknownId': {
          // An id no dialect here knows (no CRC_EXTRA): it can only be skipped by its length.
          const f = rawOf(0x800000 + Math.floor(r() * 0x7fffff), Math.floor(r() * 64));
          f.copy(batch, used);
          used += f.length;
          break;
        }
        case 'bitflip': {
          const f = pool[Math.floor(r() * pool.length)]!;
          flip(put(f, 0), f.length);
          break;
        }
        case 'bitflipNoDecoder': {
          const f = rawOf(noDecoderIds[Math.floor(r() * noDecoderIds.length)]!, 1 + Math.floor(r() * 100));
          flip(put(f, 2), f.length);
          break;
        }
        case 'truncate': {
          const f = pool[Math.floor(r() * pool.length)]!;
          used = put(f, 0) + Math.floor(r() * f.length);
          break;
        }
        case 'garbage': {
          const g = randomBytes(1 + Math.floor(r() * 64));
          g.copy(batch, used);
          used += g.length;
          break;
        }
        case 'headerGarbage': {
          const g = randomBytes(1 + Math.floor(r() * 64));
          for (let k = 0; k < g.length; k++) batch[used + k] = ALPHABET[g[k]! & 7]!;
          used += g.length;
          break;
        }
        case 'duplicate':
          // The frame just fed, again (a duplicated datagram): a frame like any other, and a duplicate by its sequence number.
          batch.copy(batch, used, lastAt, lastAt + lastLength);
          used += lastLength;
          break;
      }
    }
    flush();
    // Trailing silence on the line: whatever was waiting for more bytes is decided.
    const tail = Buffer.alloc(600);
    ingest(tail);
    fedBytes += tail.length;
    const ms = performance.now() - started;

    const fedFrames = Object.values(fed).reduce((n, k) => n + k, 0);
    expect(fedFrames).toBe(FED);
    expect({ exceptions, imbalances }).toEqual({ exceptions: 0, imbalances: 0 });
    // Every byte fed, exactly once, under one name; nothing left waiting.
    expect(c.bytesIn).toBe(fedBytes);
    expect(c.pendingBytes).toBe(0);
    expect(c.frameBytes + c.unknownMsgidBytes + c.skippedBytes).toBe(fedBytes);
    // Every frame cut out, exactly once, under one name; what the listeners got is what `received` says.
    expect(rawFrames).toBe(c.frames);
    expect(delivered).toBe(c.received);
    expect(c.frames).toBe(c.received + c.noDecoder + c.decodeErrors + c.unsignedRejected + c.badSignature);
    // And the names fit what was fed. A 16-bit CRC lets a rare false frame through (and it may swallow
    // a real one behind it), so these are bands of a few in 10,000, not equalities.
    const good = fed.intact + fed.signed + fed.duplicate;
    expect(c.received).toBeGreaterThanOrEqual(good * 0.9995);
    expect(c.received).toBeLessThanOrEqual(good + FED * 0.0005);
    expect(c.noDecoder).toBeGreaterThanOrEqual(fed.noDecoder * 0.9995);
    expect(c.noDecoder).toBeLessThanOrEqual(fed.noDecoder + FED * 0.0005);
    // An unknown id is length-skipped only when a valid frame follows it (else its start byte is noise),
    // and garbage that happens to look like such a frame is length-skipped too.
    expect(c.unknownMsgid).toBeGreaterThan(fed.unknownId * 0.5);
    expect(c.badCrc).toBeGreaterThanOrEqual(fed.bitflip + fed.bitflipNoDecoder);
    expect(c.duplicates).toBeGreaterThanOrEqual(fed.duplicate * 0.999);
    expect(c.decodeErrors + c.unsignedRejected + c.badSignature).toBe(0);
    // eslint-disable-next-line no-console
    console.log(
      `1M fuzz: ${FED} frames fed (${(fedBytes / 1e6).toFixed(1)} MB, ${ingests} ingests) in ${(ms / 1000).toFixed(1)} s: ` +
        `received ${c.received}, noDecoder ${c.noDecoder}, unknownMsgid ${c.unknownMsgid}, badCrc ${c.badCrc}, skippedBytes ${c.skippedBytes}; fed ${JSON.stringify(fed)}`,
    );
  }, 120_000);
});

/** The one frame in a buffer. */
function splitOne(bytes: Buffer): Frame {
  let out: Frame | null = null;
  new FrameSplitter().push(bytes, (f) => {
    out = { ...f, raw: Buffer.from(f.raw), payload: Buffer.from(f.payload) };
  });
  if (!out) throw new Error('no frame');
  return out;
}
