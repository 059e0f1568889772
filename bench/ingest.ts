/**
 * Ingest throughput: how many PX4 messages a second our Link decodes (with a telemetry consumer
 * attached) against node-mavlink's own splitter → parser → protocol.data pipeline on the same bytes.
 *
 *   npm run bench -- ingest [frames]
 *
 * Prints human-readable lines, then one JSON object as the last line.
 */
import { pathToFileURL } from 'node:url';
import { MavLinkPacketParser, MavLinkPacketSplitter } from 'node-mavlink';
import type { MavLinkPacket } from 'node-mavlink';
import { Link } from '../src/mavlink/link.js';
import { REGISTRY } from '../src/mavlink/registry.js';
import { MemoryTransport } from '../src/mavlink/transports/memory.js';
import { attachTelemetryConsumer } from './lib/consumer.js';
import { px4Stream } from './lib/px4-stream.js';

export const TARGET_MSG_PER_SEC = 100_000;
export const TARGET_RATIO = 0.7;

export interface IngestResult {
  bench: 'ingest';
  rawMsgPerSec: number;
  linkMsgPerSec: number;
  ratio: number;
  frames: number;
  datagrams: number;
  bytes: number;
  repetitions: number;
  consumer: string;
  pass: boolean;
}

/** node-mavlink as its README uses it: splitter → parser streams, then protocol.data per packet. */
async function runRaw(datagrams: readonly Buffer[]): Promise<{ ms: number; decoded: number }> {
  const splitter = new MavLinkPacketSplitter();
  const parser = new MavLinkPacketParser();
  let decoded = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    splitter.pipe(parser);
    parser.on('data', (packet: MavLinkPacket) => {
      const clazz = REGISTRY[packet.header.msgid];
      if (clazz && packet.protocol.data(packet.payload, clazz)) decoded++;
    });
    parser.on('end', resolve);
    parser.on('error', reject);
    for (const d of datagrams) splitter.write(d);
    splitter.end();
  });
  return { ms: performance.now() - t0, decoded };
}

/** Our path: Link.ingest per datagram, as the UDP transport delivers them, into a telemetry consumer. */
function runLink(datagrams: readonly Buffer[]): { ms: number; decoded: number; consumer: string } {
  const [end] = MemoryTransport.pair('bench');
  const link = new Link(end, { gcsHeartbeat: false, heartbeatTimeoutMs: 0, name: 'bench' });
  const consumer = attachTelemetryConsumer(link);
  const t0 = performance.now();
  for (const d of datagrams) link.ingest(d);
  const ms = performance.now() - t0;
  consumer.check();
  consumer.detach();
  return { ms, decoded: link.counters.received, consumer: consumer.kind };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function measureIngest(opts: { frames?: number; repetitions?: number; seed?: number; log?: (line: string) => void } = {}): Promise<IngestResult> {
  const frames = opts.frames ?? 300_000;
  const repetitions = opts.repetitions ?? 5;
  const log = opts.log ?? (() => {});
  const stream = px4Stream({ frames, seed: opts.seed ?? 7 });
  log(`stream: ${frames} frames, ${stream.datagrams.length} datagrams, ${(stream.bytes / 1e6).toFixed(1)} MB, ${(stream.durationMs / 1000).toFixed(0)} s of PX4 onboard-mode telemetry`);

  // One untimed round each so both paths run optimised code, then interleaved timed rounds
  // (alternating which goes first) so drift in machine load hits both alike.
  await runRaw(stream.datagrams);
  runLink(stream.datagrams);
  const raw: number[] = [];
  const ours: number[] = [];
  let consumer = '';
  for (let i = 0; i < repetitions; i++) {
    const order = i % 2 === 0 ? (['raw', 'link'] as const) : (['link', 'raw'] as const);
    for (const which of order) {
      if (which === 'raw') {
        const r = await runRaw(stream.datagrams);
        if (r.decoded !== frames) throw new Error(`node-mavlink decoded ${r.decoded} of ${frames} frames`);
        raw.push((r.decoded / r.ms) * 1000);
      } else {
        const r = runLink(stream.datagrams);
        if (r.decoded !== frames) throw new Error(`Link decoded ${r.decoded} of ${frames} frames`);
        ours.push((r.decoded / r.ms) * 1000);
        consumer = r.consumer;
      }
    }
    log(`round ${i + 1}/${repetitions}: node-mavlink ${fmt(raw.at(-1)!)} msg/s, Link ${fmt(ours.at(-1)!)} msg/s`);
  }
  const rawMsgPerSec = Math.round(median(raw));
  const linkMsgPerSec = Math.round(median(ours));
  const ratio = Number((linkMsgPerSec / rawMsgPerSec).toFixed(3));
  return {
    bench: 'ingest',
    rawMsgPerSec,
    linkMsgPerSec,
    ratio,
    frames,
    datagrams: stream.datagrams.length,
    bytes: stream.bytes,
    repetitions,
    consumer,
    pass: linkMsgPerSec >= TARGET_MSG_PER_SEC && ratio >= TARGET_RATIO,
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const frames = process.argv[2] ? Number(process.argv[2]) : undefined;
  if (frames !== undefined && !(Number.isInteger(frames) && frames > 0)) {
    console.error(`ingest: frames must be a positive integer, got "${process.argv[2]}"`);
    process.exit(2);
  }
  const r = await measureIngest({ frames, log: (l) => console.log(l) });
  console.log(`node-mavlink split+parse+decode: ${fmt(r.rawMsgPerSec)} msg/s (median of ${r.repetitions})`);
  console.log(`Link.ingest + ${r.consumer}:  ${fmt(r.linkMsgPerSec)} msg/s (median of ${r.repetitions})`);
  console.log(`ratio ${r.ratio} (target ≥ ${TARGET_RATIO}), Link rate target ≥ ${fmt(TARGET_MSG_PER_SEC)} msg/s: ${r.pass ? 'PASS' : 'FAIL'}`);
  console.log(JSON.stringify(r));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  });
}
