/**
 * The sim target's simulator thread: kept loaded from one stack to the next, and slowed to real
 * time between tests. Instances 96–97.
 */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { simTarget } from '../../sitl/sim/target.js';
import type { SimThread } from '../../sitl/sim/thread.js';
import type { Stack, UpOptions } from '../../src/targets/target.js';
import { waitFor } from '../../src/vehicle/index.js';
import { sleep, vehicleRate } from './helpers.js';

const up = (instance: number, vehicles = 1, more: Partial<UpOptions> = {}): Promise<Stack> =>
  simTarget.up({
    vehicles, speed: 'max', seed: 1, instance, params: {}, heartbeatTimeoutMs: 5000,
    artifactsDir: path.join(os.tmpdir(), 'flightcheck-sim-thread'), world: { camera: false }, ...more,
  });
const threadOf = (s: Stack) => (s as unknown as { sim: SimThread }).sim;

const rate = (s: Stack, ms: number) => vehicleRate(s.vehicles[0]!.telemetry, ms);

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
      // How far ahead of real time 'max' gets depends on the CPU this loaded host leaves it (4× at
      // load 15, 50× idle): judged against the paced rate measured in the same run, not a constant.
      const fast = await rate(s, 300);
      s.idle!();
      await sleep(100);
      const idle = await rate(s, 600);
      expect(idle).toBeGreaterThan(0.6);
      expect(idle).toBeLessThan(1.5);
      expect(fast).toBeGreaterThan(2 * idle);
      await s.reset(v);
      expect(await rate(s, 300)).toBeGreaterThan(2 * idle);
    } finally {
      await s.down();
    }
  }, 30_000);

  it("applies link faults on the vehicle's clock: a 40 ms link is 40 ms of vehicle time at any speed", async () => {
    const s = await up(96, 1, { linkFaults: { up: { latency: '40ms' }, down: { latency: '40ms' } } });
    try {
      const v = s.vehicles[0]!;
      expect(v.link.name).not.toMatch(/faults/); // the client's own transport is clean
      const acks: { host: number; vehicle: number }[] = [];
      const off = v.pilot.onCommandAck((a) => acks.push({ host: a.latencyMs, vehicle: a.vehicleLatencyMs! }));
      for (let i = 0; i < 3; i++) {
        await v.pilot.arm();
        await v.pilot.disarm();
      }
      off();
      expect(acks).toHaveLength(6);
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
      // Up and down, 40 ms each, as the vehicle's clock counts them…
      for (const a of acks) expect(a.vehicle).toBeGreaterThanOrEqual(80);
      // …and far less on the host's at 'max' (host-clock delays alone would be 80 ms).
      expect(median(acks.map((a) => a.host))).toBeLessThan(median(acks.map((a) => a.vehicle)) / 2);
    } finally {
      await s.down();
    }
  }, 30_000);

  it('rejects bad link faults naming the field', async () => {
    await expect(up(97, 1, { linkFaults: { down: { loss: 2 } } })).rejects.toThrow(/linkFaults: invalid link faults: down\.loss: must be a probability between 0 and 1/);
  });
});
