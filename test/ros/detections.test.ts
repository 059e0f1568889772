/**
 * The detector's topic: MarkerArray parsing ("label: score", header stamp = capture time) and
 * latency = receive time − stamp on matched clocks, through the in-memory rclnodejs stand-in.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { hostNowMs } from '../../src/clock/host.js';
import { MARKER_ARRAY_TYPE } from '../../src/ros/drone-core-interface.js';
import { parseMarkerArray, RosDetectionSource, type RosDetectionMessage } from '../../src/ros/detections.js';
import { RosSession } from '../../src/ros/session.js';
import { msToStamp, stampToMs, type DetectionFrame } from '../../src/vehicle/detections.js';
import { StandInRosGraph } from './rclnodejs-stand-in.js';

const TEXT = 9;
const CUBE = 1;
const marker = (stamp: { sec: number; nanosec: number }, text: string, extra: Record<string, unknown> = {}) => ({
  header: { stamp, frame_id: 'camera' }, ns: 'detections', id: 0, type: TEXT, action: 0, text, ...extra,
});

describe('parseMarkerArray', () => {
  it('one frame per capture stamp, in stamp order, with each marker’s text', () => {
    const a = { sec: 100, nanosec: 500_000_000 };
    const b = { sec: 100, nanosec: 533_000_000 };
    const { frames, ignored } = parseMarkerArray({
      markers: [marker(b, 'car: 0.5', { id: 3 }), marker(a, 'person: 0.87', { id: 1 }), marker(a, 'dog: 0.61', { id: 2 })],
    });
    expect(ignored).toBe(0);
    expect(frames.map((f) => f.sourceStamp)).toEqual([a, b]);
    expect(frames[0]!.markers).toEqual([{ id: 1, text: 'person: 0.87' }, { id: 2, text: 'dog: 0.61' }]);
    expect(frames[0]!.header.frameId).toBe('camera');
    expect(frames[1]!.markers).toEqual([{ id: 3, text: 'car: 0.5' }]);
  });

  it('ignores deletions and other marker shapes', () => {
    const s = { sec: 5, nanosec: 0 };
    const { frames, ignored } = parseMarkerArray({ markers: [marker(s, 'person: 0.9'), marker(s, '', { action: 3 }), marker(s, 'box', { type: CUBE })] });
    expect(ignored).toBe(2);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.markers).toHaveLength(1);
  });

  it('an empty MarkerArray is no frame', () => {
    expect(parseMarkerArray({ markers: [] }).frames).toEqual([]);
  });

  it('applies the clock offset to the stamp (detector clock → this host), keeping the source stamp', () => {
    const s = { sec: 200, nanosec: 900_000_000 };
    const f = parseMarkerArray({ markers: [marker(s, 'person: 0.9')] }, 250.5).frames[0]!;
    expect(f.sourceStamp).toEqual(s);
    expect(stampToMs(f.header.stamp)).toBeCloseTo(201_150.5, 6);
    expect(f.header.stamp).toEqual({ sec: 201, nanosec: 150_500_000 });
  });

  it('a malformed message names the field', () => {
    expect(() => parseMarkerArray({ markers: [{ header: { stamp: { sec: 1 } }, type: TEXT }] })).toThrow(/MarkerArray: markers\.0\.header\.stamp\.nanosec:/);
    expect(() => parseMarkerArray({})).toThrow(/MarkerArray: markers:/);
  });
});

describe('RosDetectionSource (stand-in graph)', () => {
  let graph: StandInRosGraph;
  let session: RosSession | null = null;
  afterEach(async () => {
    await session?.close();
    session = null;
    graph?.close();
  });

  async function open(domainId = 0): Promise<RosSession> {
    graph = new StandInRosGraph();
    session = await RosSession.open({ api: graph.factory(), domainId, nodeName: 'detections_test' });
    return session;
  }

  const next = <T>(subscribe: (cb: (x: T) => void) => () => void) =>
    new Promise<T>((resolve) => {
      const off = subscribe((x) => {
        off();
        resolve(x);
      });
    });

  it('subscribes to /<drone>/detected_objects, best effort (the detector streams)', async () => {
    const s = await open();
    const src = new RosDetectionSource(s, 'drone2');
    expect(src.topic).toBe('/drone2/detected_objects');
    expect(graph.subscriptionsOn('/drone2/detected_objects')).toEqual([{ type: MARKER_ARRAY_TYPE, qos: { reliability: 'best_effort', depth: 10 }, domainId: 0 }]);
    src.close();
    expect(graph.subscriptionsOn('/drone2/detected_objects')).toEqual([]);
  });

  it('latency = receive time − capture stamp on one host', async () => {
    const s = await open();
    const src = new RosDetectionSource(s, 'drone1');
    const frame = next<DetectionFrame & { uncertaintyMs: number }>((cb) => src.onFrame(cb));
    // A frame captured 40 ms ago, published now.
    const capturedAt = hostNowMs() - 40;
    const before = hostNowMs();
    expect(graph.publish(0, '/drone1/detected_objects', MARKER_ARRAY_TYPE, { markers: [marker(msToStamp(capturedAt), 'person: 0.87'), marker(msToStamp(capturedAt), 'car: 0.42')] }, 'best_effort')).toBe(1);
    const f = await frame;
    const after = hostNowMs();
    expect(f.captureMs).toBeCloseTo(capturedAt, 3);
    expect(f.latencyMs).toBeCloseTo(f.receivedMs - capturedAt, 6);
    expect(f.latencyMs).toBeGreaterThanOrEqual(before - capturedAt - 0.001);
    expect(f.latencyMs).toBeLessThanOrEqual(after - capturedAt + 0.001);
    expect(f.detections).toEqual([{ label: 'person', score: 0.87 }, { label: 'car', score: 0.42 }]);
    expect(f.uncertaintyMs).toBe(0);
    src.close();
  });

  it('across hosts: the measured offset moves the stamp onto this host’s clock, and its uncertainty is reported', async () => {
    const s = await open();
    // The rig's clock runs 1500 ms behind this host: its stamps need +1500 ms.
    const src = new RosDetectionSource(s, 'drone1', { clockOffsetMs: 1500, clockUncertaintyMs: 3 });
    const got = next<RosDetectionMessage>((cb) => src.onDetections(cb));
    const frame = next<DetectionFrame & { uncertaintyMs: number }>((cb) => src.onFrame(cb));
    const rigStamp = hostNowMs() - 1500 - 25;
    graph.publish(0, '/drone1/detected_objects', MARKER_ARRAY_TYPE, { markers: [marker(msToStamp(rigStamp), 'person: 0.9')] }, 'best_effort');
    const [msg, f] = await Promise.all([got, frame]);
    expect(msg.clockOffsetMs).toBe(1500);
    expect(stampToMs(msg.sourceStamp)).toBeCloseTo(rigStamp, 3);
    expect(f.captureMs).toBeCloseTo(rigStamp + 1500, 3);
    // Without the offset the latency would read ~1.5 s.
    expect(f.latencyMs).toBeGreaterThanOrEqual(25 - 0.01);
    expect(f.latencyMs).toBeLessThan(1000);
    expect(f.uncertaintyMs).toBe(3);
    src.close();
  });

  it('counts malformed messages and keeps going; other domains are not heard', async () => {
    const s = await open(7);
    const src = new RosDetectionSource(s, 'drone1');
    const got = next<RosDetectionMessage>((cb) => src.onDetections(cb));
    graph.publish(7, '/drone1/detected_objects', MARKER_ARRAY_TYPE, { markers: 'nope' }, 'best_effort');
    expect(graph.publish(0, '/drone1/detected_objects', MARKER_ARRAY_TYPE, { markers: [marker({ sec: 1, nanosec: 0 }, 'cat: 0.3')] }, 'best_effort')).toBe(0);
    graph.publish(7, '/drone1/detected_objects', MARKER_ARRAY_TYPE, { markers: [marker({ sec: 2, nanosec: 0 }, 'dog: 0.7')] }, 'best_effort');
    const msg = await got;
    expect(msg.markers).toEqual([{ id: 0, text: 'dog: 0.7' }]);
    expect(src.malformed).toBe(1);
    expect(src.lastError).toMatch(/MarkerArray: markers:/);
    expect(src.received).toBe(1);
    src.close();
  });

  it('rejects a non-finite clock offset', async () => {
    const s = await open();
    expect(() => new RosDetectionSource(s, 'drone1', { clockOffsetMs: NaN })).toThrow(/clockOffsetMs: must be a finite number/);
  });
});
