/**
 * Where DroneCorePilot differs from the MAVLink pilot under the Pilot contract, as DroneOS defines
 * drone_core: takeoff needs OFFBOARD and ARMED and climbs 10 m; refusals come from drone_core
 * itself; its offboard stream runs until a mode change; no velocity setpoints; set_position only in
 * Offboard. Shared by the stand-in run (CI) and the ROS 2 run.
 */
import type { PilotContractSpec } from './contract.js';

export const DRONE_CORE_CONTRACT: Omit<PilotContractSpec, 'name' | 'up'> = {
  takeoff: { needsOffboard: true, defaultAltitude: 10 },
  refusal: { what: 'takeoff while disarmed (drone_core: "Drone must be ARMED first")', provoke: (p) => p.takeoff(), errorName: 'DroneCoreRefused' },
  stopOffboardLeavesOffboard: false,
  goToOutsideOffboard: false,
  velocitySetpoints: false,
};
