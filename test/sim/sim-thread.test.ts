/**
 * The sim target's simulator thread: kept loaded from one stack to the next, and slowed to real
 * time between tests. Instances 96–97.
 */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { simTarget } from '../../src/targets/sim.js';
import type { SimThread } from '../../src/targets/sim-thread.js';
import type { Stack } from '../../src/targets/target.js';
import { waitFor } from '../../src/vehicle/index.js';
import { sleep } from './helpers.js';

const up = (instance: number, vehicles = 1): Promise<Stack> =>
  simTarget.up({
    vehicles, speed: 'max', seed: 1, instance, params: {}, heartbeatTimeoutMs: 5000,
    artifactsDir: path.join(os.tmpdir(), 'flightcheck-sim-thread'), world: { camera: false },
  });
const threadOf = (s: Stack) => (s as unknown as { sim: SimThread }).sim;

/** Vehicle time per host time over `ms`, as the client sees it. */
async function rate(s: Stack, ms: number): Promise<number> {
  const t = s.vehicles[0]!.telemetry;
  const v0 = t.vehicleTimeMs!;
  const h0 = performance.now();
  await sleep(ms);
  return (t.vehicleTimeMs! - v0) / (performance.now() - h0);
}

describe('the simulator thread', () => {
  it('goes back to the pool when its stack goes down, and the next stack flies on it', async () => {
    const first = await up(96);
    const id = threadOf(first).threadId;
    await first.down();
    const second = await up(96, 2);
    try {
      expect(threadOf(second).threadId).toBe(id);
      const [a, b] = second.vehicles;
      await a!.pilot.arm();
      await a!.pilot.takeoff();
      await waitFor(a!.telemetry, (t) => (t.altitude ?? 0) > 2, { timeout: '20s', clock: 'vehicle', what: 'climb on the reused thread' });
      expect(b!.telemetry.armed).toBe(false);
    } finally {
      await second.down();
    }
    // Two stacks at once cannot share one thread.
    const [x, y] = await Promise.all([up(96), up(97)]);
    try {
      expect(threadOf(x).threadId).not.toBe(threadOf(y).threadId);
    } finally {
      await x.down();
      await y.down();
    }
  }, 30_000);

  it('runs at real time while idle (between tests) and at its speed again from the next reset', async () => {
    const s = await up(96);
    try {
      const v = s.vehicles[0]!;
      expect(await rate(s, 300)).toBeGreaterThan(5);
      s.idle!();
      await sleep(100);
      const idle = await rate(s, 600);
      expect(idle).toBeGreaterThan(0.6);
      expect(idle).toBeLessThan(1.5);
      await s.reset(v);
      expect(await rate(s, 300)).toBeGreaterThan(5);
    } finally {
      await s.down();
    }
  }, 30_000);
});
