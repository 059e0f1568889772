import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createNativeTarget, px4Preset, type NativeStack } from '../../sitl/native/index.js';
import { tmpDir } from '../hil/helpers.js';
import { px4ForTests } from './px4-for-tests.js';
import { describeUnless } from '../support/skip.js';
import { PROTOCOL_CASES, PhaseDriver, runProtocolCase } from '../support/protocol-cases.js';

/**
 * Real PX4 v1.16 SITL as the oracle for PROTOCOL_VERSION, FLIGHT_INFORMATION and a refused switch
 * to Offboard: the table the simulator is held to (test/sim/protocol-replies.test.ts) is what PX4
 * answers here, from the ground through one flight. PX4 instance 196, speed 1.
 */
const px4 = px4ForTests();
const describePx4 = describeUnless(px4.ok ? null : px4.reason);
const px4Dir = px4.ok ? px4.dir : '';
const dir = tmpDir('real-px4-protocol');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describePx4('real PX4 SITL: protocol version, flight information, a refused Offboard', () => {
  let stack: NativeStack | undefined;
  let driver: PhaseDriver;
  beforeAll(async () => {
    stack = (await createNativeTarget({ preset: px4Preset({ px4Dir }) }).up({
      vehicles: 1, speed: 1, seed: 1, instance: 196, params: {}, artifactsDir: path.join(dir, '196'), heartbeatTimeoutMs: 3000,
    })) as NativeStack;
    const v = stack.vehicles[0]!;
    driver = new PhaseDriver(v.link, v.sysId);
  }, 90_000);
  afterAll(async () => {
    await stack?.down();
  });

  // In order, on one vehicle, as the simulator's test runs them.
  for (const c of PROTOCOL_CASES) {
    it(c.name, async () => {
      const v = stack!.vehicles[0]!;
      await driver.enter(c.phase);
      expect(await runProtocolCase(v.link, v.sysId, c)).toEqual(c.expect);
    }, 120_000);
  }
});
