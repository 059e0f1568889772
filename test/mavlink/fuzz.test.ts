import { createCipheriv } from 'node:crypto';
import { Link } from '../../src/mavlink/link.js';
import { MemoryTransport } from '../../src/mavlink/transports/memory.js';
import { seededRandom } from '../../src/mavlink/random.js';
import { px4Stream } from '../../bench/lib/px4-stream.js';

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
