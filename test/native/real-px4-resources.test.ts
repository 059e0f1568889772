import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { createNativeTarget, px4Preset, type NativeStack } from '../../sitl/native/index.js';
import { ResourceMonitor, type ResourceSample } from '../../src/resources/index.js';
import { tmpDir } from '../hil/helpers.js';
import { px4ForTests } from './px4-for-tests.js';
import { describeUnless } from '../support/skip.js';

/**
 * What a real PX4 SITL (SIH) uses, read as the fixture reads it: the native stack's resources()
 * and its start timeline. PX4 instance 195 only (one stack at a time), clear of the other tests.
 */
const px4 = px4ForTests();
const describePx4 = describeUnless(px4.ok ? null : px4.reason);
const dir = tmpDir('real-px4-resources');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const INSTANCE = 195;

async function measure(speed: number, ms: number) {
  const stack = (await createNativeTarget({ preset: px4Preset({ px4Dir: px4.ok ? px4.dir : '' }) }).up({
    vehicles: 1,
    speed,
    seed: 1,
    instance: INSTANCE,
    params: {},
    artifactsDir: path.join(dir, `speed-${speed}`),
    heartbeatTimeoutMs: 3000,
  })) as NativeStack;
  const samples: ResourceSample[] = [];
  const gone: string[] = [];
  try {
    const sources = stack.resources();
    const monitor = new ResourceMonitor(sources, { onSample: (s) => samples.push(s), onGone: (s, why) => gone.push(`${s.component}: ${why}`) }).start();
    await new Promise((r) => setTimeout(r, ms));
    await monitor.stop();
    const cpu = samples.flatMap((s) => (s.cpuPercent === null ? [] : [s.cpuPercent]));
    const mean = cpu.reduce((a, b) => a + b, 0) / cpu.length;
    const memory = Math.max(...samples.map((s) => s.memoryMiB));
    // For the record: what PX4 SIH costs on this host, idle on the ground.
    console.log(`PX4 SIH speed ${speed}: CPU mean ${mean.toFixed(1)} % (min ${Math.min(...cpu).toFixed(1)}, max ${Math.max(...cpu).toFixed(1)}), RSS max ${memory.toFixed(1)} MiB, ${samples.length} samples; timeline ${JSON.stringify(stack.startTimeline().map((s) => [s.stage, Math.round(s.readyHostMs - s.startedHostMs)]))}`);
    return { stack, sources, samples, gone, mean, memory };
  } finally {
    await stack.down();
  }
}

describePx4('resources of a real PX4 SITL on the native target', () => {
  it('reports the PX4 process: plausible memory, CPU in use, and the start as it happened', async () => {
    const r = await measure(1, 4000);
    expect(r.sources.map((s) => [s.component, s.vehicle])).toEqual([['px4', 0]]);
    expect(r.gone).toEqual([]);
    // PX4 SIH holds a few tens of MiB; far more would be a leak, far less not PX4.
    expect(r.memory).toBeGreaterThan(5);
    expect(r.memory).toBeLessThan(500);
    expect(r.samples.every((s) => s.memoryLimitMiB === null)).toBe(true);
    // Its loops run at real time: some CPU, never none, at most both cores.
    expect(r.mean).toBeGreaterThan(0.5);
    expect(r.mean).toBeLessThan(200);
    const timeline = r.stack.startTimeline();
    expect(timeline.map((s) => [s.stage, s.vehicle])).toEqual([['px4', 0], ['px4 armable', 0]]);
    for (const s of timeline) expect(s.readyHostMs).toBeGreaterThanOrEqual(s.startedHostMs);
    expect(timeline[0]!.readyHostMs - timeline[0]!.startedHostMs).toBeLessThan(60_000);
    expect(timeline[0]!.detail).toMatch(/HEARTBEAT/);
    // PX4 first answers, then becomes armable.
    expect(timeline[1]!.startedHostMs).toBeGreaterThanOrEqual(timeline[0]!.readyHostMs);
    // Once the stack is down, its process reads as gone.
    expect(await r.sources[0]!.read()).toBeNull();
  }, 120_000);

  it('reports it at speed 4 too: the same memory, CPU in use', async () => {
    const r = await measure(4, 4000);
    expect(r.gone).toEqual([]);
    expect(r.memory).toBeGreaterThan(5);
    expect(r.memory).toBeLessThan(500);
    expect(r.mean).toBeGreaterThan(2);
    expect(r.mean).toBeLessThan(200);
  }, 120_000);
});
