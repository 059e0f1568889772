import { describe, expect, it } from '@jest/globals';
import { hostNowMs } from '../../src/clock/host.js';
import { VehicleClockRate } from '../../src/vehicle/clock-rate.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Telemetry whose vehicle clock runs at `speed` × the host's, reported every 5 ms. */
function fakeTelemetry(speed: number) {
  const listeners = new Set<() => void>();
  const t = {
    vehicleTimeMs: null as number | null,
    speed,
    onUpdate(cb: () => void) {
      listeners.add(cb);
      return () => void listeners.delete(cb);
    },
  };
  let last = hostNowMs();
  const timer = setInterval(() => {
    const now = hostNowMs();
    t.vehicleTimeMs = (t.vehicleTimeMs ?? 1000) + (now - last) * t.speed;
    last = now;
    for (const cb of listeners) cb();
  }, 5);
  return { t, stop: () => clearInterval(timer) };
}

describe('VehicleClockRate', () => {
  it('measures how fast the vehicle clock runs, and follows a change of speed', async () => {
    const { t, stop } = fakeTelemetry(6);
    const rate = new VehicleClockRate(t);
    try {
      expect(rate.rate).toBe(1); // nothing measured yet: the host's
      // A first estimate comes soon after telemetry starts: a test's first commands follow it.
      await sleep(250);
      expect(rate.rate).toBeGreaterThan(4);
      await sleep(1000);
      expect(rate.rate).toBeGreaterThan(4.5);
      expect(rate.rate).toBeLessThan(7.5);
      t.speed = 1;
      await sleep(1200);
      expect(rate.rate).toBeGreaterThan(0.7);
      expect(rate.rate).toBeLessThan(1.3);
    } finally {
      rate.close();
      stop();
    }
  });

  it('waits delays of vehicle time out at that rate; a clock that steps back starts over', async () => {
    const { t, stop } = fakeTelemetry(10);
    const rate = new VehicleClockRate(t);
    try {
      await sleep(700);
      const t0 = hostNowMs();
      await new Promise<void>((resolve) => rate.delays.after(500, resolve)); // 500 ms of vehicle time at 10×
      const waited = hostNowMs() - t0;
      expect(waited).toBeGreaterThanOrEqual(30);
      expect(waited).toBeLessThan(250);
      expect(rate.delays.name).toBe('vehicle');
      const before = rate.rate;
      t.vehicleTimeMs = 0; // the vehicle rebooted
      await sleep(20);
      expect(rate.rate).toBe(before); // no rate from a step back
    } finally {
      rate.close();
      stop();
    }
  });

  /**
   * Telemetry replayed on a clock of the test's own: PX4 at speed 2 sends a frame every 5 ms of
   * host time; the test process stalls for `stallMs` (nothing read), then reads what waited in
   * its socket in one burst (0.01 ms apart), then reads on as frames come.
   */
  function replayStall(opts: { maxRate?: number; stallMs: number }) {
    let host = 0;
    let vehicleTimeMs: number | null = null;
    const listeners = new Set<() => void>();
    const t = { get vehicleTimeMs() { return vehicleTimeMs; }, onUpdate(cb: () => void) { listeners.add(cb); return () => void listeners.delete(cb); } };
    const rate = new VehicleClockRate(t, { now: () => host, ...(opts.maxRate !== undefined ? { maxRate: opts.maxRate } : {}) });
    const seen: number[] = [];
    const frame = (hostMs: number, sentAtHostMs: number) => {
      host = hostMs;
      vehicleTimeMs = 10_000 + sentAtHostMs * 2;
      for (const cb of listeners) cb();
      seen.push(rate.rate);
    };
    for (let h = 0; h < 2000; h += 5) frame(h, h);
    const stallEnd = 2000 + opts.stallMs;
    let h = stallEnd;
    for (let sent = 2000; sent < stallEnd; sent += 5, h += 0.01) frame(h, sent);
    for (let sent = stallEnd; sent < stallEnd + 3000; sent += 5) frame(sent, sent);
    rate.close();
    return seen.slice(100); // after the first window
  }

  it('reads neither a stall of the test process nor the burst after it as a change of speed', () => {
    const seen = replayStall({ maxRate: 2, stallMs: 4000 });
    expect(Math.max(...seen)).toBeLessThanOrEqual(2);
    expect(Math.min(...seen)).toBeGreaterThan(1.8);
  });

  it('without a ceiling, still drops the window that spans the stall', () => {
    const seen = replayStall({ stallMs: 4000 });
    expect(Math.min(...seen)).toBeGreaterThan(1.8);
  });
});
