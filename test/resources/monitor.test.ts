import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { processSource, ResourceMonitor, type ResourceSample, type ResourceSource } from '../../src/resources/index.js';
import { REPO } from '../hil/helpers.js';
import { startChild, type Child } from './children.js';

const children: Child[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) await c.kill();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Samples `sources` for `ms` of host time at 250 ms. */
async function sampleFor(sources: ResourceSource[], ms: number) {
  const samples: ResourceSample[] = [];
  const gone: string[] = [];
  const m = new ResourceMonitor(sources, { intervalMs: 250, onSample: (s) => samples.push(s), onGone: (s, why) => gone.push(`${s.component}: ${why}`) }).start();
  await sleep(ms);
  await m.stop();
  return { samples, gone, monitor: m };
}

describe('ResourceMonitor', () => {
  it('turns cumulative CPU into CPU %: a busy loop near one core, a sleeping process near none', async () => {
    const busy = await startChild('busy');
    const idle = await startChild('idle');
    children.push(busy, idle);
    const { samples, gone } = await sampleFor([processSource(busy.pid, 'busy', 0), processSource(idle.pid, 'idle', 1)], 2600);
    expect(gone).toEqual([]);
    const of = (c: string) => samples.filter((s) => s.component === c);
    // The first reading of a source is its baseline: no rate yet.
    expect(of('busy')[0]!.cpuPercent).toBeNull();
    const rate = (c: string) => {
      const r = of(c).flatMap((s) => (s.cpuPercent === null ? [] : [s.cpuPercent]));
      return r.reduce((a, b) => a + b, 0) / r.length;
    };
    expect(of('busy').length).toBeGreaterThanOrEqual(8);
    // 100 = one core; on a loaded 2-core machine the loop gets less, but far more than an idle process.
    expect(rate('busy')).toBeGreaterThan(20);
    expect(rate('busy')).toBeLessThan(130);
    // …and what it got is what it says it used over the same host time (its process.cpuUsage()).
    const rated = of('busy').filter((s) => s.cpuPercent !== null);
    const from = of('busy')[0]!.hostTimeMs;
    const to = rated.at(-1)!.hostTimeMs;
    const monitored = rated.reduce((sum, s, i) => sum + s.cpuPercent! * (s.hostTimeMs - (i === 0 ? from : rated[i - 1]!.hostTimeMs)), 0) / (to - from);
    const reports = busy.output().split('\n').flatMap((l) => (l.startsWith('cpu ') ? [l.split(' ').slice(1).map(Number) as [number, number]] : []));
    const at = (t: number) => reports.reduce((best, r) => (Math.abs(r[0] - t) < Math.abs(best[0] - t) ? r : best));
    const [[t0, u0], [t1, u1]] = [at(from), at(to)];
    const own = ((u1 - u0) / 1000 / (t1 - t0)) * 100;
    expect(Math.abs(monitored - own)).toBeLessThan(10);
    expect(rate('idle')).toBeLessThan(5);
    expect(of('idle').every((s) => s.vehicle === 1 && s.memoryMiB > 10 && s.memoryLimitMiB === null)).toBe(true);
    // Host-clock stamps, in order.
    const t = of('busy').map((s) => s.hostTimeMs);
    expect(t).toEqual([...t].sort((a, b) => a - b));
    expect(Math.abs(t.at(-1)! - Date.now())).toBeLessThan(3000);
  }, 20_000);

  it('reports a source that is gone or fails once, drops it, and goes on with the others', async () => {
    const idle = await startChild('idle');
    const doomed = await startChild('idle');
    children.push(idle, doomed);
    const failing: ResourceSource = { component: 'broken', vehicle: 0, detail: 'test', read: () => Promise.reject(new Error('EACCES')) };
    let reads = 0;
    const counted: ResourceSource = { component: 'counted', vehicle: 0, detail: 'test', read: () => (reads++, Promise.resolve(null)) };
    const samples: ResourceSample[] = [];
    const gone: string[] = [];
    const m = new ResourceMonitor([processSource(idle.pid, 'alive'), processSource(doomed.pid, 'doomed'), failing, counted], {
      intervalMs: 100,
      onSample: (s) => samples.push(s),
      onGone: (s, why) => gone.push(`${s.component}: ${why}`),
    }).start();
    await sleep(350);
    await doomed.kill();
    await sleep(500);
    await m.stop();
    expect(gone.sort()).toEqual([
      'broken: read failed: EACCES',
      'counted: gone (test)',
      expect.stringMatching(/^doomed: gone \(pid \d+\)$/),
    ]);
    expect(reads).toBe(1);
    expect(m.sources.map((s) => s.component)).toEqual(['alive']);
    expect(samples.filter((s) => s.component === 'alive').length).toBeGreaterThanOrEqual(4);
    // Nothing after stop().
    const n = samples.length;
    await sleep(300);
    expect(samples.length).toBe(n);
  }, 20_000);

  it('counts the host time its rounds take (what sampling costs the process it runs in)', async () => {
    // A source whose read blocks the event loop for 20 ms, as a slow /proc scan would.
    const slow: ResourceSource = {
      component: 'slow', vehicle: 0, detail: 'stand-in',
      read: async () => {
        const until = performance.now() + 20;
        while (performance.now() < until);
        return { cpuSeconds: 0, memoryBytes: 0, memoryLimitBytes: null };
      },
    };
    const { samples, monitor } = await sampleFor([slow], 1100);
    // One round at start and one per 250 ms: each took at least its 20 ms.
    expect(monitor.busyMs).toBeGreaterThanOrEqual(20 * samples.length);
    expect(monitor.busyMs).toBeLessThan(1100);
  });

  it('survives a consumer that throws', async () => {
    const idle = await startChild('idle');
    children.push(idle);
    let calls = 0;
    const m = new ResourceMonitor([processSource(idle.pid, 'x')], { intervalMs: 100, onSample: () => (calls++, assertNever()) }).start();
    await sleep(450);
    await m.stop();
    expect(calls).toBeGreaterThanOrEqual(3);
  });

  it('never keeps the process alive: a script that starts a monitor and forgets it still exits', () => {
    const script = `import { processSource, ResourceMonitor } from './src/resources/index.ts';
new ResourceMonitor([processSource(process.pid, 'self')], { onSample: () => {} }).start();`;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: path.resolve(REPO), encoding: 'utf8', timeout: 15_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
  }, 20_000);
});

function assertNever(): never {
  throw new Error('consumer failed');
}
