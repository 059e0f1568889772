/**
 * Camera and detector model: what is in view, when detections are published, how they are stamped.
 * Instances 48–49 (detections UDP port 19588).
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from '@jest/globals';
import { hostNowMs } from '../../src/clock/host.js';
import type { VehicleState } from '../../sitl/sim/model/types.js';
import { SimCamera } from '../../sitl/sim/world/camera.js';
import { parseDetectionDatagram } from '../../sitl/sim/world/detections-udp.js';
import { CameraOptions, DetectorOptions, type DetectionMessage, type WorldObject } from '../../sitl/sim/world/types.js';
import { SimWorld } from '../../sitl/sim/world.js';
import { toDetectionFrame } from '../../src/vehicle/detections.js';
import { sleep } from './helpers.js';

function poseState(p: { x: number; y: number; z: number }, att: { roll?: number; pitch?: number; yaw?: number } = {}): VehicleState {
  return {
    truth: { position: p, velocity: { x: 0, y: 0, z: 0 } },
    attitude: { roll: att.roll ?? 0, pitch: att.pitch ?? 0, yaw: att.yaw ?? 0, rollRate: 0, pitchRate: 0, yawRate: 0 },
  } as VehicleState;
}

function camera(orientation: 'down' | 'forward', objects: WorldObject[], state: () => VehicleState): SimCamera {
  return new SimCamera({
    sysId: 1,
    camera: CameraOptions.parse({ orientation }),
    detector: DetectorOptions.parse({ detectionProbability: 1 }),
    objects,
    seed: 1,
    state,
  });
}

const obj = (label: string, north: number, east: number, down: number, size = 1): WorldObject => ({ label, position: { north, east, down }, size });

describe('SimCamera geometry', () => {
  it('a downward camera at 10 m sees what is below within its field of view only', () => {
    const objects = [obj('below', 0, 0, 0), obj('edge-in', 4.4, 5.8, 0), obj('outside', 4.7, 0, 0), obj('above', 0, 0, -20)];
    const cam = camera('down', objects, () => poseState({ x: 0, y: 0, z: -10 }));
    // vfov 48.8° → ±4.54 m along track at 10 m; hfov 62.2° → ±6.03 m across.
    expect(cam.inView().map((v) => v.object.label)).toEqual(['below', 'edge-in']);
    const below = cam.inView()[0]!;
    expect(below.camera.z).toBeCloseTo(10);
    expect(below.rangeM).toBeCloseTo(10);
    expect(below.apparentSize).toBeCloseTo(1 / (2 * 10 * Math.tan((62.2 * Math.PI) / 360)), 5);
  });

  it('a forward camera follows the vehicle yaw', () => {
    const objects = [obj('north', 10, 0, 0), obj('east', 0, 10, 0)];
    let yaw = 0;
    const cam = camera('forward', objects, () => poseState({ x: 0, y: 0, z: 0 }, { yaw }));
    expect(cam.inView().map((v) => v.object.label)).toEqual(['north']);
    yaw = Math.PI / 2;
    expect(cam.inView().map((v) => v.object.label)).toEqual(['east']);
    const east = cam.inView()[0]!;
    expect(east.camera.x).toBeCloseTo(0);
    expect(east.camera.z).toBeCloseTo(10);
  });

  it('tilting the vehicle moves the downward view', () => {
    // Nose down (negative pitch) tilts a downward camera's axis aft.
    const objects = [obj('ahead', 10 * Math.tan(Math.PI / 6), 0, 0), obj('behind', -10 * Math.tan(Math.PI / 6), 0, 0)];
    const cam = camera('down', objects, () => poseState({ x: 0, y: 0, z: -10 }, { pitch: -Math.PI / 6 }));
    expect(cam.inView().map((v) => v.object.label)).toEqual(['behind']);
  });
});

describe('simulated detector in a world', () => {
  let world: SimWorld | null = null;
  afterEach(async () => {
    await world?.close();
    world = null;
  });

  it('publishes only when something is in view, stamped at capture, after an Edge-TPU-like latency', async () => {
    world = await SimWorld.start({
      instance: 48, speed: 2, transport: 'memory',
      camera: { orientation: 'forward' },
      detector: { detectionProbability: 1, clock: 'host' },
    });
    const got: { msg: DetectionMessage; receivedMs: number }[] = [];
    world.vehicle(0).onDetections((msg) => got.push({ msg, receivedMs: hostNowMs() }));

    await sleep(300);
    expect(got).toHaveLength(0); // nothing in the world
    world.addObject({ label: 'person', position: { north: -8, east: 0, down: 0 }, size: 1 });
    await sleep(300);
    expect(got).toHaveLength(0); // behind the forward camera
    expect(world.vehicle(0).camera!.stats.frames).toBeGreaterThan(20);

    world.clearObjects();
    world.addObject({ label: 'person', position: { north: 8, east: 0, down: 0 }, size: 1 });
    await sleep(1200);
    world.clearObjects();
    const n = got.length;
    expect(n).toBeGreaterThan(40); // 30 fps × 2 × ~1.2 s, every frame detected
    await sleep(100);
    const settled = got.length;
    await sleep(200);
    expect(got.length).toBe(settled); // nothing more once the object is gone

    const latencies: number[] = [];
    let lastSeq = -1, lastUs = -1;
    for (const { msg, receivedMs } of got) {
      expect(msg.markers).toHaveLength(1);
      expect(msg.markers[0]!.text).toMatch(/^person: 0\.\d\d$/);
      expect(msg.markers[0]!.pose.z).toBeCloseTo(8, 0);
      expect(msg.header.frameId).toBe('drone49/camera');
      const stampMs = msg.header.stamp.sec * 1000 + msg.header.stamp.nanosec / 1e6;
      expect(Math.abs(stampMs - msg.captureHostMs)).toBeLessThan(0.001);
      // Published no earlier than the sampled latency after capture, and not much later.
      expect(msg.inferenceMs).toBeGreaterThanOrEqual(12);
      expect(msg.inferenceMs).toBeLessThanOrEqual(15);
      expect(msg.publishHostMs - msg.captureHostMs).toBeGreaterThanOrEqual(msg.inferenceMs - 0.01);
      expect(receivedMs - msg.captureHostMs).toBeLessThan(msg.inferenceMs + 25);
      latencies.push(msg.inferenceMs);
      expect(msg.frameSeq).toBeGreaterThan(lastSeq);
      expect(msg.captureVehicleUs).toBeGreaterThan(lastUs);
      if (lastUs >= 0) expect((msg.captureVehicleUs - lastUs) % 4000).toBe(0);
      lastSeq = msg.frameSeq;
      lastUs = msg.captureVehicleUs;
    }
    const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
    expect(mean).toBeGreaterThan(13);
    expect(mean).toBeLessThan(14);
    expect(Math.max(...latencies) - Math.min(...latencies)).toBeGreaterThan(0.5); // a distribution, not a constant
  });

  it('on the vehicle clock (the default) publishes its modelled latency after capture at any speed, however long the host stalls', async () => {
    world = await SimWorld.start({
      instance: 340, speed: 'max', transport: 'memory',
      camera: { orientation: 'forward' },
      objects: [{ label: 'person', position: { north: 8, east: 0, down: 0 } }],
      detector: { detectionProbability: 1 },
    });
    const got: DetectionMessage[] = [];
    world.vehicle(0).onDetections((m) => got.push(m));
    await sleep(150);
    // The host stalls (this thread runs the simulator too): vehicle time stops, the model's latency does not stretch.
    const until = performance.now() + 120;
    while (performance.now() < until) { /* a stalled host */ }
    await sleep(150);
    expect(got.length).toBeGreaterThan(30);
    for (const m of got) {
      expect(m.detectorClock).toBe('vehicle');
      const latencyMs = (m.publishVehicleUs - m.captureVehicleUs) / 1000;
      // Published at the first 4 ms step at or after capture + the sampled 12–15 ms.
      expect(latencyMs).toBeGreaterThanOrEqual(m.inferenceMs);
      expect(latencyMs).toBeLessThan(m.inferenceMs + 4);
      const frame = toDetectionFrame(m, hostNowMs());
      expect(frame).toMatchObject({ clock: 'vehicle', latencyMs });
    }
    // 30 fps of vehicle time, no frame dropped: the serial detector keeps up on its own clock.
    expect(world.vehicle(0).camera!.stats.dropped).toBe(0);
  });

  it('under speed-up runs one inference at a time and drops the frames it cannot keep up with', async () => {
    world = await SimWorld.start({
      instance: 48, speed: 10, transport: 'memory',
      camera: { orientation: 'forward' },
      objects: [{ label: 'person', position: { north: 8, east: 0, down: 0 } }],
      detector: { detectionProbability: 1, clock: 'host' },
    });
    const got: DetectionMessage[] = [];
    world.vehicle(0).onDetections((m) => got.push(m));
    await sleep(600);
    const stats = world.vehicle(0).camera!.stats;
    // ~300 frames per host second arrive; a 12–15 ms inference handles ~75 of them.
    expect(stats.dropped).toBeGreaterThan(got.length);
    expect(got.length).toBeGreaterThan(20);
    expect(got.length).toBeLessThan(600 / 12 + 2);
    for (let i = 1; i < got.length; i++) {
      expect(got[i]!.frameSeq).toBeGreaterThan(got[i - 1]!.frameSeq);
      // Inference is sequential: each result needs its own inference time after the previous one.
      expect(got[i]!.publishHostMs - got[i - 1]!.publishHostMs).toBeGreaterThanOrEqual(got[i]!.inferenceMs - 0.01);
    }
  });

  it('repeats the same detections and latencies for the same seed', async () => {
    const run = async () => {
      const w = await SimWorld.start({
        instance: 48, speed: 'max', transport: 'memory', seed: 7,
        camera: { orientation: 'forward' },
        objects: [{ label: 'car', position: { north: 30, east: 2, down: 0 }, size: 0.6 }],
        detector: { latency: { kind: 'uniform', minMs: 1, maxMs: 3 }, pipeline: 'parallel' },
      });
      w.pause();
      const out: string[] = [];
      w.vehicle(0).onDetections((m) => out.push(`${m.frameSeq} ${m.markers[0]!.text} ${m.inferenceMs.toFixed(3)}`));
      await w.stepFor(3000);
      await sleep(50);
      await w.close();
      // Inference ends in host time: with independent frames the publication order may vary.
      return out.sort((x, y) => Number(x.split(' ')[0]) - Number(y.split(' ')[0]));
    };
    const a = await run();
    const b = await run();
    expect(a.length).toBeGreaterThan(10);
    expect(a.length).toBeLessThan(90); // a small, far object is missed on some frames
    expect(b).toEqual(a);
  });

  it('publishes detections as JSON datagrams to 127.0.0.1:19540+instance when asked', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(19589, '127.0.0.1', () => r()));
    try {
      const first = new Promise<DetectionMessage>((resolve) => sock.once('message', (buf) => resolve(parseDetectionDatagram(buf))));
      world = await SimWorld.start({
        instance: 49, speed: 2, transport: 'memory', detectionsUdp: true,
        camera: { orientation: 'forward' },
        objects: [{ label: 'person', position: { north: 6, east: 0, down: 0 } }],
        detector: { detectionProbability: 1 },
      });
      expect(world.vehicle(0).ports.detections).toBe(19589);
      const msg = await first;
      expect(msg.sysId).toBe(50);
      expect(msg.markers[0]!.text).toMatch(/^person: /);
    } finally {
      await new Promise<void>((r) => sock.close(() => r()));
    }
  });
});
