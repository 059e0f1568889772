/**
 * The native target: a SITL executable on this host, started with execa, one process per vehicle.
 *   FLIGHT_NATIVE=px4 (FLIGHT_PX4_DIR = a PX4 build dir; FLIGHT_PX4_MODEL, default sihsim_quadx)
 *   FLIGHT_NATIVE=sim (the built-in simulator's process; the default without FLIGHT_PX4_DIR)
 */
export { createNativeTarget, nativeTarget, NativeStack, UdpDetections, type NativeTargetOptions } from './target.js';
export {
  px4Preset,
  simProcessPreset,
  presetFromEnv,
  px4DirProblem,
  findFlightLogs,
  apiPortFor,
  Px4PresetError,
  type NativePreset,
  type Launch,
  type LaunchContext,
  type Px4PresetOptions,
} from './presets.js';
export { SitlProcess, type SitlProcessSpec } from './process.js';
