import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, expect, it } from '@jest/globals';
import { createHilTarget, type HilStack } from '../../hil/index.js';
import { signingKey } from '../../src/mavlink/index.js';
import { StackDidNotComeUp } from '../../src/targets/index.js';
import { startSim, type SimWorld } from '../../sitl/sim/index.js';
import { startPtyPair, tmpDir, writeYaml } from './helpers.js';
import { describeUnless, socatMissing } from '../support/skip.js';

const run = describeUnless(socatMissing());

run('MAVLink 2 signing between the hil target and the vehicle (over a pty pair)', () => {
  const dir = tmpDir('hil-signing');
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function setup(name: string, vehicleKey: string | null, rigKey: string | null) {
    const sub = path.join(dir, name);
    fs.mkdirSync(sub);
    const pty = await startPtyPair(sub);
    cleanups.push(() => pty.stop());
    const sim: SimWorld = await startSim({ transport: { serial: { path: pty.b, baudRate: 921600 } }, speed: 4, camera: false, ...(vehicleKey ? { signing: { key: signingKey(vehicleKey) } } : {}) });
    cleanups.push(() => sim.close());
    const rig = writeYaml(path.join(sub, 'rig.yaml'), {
      name,
      serial: { path: pty.a },
      ...(rigKey !== null ? { mavlink: { signing: { keyEnv: 'SIGNING_TEST_KEY' } } } : {}),
      bringUp: { heartbeatTimeout: '1s', retries: 0 },
    });
    const target = createHilTarget({ rigFile: rig, env: { ...process.env, ...(rigKey ? { SIGNING_TEST_KEY: rigKey } : {}) }, leaseDir: path.join(sub, 'leases') });
    const up = () => target.up({ vehicles: 1, speed: 1, seed: 1, instance: 0, params: {}, artifactsDir: sub, heartbeatTimeoutMs: 3000 }) as Promise<HilStack>;
    return { up };
  }

  it('a signed vehicle and rig with the same key fly; the link signs and checks every frame', async () => {
    const { up } = await setup('same-key', 'shared secret', 'shared secret');
    const stack = await up();
    cleanups.push(() => stack.down());
    const v = stack.vehicles[0]!;
    expect((await v.pilot.setMode('Position')).result).toBe('ACCEPTED');
    expect(v.link.counters.received).toBeGreaterThan(10);
    expect(v.link.counters.unsignedRejected).toBe(0);
    expect(v.link.counters.badSignature).toBe(0);
  });

  it('a rig that requires signing rejects and counts an unsigned vehicle', async () => {
    const { up } = await setup('unsigned-vehicle', null, 'shared secret');
    const err = (await up().then(() => null, (e: unknown) => e)) as StackDidNotComeUp;
    expect(err).toBeInstanceOf(StackDidNotComeUp);
    expect(err.stage).toBe('flight-controller');
    expect(err.message).toMatch(/\d+ unsigned frames rejected: signing is required \(key from \$SIGNING_TEST_KEY\) but the vehicle does not sign/);
  });

  it('a vehicle signing with another key is refused; a signing vehicle and a rig without a key are refused too', async () => {
    const a = await setup('wrong-key', 'key one', 'key two');
    await expect(a.up()).rejects.toThrow(/frames with a bad signature: the vehicle signs with another key/);
    const b = await setup('rig-without-key', 'key one', null);
    await expect(b.up()).rejects.toThrow(/the vehicle signs its MAVLink frames but rig "rig-without-key" has no mavlink\.signing key/);
  });
});
