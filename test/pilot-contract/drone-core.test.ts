/**
 * The Pilot contract against DroneCorePilot on real drone_core: PX4 SITL + the XRCE agent +
 * drone_core from the containers target (FLIGHT_STACK=px4), or the target named by FLIGHT_TARGET,
 * reached through rclnodejs. Where ROS 2 or drone_core is not available the suite is skipped and
 * the reason is printed and shown in the skipped test's title.
 */
import os from 'node:os';
import path from 'node:path';
import { describe, it } from '@jest/globals';
import { droneCoreUnavailableReason, openDroneCore } from '../../src/ros/drone-core-stack.js';
import { loadTarget } from '../../src/targets/index.js';
import { runSettings } from '../../src/config/run-settings.js';
import { useBuiltinPlugins } from '../../fixtures/plugins.js';

useBuiltinPlugins();
import { registerPilotContract } from './contract.js';
import { DRONE_CORE_CONTRACT } from './drone-core-spec.js';

const target = runSettings().target ?? 'containers';
const NAME = `DroneCorePilot on drone_core (target ${target})`;
const reason = droneCoreUnavailableReason({ target });

if (reason) {
  // Straight to stderr: Jest's reporter shows nothing of a fully skipped file (not even its console) unless --verbose.
  const line = `Pilot contract: ${NAME} — skipped: ${reason}`;
  process.stderr.write(`${line}\n`);
  describe.skip(`Pilot contract: ${NAME} — skipped: ${reason}`, () => {
    it('the Pilot contract suite (test/pilot-contract/contract.ts)', () => undefined);
  });
} else {
  registerPilotContract({
    ...DRONE_CORE_CONTRACT,
    name: NAME,
    upTimeoutMs: 180_000,
    async up() {
      const stack = await (await loadTarget(target)).up({
        vehicles: 1, speed: 1, seed: 1, instance: 83, params: {},
        artifactsDir: path.join(os.tmpdir(), 'flightcheck-pilot-contract-83'), heartbeatTimeoutMs: 5000,
      });
      const v = stack.vehicles[0]!;
      let dc;
      try {
        dc = await openDroneCore(stack);
      } catch (err) {
        await stack.down();
        throw err;
      }
      const core = dc;
      return {
        pilot: core.pilot(v),
        telemetry: v.telemetry,
        reset: () => stack.reset(v),
        async down() {
          await core.close();
          await stack.down();
        },
      };
    },
  });
}
