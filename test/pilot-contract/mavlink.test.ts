/**
 * The Pilot contract against MavlinkPilot on the built-in simulator (PX4 over MAVLink, UDP on
 * loopback), instance 80.
 */
import os from 'node:os';
import path from 'node:path';
import { simTarget } from '../../sitl/sim/target.js';
import { registerPilotContract } from './contract.js';

registerPilotContract({
  name: 'MavlinkPilot on the built-in simulator',
  async up() {
    const stack = await simTarget.up({
      // SYS_FAILURE_EN 0 (PX4 SITL's is 1): the contract's ground refusal below needs it off.
      vehicles: 1, speed: 'max', seed: 1, instance: 80, params: { SYS_FAILURE_EN: 0 },
      artifactsDir: path.join(os.tmpdir(), 'flightcheck-pilot-contract-80'), heartbeatTimeoutMs: 3000,
      world: { camera: false },
    });
    const v = stack.vehicles[0]!;
    return { pilot: v.pilot, telemetry: v.telemetry, reset: () => stack.reset(v), down: () => stack.down() };
  },
  takeoff: { needsOffboard: false, defaultAltitude: 2.5 },
  // PX4 allows any mode change while disarmed, so the ground refusal is a failure injection with SYS_FAILURE_EN = 0.
  refusal: { what: 'INJECT_FAILURE with SYS_FAILURE_EN = 0', provoke: (p) => p.injectFailure('SENSOR_GPS', 'OFF'), errorName: 'CommandDenied' },
  stopOffboardLeavesOffboard: true,
  goToOutsideOffboard: true,
  velocitySetpoints: true,
});
