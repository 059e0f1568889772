import { afterEach, describe, expect, it } from '@jest/globals';
import { common } from 'node-mavlink';
import type { Link } from '../../src/mavlink/link.js';
import { Telemetry } from '../../src/vehicle/telemetry.js';
import { clientLink, ScriptedPeer, until } from './scripted-peer.js';

/**
 * Heights relative to the ground and the home set at arming, not raw −down: PX4 SIH's height
 * estimate drifts about 1 m on the ground and PX4 resets home at each arming. A scripted stand-in
 * autopilot sends the drift (ports 15180–15185).
 */
let peer: ScriptedPeer | null = null;
let link: Link | null = null;
let t: Telemetry | null = null;

afterEach(async () => {
  t?.detach();
  await peer?.close();
  await link?.close();
  peer = link = t = null;
});

function landed(p: ScriptedPeer, state: number) {
  const m = new common.ExtendedSysState();
  m.landedState = state;
  m.vtolState = 0;
  p.send(m);
}

function home(p: ScriptedPeer, z: number, timeBootMs: number) {
  const h = new common.HomePosition();
  Object.assign(h, { latitude: 473977420, longitude: 85455940, altitude: 488000 - z * 1000, x: 0, y: 0, z, q: [1, 0, 0, 0], approachX: 0, approachY: 0, approachZ: 0, timeUsec: BigInt(timeBootMs * 1000) });
  p.send(h);
}

async function at(p: ScriptedPeer, tel: Telemetry, z: number, bootMs: number) {
  p.position = { ...p.position, z };
  p.localPosition(bootMs);
  await until(() => Math.abs((tel.localPosition?.down ?? NaN) - z) < 1e-6 && tel.vehicleTimeMs === bootMs, 2000, `z ${z} at ${bootMs}`);
}

describe('heights', () => {
  it('read 0 on the ground whatever the estimate drifted to, and climb from the home set at arming', async () => {
    link = await clientLink(15181);
    peer = await ScriptedPeer.start({ port: 15180, clientPort: 15181 });
    const tel = (t = new Telemetry(link, { sysId: 1 }));
    const p = peer;
    p.heartbeat();
    home(p, 0.0, 1000); // boot home at the EKF origin
    landed(p, common.MavLandedState.ON_GROUND);
    await at(p, tel, 0, 1000);
    // On the ground the estimate drifts 0.875 m up: raw −down would say 0.875 m.
    await at(p, tel, -0.875, 20_000);
    expect(tel.altitude).toBeCloseTo(0, 5);
    // Armed: PX4 sets home where it stands now; until that HOME_POSITION comes, the ground seen before.
    p.armed = true;
    p.heartbeat();
    await until(() => tel.armed, 2000, 'armed');
    landed(p, common.MavLandedState.IN_AIR);
    await until(() => tel.landedState === 'IN_AIR', 2000, 'in air');
    await at(p, tel, -3.375, 21_000);
    expect(tel.altitude).toBeCloseTo(2.5, 5);
    home(p, -0.9375, 20_500);
    await until(() => tel.homeSetSinceArming, 2000, 'home set at arming');
    expect(tel.altitude).toBeCloseTo(2.4375, 5);
    // An old home re-sent after the arming is not the arming's home.
    p.armed = false;
    p.heartbeat();
    await until(() => !tel.armed, 2000, 'disarmed');
    p.armed = true;
    p.heartbeat();
    await until(() => tel.armed, 2000, 're-armed');
    home(p, -0.9375, 5_000);
    await at(p, tel, -3.0, 40_000);
    expect(tel.homeSetSinceArming).toBe(false);
    expect(tel.altitude).toBeCloseTo(3.0 - 0.875, 5); // from the ground seen last (z −0.875)
  });
});
