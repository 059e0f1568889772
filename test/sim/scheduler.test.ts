import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from '@jest/globals';
import { hostNowMs } from '../../src/clock/host.js';
import { SimScheduler, type Steppable } from '../../sitl/sim/runtime/scheduler.js';
import { Rng } from '../../sitl/sim/runtime/rng.js';
import { ClientClock } from '../../sitl/sim/runtime/client-clock.js';
import { sleep } from './helpers.js';

class Counter implements Steppable {
  steps = 0;
  slices = 0;
  lastTimeUs = 0;
  step(): void {
    this.steps++;
  }
  afterStep(timeUs: number): void {
    this.lastTimeUs = timeUs;
  }
  endSlice(): void {
    this.slices++;
  }
}

const open: SimScheduler[] = [];
function scheduler(speed: number | 'max'): SimScheduler {
  const s = new SimScheduler({ speed });
  open.push(s);
  return s;
}
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

/** Vehicle seconds per host second over `ms` of host time. */
async function measure(s: SimScheduler, ms: number): Promise<number> {
  const t0 = s.timeUs;
  const h0 = hostNowMs();
  await sleep(ms);
  return (s.timeUs - t0) / 1000 / (hostNowMs() - h0);
}

describe('SimScheduler', () => {
  it('advances vehicle time only by whole 4 ms steps', async () => {
    const s = scheduler(1);
    const c = new Counter();
    s.add(c);
    await s.stepFor(100);
    expect(s.timeUs).toBe(100_000);
    expect(c.steps).toBe(25);
    expect(c.lastTimeUs).toBe(100_000);
    await s.stepFor(5); // rounds up to two steps
    expect(s.timeUs).toBe(108_000);
  });

  it('runs at about real time at speed 1 and about 10× at speed 10', async () => {
    const s1 = scheduler(1);
    s1.add(new Counter());
    s1.start();
    const f1 = await measure(s1, 400);
    s1.close();
    const s10 = scheduler(10);
    s10.add(new Counter());
    s10.start();
    const f10 = await measure(s10, 400);
    // Loose below (a loaded CI host may not keep up), tight above (never faster than asked).
    expect(f1).toBeGreaterThan(0.7);
    expect(f1).toBeLessThan(1.15);
    expect(f10).toBeGreaterThan(5);
    expect(f10).toBeLessThan(11.5);
  });

  it("runs faster than 10× at 'max' and still lets host timers fire between slices", async () => {
    const s = scheduler('max');
    const c = new Counter();
    s.add(c);
    s.start();
    let ticks = 0;
    const iv = setInterval(() => ticks++, 10);
    const f = await measure(s, 300);
    clearInterval(iv);
    expect(f).toBeGreaterThan(10);
    expect(ticks).toBeGreaterThanOrEqual(5);
    // Slices of ~20 ms vehicle time: one endSlice per five steps.
    expect(c.steps / c.slices).toBeCloseTo(5, 0);
  });

  it('pause stops vehicle time, resume continues it, close stops everything', async () => {
    const s = scheduler(20);
    s.add(new Counter());
    s.start();
    await sleep(50);
    s.pause();
    const t = s.timeUs;
    expect(t).toBeGreaterThan(0);
    await sleep(50);
    expect(s.timeUs).toBe(t);
    s.resume();
    await sleep(50);
    expect(s.timeUs).toBeGreaterThan(t);
    s.close();
    const t2 = s.timeUs;
    await sleep(30);
    expect(s.timeUs).toBe(t2);
  });

  it('fires vehicle-time timers at their vehicle-time period regardless of speed', async () => {
    const s = scheduler(1);
    const at: number[] = [];
    const cancel = s.every(50, () => at.push(s.timeUs));
    let once = -1;
    s.after(130, () => (once = s.timeUs));
    await s.stepFor(400);
    cancel();
    await s.stepFor(200);
    expect(at).toEqual([52_000, 100_000, 152_000, 200_000, 252_000, 300_000, 352_000, 400_000]);
    expect(once).toBe(132_000);
  });

  it("lockstep: at 'max' vehicle time follows the client's gate and never passes it", async () => {
    const s = scheduler('max');
    let seenUs = 0;
    s.setGate(() => seenUs + 100_000);
    s.start();
    await sleep(50);
    expect(s.timeUs).toBe(100_000);
    for (let i = 0; i < 20; i++) {
      seenUs = s.timeUs; // the client saw everything so far
      await sleep(5);
      expect(s.timeUs).toBeLessThanOrEqual(seenUs + 100_000);
    }
    expect(s.timeUs).toBeGreaterThan(1_000_000);
  });

  it('lockstep: a client that never catches up holds time only briefly, then it runs at real time', async () => {
    const s = scheduler('max');
    s.setGate(() => 100_000);
    s.start();
    await sleep(120);
    expect(s.timeUs).toBe(100_000); // held at the gate
    await sleep(300); // past the stall limit: vehicle time goes on, at real time and not faster
    const rate = await measure(s, 400);
    expect(rate).toBeGreaterThan(0.7);
    expect(rate).toBeLessThan(1.5);
  });

  it('lockstep with a signal: a held scheduler steps on when the signal fires, without polling', async () => {
    const s = scheduler('max');
    let seenUs = 0;
    const waiting: (() => void)[] = [];
    // A signal that never times out: only a move of the gate can wake the scheduler.
    s.setGate(() => seenUs + 100_000, { wait: (_timeoutMs, cb) => void waiting.push(cb) });
    s.start();
    await sleep(30);
    expect(s.timeUs).toBe(100_000);
    expect(waiting.length).toBe(1); // held, and waiting on the signal rather than on a timer
    await sleep(20);
    expect(s.timeUs).toBe(100_000);
    expect(waiting.length).toBe(1);
    seenUs = 100_000;
    waiting.shift()!();
    // The wake-up steps at once, up to the new limit, before any timer could have fired.
    expect(s.timeUs).toBeGreaterThan(100_000);
    await sleep(20);
    expect(s.timeUs).toBe(200_000);
    expect(waiting.length).toBe(1);
  });

  it('ClientClock: a held simulator sleeps until the client has seen wakeAfterMs more, or the timeout', async () => {
    const clock = new ClientClock(undefined, 50, 1000);
    // The client, on a thread of its own (the simulator's side blocks this one).
    const client = new Worker(new URL('./fixtures/client-clock-peer.mjs', import.meta.url), { workerData: { buffer: clock.buffer } });
    try {
      await new Promise((resolve) => client.once('message', resolve));
      client.postMessage('go'); // it sees 30 ms after 60 ms (not enough), then 60 ms after 120 ms
      const t0 = hostNowMs();
      await new Promise<void>((resolve) => clock.wait(5000, resolve));
      const blocked = hostNowMs() - t0;
      expect(blocked).toBeGreaterThanOrEqual(100);
      expect(blocked).toBeLessThan(1000); // woken, not timed out
      expect(clock.seenMs).toBe(60);
      // Nothing more seen: the wait ends at its timeout.
      const t1 = hostNowMs();
      await new Promise<void>((resolve) => clock.wait(40, resolve));
      expect(hostNowMs() - t1).toBeGreaterThanOrEqual(35);
    } finally {
      await client.terminate();
    }
  });

  it('until() resolves once vehicle time is reached', async () => {
    const s = scheduler('max');
    s.start();
    await s.until(2_000_000);
    expect(s.timeUs).toBeGreaterThanOrEqual(2_000_000);
  });

  it('rejects a bad speed with the option named', () => {
    expect(() => new SimScheduler({ speed: 0 })).toThrow(/speed: must be a positive number or 'max'/);
    expect(() => new SimScheduler({ speed: -3 })).toThrow(/speed/);
  });
});

describe('Rng', () => {
  it('repeats for a seed, differs across seeds, and forks independently of use', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const sa = [a.next(), a.next(), a.normal()];
    expect([b.next(), b.next(), b.normal()]).toEqual(sa);
    expect(c.next()).not.toBe(sa[0]);
    const fresh = new Rng(42).fork('x').next();
    const used = new Rng(42);
    used.next();
    expect(used.fork('x').next()).toBe(fresh);
  });

  it('draws normals with the requested mean and spread', () => {
    const r = new Rng(7);
    const xs = Array.from({ length: 20000 }, () => r.normal(13.5, 1));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(13.5, 1);
    expect(sd).toBeGreaterThan(0.95);
    expect(sd).toBeLessThan(1.05);
  });
});
