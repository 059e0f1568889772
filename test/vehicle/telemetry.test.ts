import { afterEach, describe, expect, it } from '@jest/globals';
import { common } from 'node-mavlink';
import type { Link } from '../../src/mavlink/link.js';
import { hostNowMs } from '../../src/clock/host.js';
import { Telemetry, type AnySeries } from '../../src/vehicle/telemetry.js';
import { Series } from '../../src/vehicle/series.js';
import {
  decodePx4CustomMode,
  px4CustomMode,
  px4ModeByName,
  px4ModeName,
  PX4_MODE_NAMES,
  Px4MainMode,
  Px4AutoSubMode,
} from '../../src/vehicle/px4-modes.js';
import { clientLink, ScriptedPeer, until } from './scripted-peer.js';

// Ports 15100–15109.
let peer: ScriptedPeer | null = null;
let link: Link | null = null;
let telemetry: Telemetry | null = null;

async function setup(peerPort: number, clientPort: number): Promise<{ peer: ScriptedPeer; link: Link; t: Telemetry }> {
  link = await clientLink(clientPort);
  peer = await ScriptedPeer.start({ port: peerPort, clientPort });
  telemetry = new Telemetry(link, { sysId: 1 });
  return { peer, link, t: telemetry };
}

afterEach(async () => {
  telemetry?.detach();
  await peer?.close();
  await link?.close();
  peer = null;
  link = null;
  telemetry = null;
});

describe('px4 modes', () => {
  it('encodes and decodes custom_mode bits 16–23 (main) and 24–31 (sub)', () => {
    const cm = px4CustomMode(Px4MainMode.AUTO, Px4AutoSubMode.LOITER);
    expect(cm).toBe(0x03040000);
    expect(decodePx4CustomMode(cm)).toEqual({ main: 4, sub: 3 });
    // sub ≥ 128 must stay unsigned
    expect(px4CustomMode(6, 200)).toBe(0xc8060000);
    expect(decodePx4CustomMode(0xc8060000)).toEqual({ main: 6, sub: 200 });
  });

  it('names modes as QGroundControl does and round-trips every name', () => {
    expect(px4ModeName(4, 3)).toBe('Hold');
    expect(px4ModeName(4, 2)).toBe('Takeoff');
    expect(px4ModeName(4, 5)).toBe('Return');
    expect(px4ModeName(4, 6)).toBe('Land');
    expect(px4ModeName(6, 0)).toBe('Offboard');
    expect(px4ModeName(3, 0)).toBe('Position');
    expect(px4ModeName(4, 77)).toBe('Unknown(4.77)');
    for (const name of PX4_MODE_NAMES) {
      const { main, sub } = px4ModeByName(name);
      expect(px4ModeName(main, sub)).toBe(name);
    }
    expect(() => px4ModeByName('Loiter')).toThrow(/unknown PX4 mode "Loiter": expected one of .*"Hold"/);
  });
});

describe('Series', () => {
  it('grows past its initial capacity and keeps every column', () => {
    const s = new Series({ name: 'x', columns: { a: 'f32', b: 'f64' } }, 4);
    for (let i = 0; i < 1000; i++) {
      const r = s.beginRow(i * 10, 1e12 + i);
      s.set(0, r, i / 2);
      s.set(1, r, 47.123456789 + i);
    }
    const c = s.columns();
    expect(c.length).toBe(1000);
    expect(c.vehicleMs[999]).toBe(9990);
    expect(c.hostMs[999]).toBe(1e12 + 999);
    expect(c.a[501]).toBe(250.5);
    expect(c.b[7]).toBeCloseTo(54.123456789, 9); // f64 keeps lat/lon precision
    expect(s.row(3)).toEqual({ vehicleMs: 30, hostMs: 1e12 + 3, a: 1.5, b: 50.123456789 });
    expect(() => s.get('nope', 0)).toThrow(/no column "nope"/);
  });
});

