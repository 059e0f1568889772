/**
 * The Pilot contract against DroneCorePilot with stand-ins for ROS 2 and drone_core (test/ros/):
 * the in-memory rclnodejs stand-in carries the service calls, the drone_core stand-in commands the
 * built-in simulator over MAVLink as drone_core would over XRCE-DDS. Runs everywhere; the same
 * suite runs against real drone_core in drone-core.test.ts where ROS 2 is present.
 */
import os from 'node:os';
import path from 'node:path';
import { DroneCorePilot } from '../../src/ros/drone-core-pilot.js';
import { RosSession } from '../../src/ros/session.js';
import { simTarget } from '../../sitl/sim/target.js';
import { DroneCoreStandIn } from '../ros/drone-core-stand-in.js';
import { StandInRosGraph } from '../ros/rclnodejs-stand-in.js';
import { registerPilotContract } from './contract.js';
import { DRONE_CORE_CONTRACT } from './drone-core-spec.js';

registerPilotContract({
  ...DRONE_CORE_CONTRACT,
  name: 'DroneCorePilot with the rclnodejs and drone_core stand-ins on the built-in simulator',
  async up() {
    const stack = await simTarget.up({
      vehicles: 1, speed: 'max', seed: 1, instance: 82, params: {},
      artifactsDir: path.join(os.tmpdir(), 'flightcheck-pilot-contract-82'), heartbeatTimeoutMs: 3000,
      world: { camera: false },
    });
    const v = stack.vehicles[0]!;
    const graph = new StandInRosGraph();
    const core = new DroneCoreStandIn(graph, { domainId: 0, drone: v.name, link: v.link, telemetry: v.telemetry }).start();
    const session = await RosSession.open({ api: graph.factory(), domainId: 0 });
    const pilot = new DroneCorePilot({ drone: v.name, session, telemetry: v.telemetry, mavlink: v.pilot });
    return {
      pilot,
      telemetry: v.telemetry,
      async reset() {
        // drone_core's stream stops with a mode change in real use; between tests it is stopped outright.
        await core.stopStream();
        await stack.reset(v);
      },
      async down() {
        await pilot.close();
        await session.close();
        await core.close();
        graph.close();
        await stack.down();
      },
    };
  },
});
