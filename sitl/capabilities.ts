/**
 * What the software targets provide, by what actually runs the vehicle: the built-in simulator or
 * PX4 SITL with SIH. Used by the sim, native and containers targets (and their presets), so the
 * same vehicle software says the same thing wherever it runs.
 */
import { lacking, provided, type Capabilities, type Provision } from '../src/targets/capabilities.js';
import { rosUnavailableReason } from '../src/ros/availability.js';
import type { FailureUnitName } from '../src/vehicle/pilot.js';

/** The failure units the built-in simulator's model acts on (sitl/sim/model/vehicle.ts injectFailure). */
export const SIM_FAILURE_UNITS: readonly FailureUnitName[] = ['SENSOR_GPS', 'SYSTEM_BATTERY', 'SYSTEM_MAVLINK_SIGNAL'];

/**
 * PX4 v1.16 under SIH: MAV_CMD_INJECT_FAILURE reaches only modules that subscribe to it. For
 * sensors that is simulator_mavlink (the Gazebo Classic / jMAVSim bridge), which SIH does not run;
 * battery_simulator (SIM_BAT_ENABLE, on by default) handles SYSTEM_BATTERY; commander's failure
 * injector only rewrites ESC reports, which SIH does not publish.
 */
export const PX4_SIH_FAILURE_UNITS: readonly FailureUnitName[] = ['SYSTEM_BATTERY'];
export const PX4_SIH_FAILURE_WHY =
  'PX4 v1.16 handles MAV_CMD_INJECT_FAILURE for sensors only in simulator_mavlink (the Gazebo Classic / jMAVSim bridge), which SIH does not run; under SIH only the battery simulator acts on one (SYSTEM_BATTERY)';

const SIM_SPEAKS_MAVLINK_ONLY = 'the built-in simulator speaks MAVLink only (no XRCE-DDS agent, no ROS 2 topics)';

/** The built-in simulator, in-process or as a process or container of its own. */
export function simCapabilities(label: string, droneCoreHint: string): Capabilities {
  return {
    label,
    detections: provided("the simulated camera and detector, unless the scenario's world turns the camera off"),
    failureInjection: { units: SIM_FAILURE_UNITS, why: 'the built-in simulator models GPS loss, battery failure and MAVLink signal loss only; GPS loss goes beyond PX4 SIH, which ignores it' },
    ros2: lacking(SIM_SPEAKS_MAVLINK_ONLY),
    droneCore: lacking(`${SIM_SPEAKS_MAVLINK_ONLY}: ${droneCoreHint}`),
    vehicles: { max: null },
  };
}

/**
 * ROS 2 from this host to a stack that publishes PX4's topics over an XRCE-DDS agent: there when
 * ROS 2 is sourced here and rclnodejs installed.
 */
export function rosFromHost(env: NodeJS.ProcessEnv, where: string): { ros2: Provision; droneCore: Provision } {
  const ros = rosUnavailableReason({ env });
  if (ros) return { ros2: lacking(ros), droneCore: lacking(ros) };
  return { ros2: provided(where), droneCore: provided(where) };
}

/** PX4 SITL with SIH (no camera, no detector): native's px4 preset, containers' px4 preset. */
export function px4SihCapabilities(label: string, ros: { ros2: Provision; droneCore: Provision }, detectionsWhy: string): Capabilities {
  return {
    label,
    detections: lacking(detectionsWhy),
    failureInjection: { units: PX4_SIH_FAILURE_UNITS, why: PX4_SIH_FAILURE_WHY },
    ...ros,
    vehicles: { max: null },
  };
}
