import { afterEach, describe, expect, it } from '@jest/globals';
import type { Link } from '../../src/mavlink/link.js';
import { LinkLost } from '../../src/mavlink/errors.js';
import { Telemetry } from '../../src/vehicle/telemetry.js';
import { reachAndHold, waitFor, WaitTimeout } from '../../src/vehicle/wait.js';
import { clientLink, ScriptedPeer, until } from './scripted-peer.js';

// Ports 15110–15119.
let peer: ScriptedPeer | null = null;
let link: Link | null = null;
let telemetry: Telemetry | null = null;

async function setup(peerPort: number, clientPort: number, heartbeatTimeoutMs = 0): Promise<{ peer: ScriptedPeer; t: Telemetry }> {
  link = await clientLink(clientPort, { heartbeatTimeoutMs });
  peer = await ScriptedPeer.start({ port: peerPort, clientPort });
  telemetry = new Telemetry(link, { sysId: 1 });
  return { peer, t: telemetry };
}

afterEach(async () => {
  telemetry?.detach();
  await peer?.close();
  await link?.close();
  peer = null;
  link = null;
  telemetry = null;
});

describe('waitFor', () => {
  it('counts the timeout in the named clock: a 10× vehicle clock times out 10× sooner in host time', async () => {
    const { peer, t } = await setup(15110, 15111);
    peer.runClock(10);
    await until(() => t.vehicleTimeMs !== null, 2000, 'vehicle time');

    const v0 = performance.now();
    const vehicleErr = await waitFor(t, () => false, { timeout: '1s', clock: 'vehicle', what: 'never' }).catch((e: unknown) => e);
    const vehicleHost = performance.now() - v0;
    const h0 = performance.now();
    const hostErr = await waitFor(t, () => false, { timeout: '1s', clock: 'host', what: 'never' }).catch((e: unknown) => e);
    const hostHost = performance.now() - h0;

    expect(vehicleErr).toBeInstanceOf(WaitTimeout);
    expect((vehicleErr as WaitTimeout).message).toBe('never not reached within 1s (vehicle clock)');
    expect((vehicleErr as WaitTimeout).elapsed.vehicleMs).toBeGreaterThanOrEqual(1000);
    expect((hostErr as WaitTimeout).message).toBe('never not reached within 1s (host clock)');
    expect(hostHost).toBeGreaterThanOrEqual(990);
    expect(vehicleHost).toBeLessThan(400); // ~100 ms at 10×
    expect(hostHost / vehicleHost).toBeGreaterThan(4);
  });

  it('resolves when the predicate holds, with the time taken in both clocks', async () => {
    const { peer, t } = await setup(15112, 15113);
    peer.runClock(4);
    await until(() => t.vehicleTimeMs !== null, 2000, 'vehicle time');
    const start = t.vehicleTimeMs!;
    const took = await waitFor(t, (x) => x.vehicleTimeMs! >= start + 800, { timeout: '5s', what: 'vehicle time +800 ms' });
    expect(took.vehicleMs).toBeGreaterThanOrEqual(800);
    expect(took.vehicleMs).toBeLessThan(1000);
    expect(took.hostMs).toBeGreaterThan(150); // 800 ms of vehicle time at 4× is ~200 ms of host time
    expect(took.hostMs).toBeLessThan(600);
    // The state that met the condition, kept: the live telemetry has moved on since.
    expect(took.snapshot.vehicleTimeMs).toBeGreaterThanOrEqual(start + 800);
    expect(took.snapshot.vehicleTimeMs).toBeLessThan(start + 1000);
    await until(() => t.vehicleTimeMs! > took.snapshot.vehicleTimeMs! + 100, 2000, 'vehicle time moving on');
    expect(took.snapshot.vehicleTimeMs).toBeLessThan(start + 1000);
    // Already true: resolves at once.
    const now = await waitFor(t, () => true, { timeout: '1s' });
    expect(now.hostMs).toBeLessThan(200);
  });

  it('rejects a pending wait with the link\'s LinkLost when the vehicle goes silent', async () => {
    const { peer, t } = await setup(15114, 15115, 300);
    peer.startHeartbeats(50);
    peer.runClock(1);
    await until(() => link!.lastHeartbeatAt !== null, 2000, 'heartbeat seen');
    const pending = waitFor(t, () => false, { timeout: '30s', what: 'never' });
    const t0 = performance.now();
    // Silent means nothing at all: its telemetry alone would keep the link alive.
    peer.stopHeartbeats();
    peer.stopClock();
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LinkLost);
    expect(performance.now() - t0).toBeLessThan(1500);
    // A wait started after the loss fails at once with the same error.
    await expect(waitFor(t, () => true, { timeout: '1s' })).rejects.toBe(err);
  });

  it('gives up on a stalled vehicle clock after the host cap, saying so', async () => {
    const { peer, t } = await setup(15116, 15117);
    peer.localPosition(1000); // one vehicle time, then silence
    await until(() => t.vehicleTimeMs === 1000, 2000, 'vehicle time');
    const err = (await waitFor(t, () => false, { timeout: '5s', what: 'altitude 10 m', hostCap: '200ms', describe: (x) => `altitude ${x.altitude} m` }).catch((e: unknown) => e)) as WaitTimeout;
    expect(err).toBeInstanceOf(WaitTimeout);
    expect(err.message).toMatch(/^altitude 10 m not reached within 5s \(vehicle clock\) — vehicle clock advanced only 0ms in \d+ms of host time \(host cap 200ms\): altitude 0 m$/);
  });

  it('rejects bad options with the option named', async () => {
    const t = { vehicleTimeMs: 0 } as unknown as Telemetry;
    await expect(waitFor(t, () => true, { timeout: 'soon' })).rejects.toThrow(/waitFor: timeout: invalid duration "soon"/);
    await expect(waitFor(t, () => true, { timeout: '1s', clock: 'wall' as never })).rejects.toThrow(/waitFor: clock: /);
  });
});

