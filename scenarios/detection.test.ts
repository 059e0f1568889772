import { describe, expect, it } from '@jest/globals';
import { useFlight, waitFor } from '../fixtures/index.js';
import { vehicleNow } from '../fixtures/analysis.js';
import { reachPosition, takeOff } from '../fixtures/maneuvers.js';
import { hostNowMs } from '../src/clock/host.js';
import { toDetectionFrame, type DetectionFrame, type DetectionSource, type Vehicle } from '../src/vehicle/index.js';

/**
 * Detection timing, as DroneOS's detector publishes it: frame capture → MarkerArray received.
 * A real detector's latency is receive time − header.stamp on the host clock; a simulated one's
 * is the simulator's own (capture → publication in vehicle time, from its stamps), so the budget
 * is declared on the 'system' clock and each frame says which it is. A person stands 0 m north of home;
 * the downward camera sees it from above (at 2.5 m its footprint reaches about 1.1 m from the
 * vehicle), and nothing once the vehicle has flown 10 m away.
 */
const MIN_DETECTIONS = 60;

/**
 * A real detector's latency is measured on the host clock: at 'max' the test process is saturated
 * by design and every delivery would queue behind telemetry. At 10× the host has room, as on a
 * real rig, so the collection runs no faster than that; the flying around it at the file's speed.
 */
const MEASURE_SPEED = 10;

const flight = useFlight({
  // A target without a detection source (PX4 SITL has no camera) skips this file, saying so.
  needs: { detections: true },
  world: { objects: [{ label: 'person', position: { north: 0, east: 0, down: 0 }, size: 0.6 }] },
  budgets: {
    detection_latency: {
      metric: 'detection_latency', clock: 'system', unit: 'ms', limits: { p50: '25ms', p95: '50ms', p99: '80ms', jitter: '15ms' }, marginal: 0.15, minSamples: MIN_DETECTIONS,
      description: 'frame capture → detections: received − header.stamp on the host (a real detector), capture → publication in vehicle time (the simulated one, Edge TPU 12–15 ms); jitter (p95 − p50) as DroneOS\'s K3s benchmarks judge a detector\'s steadiness',
    },
    detection_rate: {
      metric: 'detection_rate', clock: 'vehicle', unit: 'Hz', limits: { min: { atLeast: 20 } },
      description: 'frames with a detection per second of vehicle time while the object is in view (camera 30 fps)',
    },
  },
});

function detectionsOf(v: Vehicle): DetectionSource {
  const source = v.detections as DetectionSource | undefined;
  // The target said it provides detections (needs above): a vehicle without a source is its bug.
  if (!source) throw new Error(`${v.name}: the ${flight.stack.target} target claims detections but gave this vehicle no detection source`);
  return source;
}

/** Collects frames until `until(frames)` resolves. */
async function collect(source: DetectionSource, until: (frames: DetectionFrame[]) => Promise<unknown>): Promise<DetectionFrame[]> {
  const frames: DetectionFrame[] = [];
  const off = source.onDetections((msg) => frames.push(toDetectionFrame(msg, hostNowMs())));
  try {
    await until(frames);
  } finally {
    off();
  }
  return frames;
}

const hasPerson = (f: DetectionFrame) => f.detections.some((d) => d.label === 'person');

describe('detection timing', () => {
  it('detects the person in view within the latency budget', async () => {
    const v = flight.vehicle();
    const source = detectionsOf(v);
    await takeOff(flight, v);
    const from = vehicleNow(v.telemetry);
    const frames = await flight.noFasterThan(MEASURE_SPEED, () =>
      flight.phase(`collect ${MIN_DETECTIONS} detections`, () =>
        collect(source, (got) =>
          waitFor(v.telemetry, () => got.filter(hasPerson).length >= MIN_DETECTIONS, { timeout: '10s', clock: 'vehicle', what: `${MIN_DETECTIONS} frames with the person detected` }),
        ),
      ),
    );
    const seconds = (vehicleNow(v.telemetry) - from) / 1000;
    const withPerson = frames.filter(hasPerson);
    for (const f of withPerson) flight.measure('detection_latency', f.latencyMs, { clock: f.clock, hostTimeMs: f.receivedMs });
    flight.measure('detection_rate', withPerson.length / seconds);
    for (const f of withPerson) for (const d of f.detections) expect(d.score).toBeGreaterThan(0);
  });

  it('publishes nothing when nothing is in view', async () => {
    const v = flight.vehicle();
    const source = detectionsOf(v);
    await takeOff(flight, v);
    await flight.phase('fly 10 m away', async () => {
      await v.pilot.startOffboard({ type: 'position', north: 0, east: 0, down: -2.5 });
      v.pilot.setSetpoint({ type: 'position', north: 10, east: 0, down: -2.5 });
      await reachPosition(v, 10, 0, -2.5);
    });
    const from = vehicleNow(v.telemetry);
    const frames = await flight.phase('watch for 3 s', () =>
      collect(source, () => waitFor(v.telemetry, (t) => (t.vehicleTimeMs ?? 0) - from >= 3000, { timeout: '5s', clock: 'vehicle', what: '3 s of vehicle time' })),
    );
    expect(frames).toEqual([]);
  });
});
