import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { common } from 'node-mavlink';
import { createHilTarget, RigSafetyRefusal, type HilStack } from '../../hil/index.js';
import type { MavlinkPilot } from '../../src/vehicle/index.js';
import { FakeFlightController } from './fake-vehicle.js';
import { startPtyPair, tmpDir, writeYaml, type Child } from './helpers.js';
import { describeUnless, socatMissing } from '../support/skip.js';

const run = describeUnless(socatMissing());

run('hil safety interlocks (over a socat pty pair)', () => {
  const dir = tmpDir('hil-safety');
  let pty: Child & { a: string; b: string };
  let fc: FakeFlightController;
  let stack: HilStack;
  let rigFile: string;

  beforeAll(async () => {
    pty = await startPtyPair(dir);
    fc = await FakeFlightController.open(pty.b);
    rigFile = writeYaml(path.join(dir, 'locked.yaml'), {
      name: 'locked-rig',
      serial: { path: pty.a, baud: 921600 },
      safety: { armingAllowed: false, propellersRemoved: false, geofence: { north: [-3, 3], east: [-3, 3], maxAltitude: 2 } },
    });
    const target = createHilTarget({ rigFile, leaseDir: path.join(dir, 'leases') });
    stack = (await target.up({ vehicles: 1, speed: 1, seed: 1, instance: 0, params: {}, artifactsDir: dir, heartbeatTimeoutMs: 3000 })) as HilStack;
  });

  afterAll(async () => {
    await stack?.down();
    await fc?.close();
    await pty?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('tells the fixture not to hold tests until PX4 could arm: this rig may never arm', () => {
    expect(stack.armingAllowed(stack.vehicles[0]!)).toBe(false);
  });

  it('records the rig identity, safety and the TIMESYNC clock offset', () => {
    expect(stack.info).toMatchObject({ target: 'hil', rig: 'locked-rig', sysId: '1', signing: 'off' });
    expect(stack.info.device).toContain(`${pty.a} → /dev/pts/`);
    expect(stack.info.safety).toBe('arming NOT allowed, propellers ON, geofence N -3…3 E -3…3 alt ≤ 2 m');
    const off = stack.clockOffset(stack.vehicles[0]!)!;
    expect(off.samples).toBeGreaterThan(0);
    expect(off.uncertaintyMs).toBeGreaterThan(0);
    expect(off.uncertaintyMs).toBeLessThan(50);
    expect(Number(stack.info.clockOffsetUncertaintyMs)).toBeCloseTo(off.uncertaintyMs, 2);
    expect(stack.info.bringUp).toMatch(/^powered@.* → flight-controller@.* → companion@/);
    expect(stack.info.home).toBe('received');
  });

  it('refuses arming, takeoff and offboard before anything is sent', async () => {
    const pilot = stack.vehicles[0]!.pilot as MavlinkPilot;
    const before = fc.commands.length;
    const refusals = [
      pilot.arm(),
      pilot.takeoff(),
      pilot.takeoff(1.5),
      pilot.startOffboard({ type: 'position', north: 0, east: 0, down: -1 }),
      pilot.setMode('Offboard'),
      pilot.setMode('Takeoff'),
      pilot.command(common.MavCmd.COMPONENT_ARM_DISARM, [1]),
      pilot.command(common.MavCmd.DO_SET_MODE, [1, 6, 0]),
    ];
    for (const r of refusals) {
      const err = await r.then(() => null, (e: unknown) => e as Error);
      expect(err).toBeInstanceOf(RigSafetyRefusal);
      expect(err!.message).toMatch(new RegExp(`^rig "locked-rig" refuses .*: safety\\.armingAllowed is false in .*locked\\.yaml \\(nothing was sent to the vehicle\\)$`));
    }
    // Outside the geofence box: refused whatever arming says.
    await expect(pilot.goTo(10, 0, -1)).rejects.toThrow(/refuses goTo: target N 10\.00 E 0\.00 alt 1\.00 m is outside safety\.geofence/);
    expect(() => pilot.setSetpoint({ type: 'position', north: 0, east: 0, down: -5 })).toThrow(RigSafetyRefusal);
    await new Promise((r) => setTimeout(r, 300)); // anything in flight over the pty would have arrived
    expect(fc.commands.slice(before)).toEqual([]);
    expect(fc.setpoints).toEqual([]);
    // The far end does see commands that are allowed (the listener works): Hold is a DO_SET_MODE.
    const hold = await pilot.hold();
    expect(hold.result).toBe('ACCEPTED');
    expect(fc.commands.slice(before).map((c) => [c.name, c.command, c.params[1]])).toEqual([['COMMAND_LONG', common.MavCmd.DO_SET_MODE, 4]]);
    // Other pilot members pass through the guard.
    expect(pilot.kind).toBe('mavlink');
    expect(pilot.streamer.running).toBe(false);
  });
});