describe('Telemetry over UDP from a scripted peer', () => {
  it('decodes state with both clocks and records series', async () => {
    const { peer, t } = await setup(15100, 15101);
    const samples: string[] = [];
    t.onSample((s: AnySeries, row) => samples.push(`${s.name}@${s.get('vehicleMs', row)}`));
    const before = hostNowMs();

    peer.armed = true;
    peer.mainMode = Px4MainMode.OFFBOARD;
    peer.subMode = 0;
    peer.heartbeat();
    peer.position = { x: 1.5, y: -2, z: -3.25, vx: 0.5, vy: 0, vz: -1 };
    peer.localPosition(12_345);
    const att = new common.Attitude();
    Object.assign(att, { timeBootMs: 12_400, roll: 0.1, pitch: -0.2, yaw: 1.5, rollspeed: 0, pitchspeed: 0, yawspeed: 0.3 });
    peer.send(att);
    const gp = new common.GlobalPositionInt();
    Object.assign(gp, { timeBootMs: 12_380, lat: 473977420, lon: 85455940, alt: 491250, relativeAlt: 3250, vx: 50, vy: -20, vz: 100, hdg: 9000 });
    peer.send(gp);
    const ess = new common.ExtendedSysState();
    ess.landedState = common.MavLandedState.IN_AIR;
    ess.vtolState = 0;
    peer.send(ess);
    const bs = new common.BatteryStatus();
    Object.assign(bs, { id: 0, voltages: [4100, 4100, 4100, 4100, 65535, 65535, 65535, 65535, 65535, 65535], currentBattery: 1250, batteryRemaining: 87, currentConsumed: 0, energyConsumed: 0, temperature: 0, timeRemaining: 0 });
    peer.send(bs);
    const home = new common.HomePosition();
    Object.assign(home, { latitude: 473977420, longitude: 85455940, altitude: 488000, x: 0, y: 0, z: 0, q: [1, 0, 0, 0], approachX: 0, approachY: 0, approachZ: 0 });
    peer.send(home);
    const gps = new common.GpsRawInt();
    Object.assign(gps, { timeUsec: 12_390_000n, fixType: 3, lat: 473977420, lon: 85455940, alt: 488500, eph: 80, epv: 120, vel: 0, cog: 0, satellitesVisible: 14 });
    peer.send(gps);

    await until(() => t.gps !== null, 2000, 'GPS_RAW_INT applied');
    expect(t.armed).toBe(true);
    expect(t.modeName).toBe('Offboard');
    expect(t.mode!.mainMode).toBe(6);
    expect(t.landedState).toBe('IN_AIR');
    expect(t.localPosition).toMatchObject({ north: 1.5, east: -2, down: -3.25, vn: 0.5, vd: -1, vehicleMs: 12_345 });
    expect(t.altitude).toBe(3.25);
    expect(t.attitude!.yaw).toBeCloseTo(1.5, 6);
    expect(t.globalPosition).toMatchObject({ lat: 47.397742, lon: 8.545594, alt: 491.25, relativeAlt: 3.25, vn: 0.5, ve: -0.2, vd: 1, heading: 90 });
    expect(t.battery).toMatchObject({ voltage: 16.4, current: 12.5, remaining: 87, source: 'BATTERY_STATUS' });
    expect(t.home).toMatchObject({ lat: 47.397742, lon: 8.545594, alt: 488, north: 0, east: 0, down: 0 });
    expect(t.gps).toMatchObject({ fixType: 3, satellites: 14, alt: 488.5, eph: 0.8, epv: 1.2, vehicleMs: 12_390 });
    // The vehicle clock is the latest vehicle time seen, not the last message's.
    expect(t.vehicleTimeMs).toBe(12_400);

    // Both stamps on every sample: vehicle time from the message, host time at receipt.
    const lp = t.series('localPosition');
    expect(lp.length).toBe(1);
    expect(lp.vehicleMs[0]).toBe(12_345);
    expect(lp.hostMs[0]).toBeGreaterThanOrEqual(before);
    expect(lp.hostMs[0]).toBeLessThanOrEqual(hostNowMs());
    expect(lp.down[0]).toBeCloseTo(-3.25, 6);
    const g = t.series('globalPosition');
    expect(g.lat[0]).toBeCloseTo(47.397742, 7);
    // A message without a time of its own is stamped with the vehicle time at its arrival.
    expect(t.series('landed').vehicleMs[0]).toBe(12_400);
    expect(t.series('heartbeat').vehicleMs[0]).toBeNaN(); // nothing had a vehicle time yet
    expect(samples).toContain('localPosition@12345');
    expect(samples).toContain('attitude@12400');
    expect(() => t.series('nope' as never)).toThrow(/unknown telemetry series "nope"/);

    const snap = t.snapshot();
    peer.position = { ...peer.position, z: -9 };
    peer.localPosition(12_500);
    await until(() => t.localPosition!.down === -9, 2000, 'second position');
    expect(snap.localPosition!.down).toBe(-3.25); // the snapshot is a copy
  });

  it('ignores other systems; onUpdate fires after each applied message', async () => {
    const { peer, t } = await setup(15102, 15103);
    const updates: string[] = [];
    t.onUpdate((m) => updates.push(`${m.name}:${t.vehicleTimeMs}`));
    // Same frame bytes from another sys id: encode through a second peer identity.
    const other = await ScriptedPeer.start({ port: 15104, clientPort: 15103, sysId: 2 });
    try {
      other.localPosition(99_999);
      await new Promise((r) => setTimeout(r, 50));
      peer.localPosition(500);
      await until(() => t.vehicleTimeMs === 500, 2000, 'own position');
      expect(t.applied).toBe(1);
      expect(updates).toEqual(['LOCAL_POSITION_NED:500']);
    } finally {
      await other.close();
    }
  });

  it('keeps the vehicle clock monotonic across reordering but follows a reboot', async () => {
    const { peer, t } = await setup(15105, 15106);
    peer.localPosition(10_000);
    peer.localPosition(9_990); // reordered: older sample
    await until(() => t.seriesStore('localPosition').length === 2, 2000, 'two positions');
    expect(t.vehicleTimeMs).toBe(10_000);
    expect(t.series('localPosition').vehicleMs[1]).toBe(9_990); // the sample keeps its own stamp
    peer.localPosition(120); // rebooted
    await until(() => t.seriesStore('localPosition').length === 3, 2000, 'third position');
    expect(t.vehicleTimeMs).toBe(120);
    expect(t.vehicleClockResets).toBe(1);
  });

  it('joins chunked STATUSTEXT and keeps severities', async () => {
    const { peer, t } = await setup(15107, 15108);
    const a = 'Arming denied: Resolve system health failures fir'; // 49 chars: one chunk, complete
    const long1 = 'x'.repeat(50);
    const long2 = 'y'.repeat(50);
    peer.statusText(common.MavSeverity.CRITICAL, a);
    peer.statusText(common.MavSeverity.WARNING, long1, 7, 0);
    peer.statusText(common.MavSeverity.WARNING, long2, 7, 1);
    peer.statusText(common.MavSeverity.WARNING, 'end', 7, 2);
    peer.statusText(common.MavSeverity.INFO, 'Takeoff detected');
    await until(() => t.statusTexts.length === 3, 2000, 'three texts');
    expect(t.statusTexts.map((s) => [s.severityName, s.text])).toEqual([
      ['CRITICAL', a],
      ['WARNING', long1 + long2 + 'end'],
      ['INFO', 'Takeoff detected'],
    ]);
    expect(t.lastStatusText()!.text).toBe('Takeoff detected');
    expect(t.lastStatusText(-Infinity, common.MavSeverity.WARNING)!.text).toBe(long1 + long2 + 'end');
    expect(t.lastStatusText(hostNowMs() + 1000)).toBeNull();
  });

  it('rejects a bad sys id with a clear error', async () => {
    link = await clientLink(15109);
    expect(() => new Telemetry(link!, { sysId: 0 })).toThrow(/sysId: must be an integer 1\.\.255, got 0/);
  });
});
