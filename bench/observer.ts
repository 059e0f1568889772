/**
 * The observer's own overhead on loopback: how much later than a bare UDP socket the framework
 * has a datagram decoded and in telemetry (a MAVLink ATTITUDE through Link + Telemetry) or in
 * detections (a detection datagram through DetectionUdpSubscriber + toDetectionFrame), measured
 * in the same run, one datagram in flight at a time, the paths interleaved.
 *
 *   npm run bench -- observer [--samples 2000]
 *
 * Latency = the receiving callback's host time − the host time just before `send`. Target: each
 * framework path's p99 at most 1 ms above the bare socket's. Human lines, then one JSON object.
 * Ports 16100–16103.
 */
import dgram from 'node:dgram';
import { common } from 'node-mavlink';
import { hostNowMs } from '../src/clock/host.js';
import { summarize, type Stats } from '../src/budgets/percentile.js';
import { connect } from '../src/mavlink/index.js';
import { FrameEncoder } from '../src/mavlink/codec.js';
import { Telemetry } from '../src/vehicle/telemetry.js';
import { toDetectionFrame } from '../src/vehicle/detections.js';
import { DetectionUdpSubscriber } from '../sitl/containers/detections.js';

const TARGET_OVERHEAD_P99_MS = 1;
const i = process.argv.indexOf('--samples');
const samples = i >= 0 ? Number(process.argv[i + 1]) : 2000;
if (!Number.isInteger(samples) || samples < 100) {
  console.error(`observer: --samples expects an integer ≥ 100, got "${process.argv[i + 1] ?? ''}"`);
  process.exit(2);
}
const [BARE, MAV, DET] = [16100, 16101, 16102];

const sender = dgram.createSocket('udp4');
await new Promise<void>((r) => sender.bind(16103, '127.0.0.1', () => r()));
const bare = dgram.createSocket('udp4');
await new Promise<void>((r) => bare.bind(BARE, '127.0.0.1', () => r()));
const link = await connect(`udp://127.0.0.1:${MAV}`, { targetSysId: 1, heartbeatTimeoutMs: 0 });
const telemetry = new Telemetry(link, { sysId: 1 });
const detections = await new DetectionUdpSubscriber(DET).open();

const encoder = new FrameEncoder({ sysId: 1, compId: 1 });
function attitude(n: number): Buffer {
  const m = new common.Attitude();
  m.timeBootMs = n;
  m.roll = 0.01;
  m.pitch = 0.02;
  m.yaw = 0.03;
  return encoder.encode(m);
}
function detection(n: number, stampMs: number): Buffer {
  const sec = Math.floor(stampMs / 1000);
  return Buffer.from(JSON.stringify({ header: { stamp: { sec, nanosec: Math.round((stampMs - sec * 1000) * 1e6) }, frameId: 'bench' }, markers: [{ id: 0, text: 'person: 0.90' }], frameSeq: n }));
}

let waiting: ((receivedMs: number) => void) | null = null;
const arrived = (ms: number) => waiting?.(ms);
bare.on('message', () => arrived(hostNowMs()));
telemetry.onUpdate(() => arrived(hostNowMs()));
detections.onDetections((m) => arrived(toDetectionFrame(m, hostNowMs()).receivedMs));

/** One datagram to `port`, timed from just before the send to its arrival on that path. */
function once(port: number, payload: (sentMs: number) => Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`observer: nothing arrived on port ${port} within 2 s`)), 2000);
    const sentMs = hostNowMs();
    waiting = (receivedMs) => {
      clearTimeout(timer);
      waiting = null;
      resolve(receivedMs - sentMs);
    };
    sender.send(payload(sentMs), port, '127.0.0.1');
  });
}

const lat = { bare: [] as number[], telemetry: [] as number[], detections: [] as number[] };
for (let n = 0; n < 200; n++) await once(MAV, () => attitude(n)); // warm-up (JIT, first-message paths)
for (let n = 0; n < samples; n++) {
  lat.bare.push(await once(BARE, () => attitude(n)));
  lat.telemetry.push(await once(MAV, () => attitude(1000 + n)));
  lat.bare.push(await once(BARE, (t) => detection(n, t)));
  lat.detections.push(await once(DET, (t) => detection(n, t)));
}
sender.close();
bare.close();
await detections.close();
telemetry.detach();
await link.close();

const fmt = (s: Stats) => `p50 ${s.p50.toFixed(3)} ms, p99 ${s.p99.toFixed(3)} ms, max ${s.max.toFixed(3)} ms`;
const st = { bare: summarize(lat.bare), telemetry: summarize(lat.telemetry), detections: summarize(lat.detections) };
const over = { telemetry: st.telemetry.p99 - st.bare.p99, detections: st.detections.p99 - st.bare.p99 };
console.log(`loopback datagram → callback, ${samples} of each, interleaved:`);
console.log(`  bare UDP socket:                    ${fmt(st.bare)}`);
console.log(`  Link + Telemetry (ATTITUDE):        ${fmt(st.telemetry)}  → overhead p99 ${over.telemetry.toFixed(3)} ms`);
console.log(`  DetectionUdpSubscriber + frame:     ${fmt(st.detections)}  → overhead p99 ${over.detections.toFixed(3)} ms`);
const r3 = (x: number) => Number(x.toFixed(3));
const stats = (s: Stats) => ({ p50: r3(s.p50), p99: r3(s.p99), max: r3(s.max) });
console.log(JSON.stringify({
  bench: 'observer',
  samples,
  latencyMs: { bare: stats(st.bare), telemetry: stats(st.telemetry), detections: stats(st.detections) },
  overheadP99Ms: { telemetry: r3(over.telemetry), detections: r3(over.detections) },
  pass: {
    [`telemetry p99 − bare UDP p99 ≤ ${TARGET_OVERHEAD_P99_MS} ms`]: over.telemetry <= TARGET_OVERHEAD_P99_MS,
    [`detections p99 − bare UDP p99 ≤ ${TARGET_OVERHEAD_P99_MS} ms`]: over.detections <= TARGET_OVERHEAD_P99_MS,
  },
}));