describe('reachAndHold', () => {
  it('succeeds once the value has stayed in the band for the hold time (vehicle clock)', async () => {
    const { peer, t } = await setup(15118, 15119);
    peer.position.z = -1;
    peer.runClock(10);
    await until(() => t.vehicleTimeMs !== null, 2000, 'vehicle time');
    // Climb after 0.5 s of vehicle time: the hold must start then.
    const start = t.vehicleTimeMs!;
    const climb = setInterval(() => {
      if (peer!.bootMs > start + 500) peer!.position.z = -2.5;
    }, 2);
    try {
      const r = await reachAndHold(t, (x) => x.altitude, { target: 2.5, tolerance: 0.3 }, '1s', { timeout: '10s', what: 'altitude', unit: 'm' });
      expect(r.value).toBeCloseTo(2.5, 5);
      expect(r.reached.vehicleMs!).toBeGreaterThanOrEqual(500);
      expect(r.reached.vehicleMs!).toBeLessThan(1500);
      expect(r.elapsed.vehicleMs! - r.reached.vehicleMs!).toBeGreaterThanOrEqual(1000);
      expect(r.elapsed.vehicleMs! - r.reached.vehicleMs!).toBeLessThan(1600);
    } finally {
      clearInterval(climb);
    }
  });

  it('restarts the hold when the value leaves the band, and times out with the closest approach and longest hold', async () => {
    // Reuse ports: each test closes its sockets.
    const { peer, t } = await setup(15118, 15119);
    peer.position.z = -2.5;
    peer.runClock(10);
    await until(() => t.vehicleTimeMs !== null, 2000, 'vehicle time');
    const start = t.vehicleTimeMs!;
    // In the band for 600 ms of every 1000 ms of vehicle time, out (1.92 m) for the rest.
    const wobble = setInterval(() => {
      const phase = (peer!.bootMs - start) % 1000;
      peer!.position.z = phase < 600 ? -2.5 : -1.92;
    }, 2);
    try {
      const err = (await reachAndHold(t, (x) => x.altitude, { target: 2.5, tolerance: 0.3 }, '1s', { timeout: '3s', what: 'altitude', unit: 'm' }).catch((e: unknown) => e)) as WaitTimeout;
      expect(err).toBeInstanceOf(WaitTimeout);
      const m = /^altitude did not reach and hold 2\.5±0\.3 m for 1s within 3s \(vehicle clock\): last (\S+) m, closest 2\.5 m, longest hold (\d\.\d)s$/.exec(err.message);
      expect(m).not.toBeNull();
      const longest = Number(m![2]);
      expect(longest).toBeGreaterThanOrEqual(0.4);
      expect(longest).toBeLessThan(1.0); // every hold was cut short by leaving the band
      expect(err.elapsed.vehicleMs!).toBeGreaterThanOrEqual(3000);
    } finally {
      clearInterval(wobble);
    }
  });

  it('reports last and closest values when the band is never reached (host clock)', async () => {
    const { peer, t } = await setup(15118, 15119);
    peer.position.z = -1.5;
    peer.runClock(1);
    // Rises to 2.11 m (short of the band), then sinks back to 1.92 m and stays.
    const profile = [1.5, 1.8, 2.0, 2.11, 2.05, 1.92];
    let i = 0;
    const rise = setInterval(() => {
      peer!.position.z = -profile[Math.min(i++, profile.length - 1)]!;
    }, 20);
    try {
      const err = (await reachAndHold(t, (x) => x.altitude, { min: 2.2, max: 2.8 }, '3s', { timeout: '400ms', clock: 'host', what: 'altitude', unit: 'm' }).catch((e: unknown) => e)) as WaitTimeout;
      expect(err.message).toBe('altitude did not reach and hold [2.2, 2.8] m for 3s within 400ms (host clock): last 1.92 m, closest 2.11 m, longest hold 0.0s');
    } finally {
      clearInterval(rise);
    }
  });

  it('rejects a bad band with its path', async () => {
    const t = { vehicleTimeMs: 0 } as unknown as Telemetry;
    await expect(reachAndHold(t, () => 0, { min: 3, max: 1 }, '1s', { timeout: '1s' })).rejects.toThrow(/reachAndHold: band: .*min/);
    await expect(reachAndHold(t, () => 0, { target: 1, tolerance: 0.1 }, 'long', { timeout: '1s' })).rejects.toThrow(/reachAndHold: holdFor: .*invalid duration "long"/);
  });
});
