import { afterEach, describe, expect, it } from '@jest/globals';
import { common } from 'node-mavlink';
import type { Link } from '../../src/mavlink/link.js';
import { hostNowMs } from '../../src/clock/host.js';
import { Telemetry } from '../../src/vehicle/telemetry.js';
import { ClockSyncError, deadlineFor, estimateClockOffset } from '../../src/vehicle/clock.js';
import { clientLink, ScriptedPeer, until } from './scripted-peer.js';

// Ports 15140–15149.
let peer: ScriptedPeer | null = null;
let link: Link | null = null;
let telemetry: Telemetry | null = null;

afterEach(async () => {
  telemetry?.detach();
  await peer?.close();
  await link?.close();
  peer = null;
  link = null;
  telemetry = null;
});

describe('estimateClockOffset (TIMESYNC)', () => {
  it('finds the vehicle − host offset within its stated uncertainty', async () => {
    link = await clientLink(15141);
    peer = await ScriptedPeer.start({ port: 15140, clientPort: 15141 });
    peer.heartbeat(); // the client learns where the vehicle is
    await new Promise((r) => setTimeout(r, 30));
    const trueOffset = 42_000 - hostNowMs(); // the vehicle booted 42 s ago
    peer.timesyncOffsetMs = trueOffset;
    const r = await estimateClockOffset(link, { samples: 8, intervalMs: 5, targetSysId: 1 });
    expect(r.samples).toBe(8);
    expect(r.sent).toBe(8);
    expect(r.uncertaintyMs).toBeGreaterThan(0);
    expect(r.uncertaintyMs).toBe(r.roundTripMs.min / 2);
    expect(Math.abs(r.offsetMs - trueOffset)).toBeLessThanOrEqual(r.uncertaintyMs + 0.01);
    expect(r.roundTripMs.min).toBeLessThanOrEqual(r.roundTripMs.median);
    // Requests carried tc1 = 0 and our time in ts1 (ns), addressed to the vehicle.
    const reqs = peer.messages(common.TimeSync);
    expect(reqs).toHaveLength(8);
    expect(reqs[0]!.data.tc1).toBe(0n);
    expect(Number(reqs[0]!.data.ts1) / 1e6).toBeGreaterThan(hostNowMs() - 5000);
    expect(reqs[0]!.data.targetSystem).toBe(1);
  });

  it('fails with ClockSyncError when the vehicle never answers', async () => {
    link = await clientLink(15143);
    peer = await ScriptedPeer.start({ port: 15142, clientPort: 15143 });
    peer.heartbeat();
    await new Promise((r) => setTimeout(r, 30));
    const err = await estimateClockOffset(link, { samples: 2, intervalMs: 0, replyTimeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClockSyncError);
    expect((err as Error).message).toBe('estimateClockOffset: no TIMESYNC reply to 2 requests within 100ms (host clock) on client :15143');
  });

  it('rejects bad options with their path', async () => {
    link = await clientLink(15144);
    await expect(estimateClockOffset(link, { samples: 0 })).rejects.toThrow(/estimateClockOffset: samples: /);
  });
});

describe('Deadline', () => {
  it('counts vehicle time from the first vehicle time seen, and host time from creation', async () => {
    link = await clientLink(15146);
    peer = await ScriptedPeer.start({ port: 15145, clientPort: 15146 });
    telemetry = new Telemetry(link, { sysId: 1 });
    const vehicle = deadlineFor(telemetry, { timeout: '2s' });
    expect(vehicle.clock.name).toBe('vehicle');
    expect(vehicle.elapsed()).toBe(0); // no vehicle time yet
    peer.localPosition(5000);
    await until(() => telemetry!.vehicleTimeMs === 5000, 2000, 'first vehicle time');
    expect(vehicle.elapsed()).toBe(0); // starts at the first time seen
    peer.localPosition(7500);
    await until(() => telemetry!.vehicleTimeMs === 7500, 2000, 'second vehicle time');
    expect(vehicle.elapsed()).toBe(2500);
    expect(vehicle.expired()).toBe(true);
    expect(vehicle.describe()).toBe('2s (vehicle clock)');

    const host = deadlineFor(telemetry, { timeout: 50, clock: 'host' });
    expect(host.expired()).toBe(false);
    await new Promise((r) => setTimeout(r, 60));
    expect(host.expired()).toBe(true);
    expect(() => deadlineFor(telemetry!, { timeout: -1 })).toThrow(/deadline: timeout: invalid duration -1/);
  });
});
