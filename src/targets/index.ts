import { registerTarget } from './registry.js';

export * from './target.js';
export * from './capabilities.js';
export { registerTarget, loadTarget, targetNames } from './registry.js';

registerTarget('sim', 'the built-in PX4-like simulator, in-process (nothing to install)', async () => (await import('./sim.js')).simTarget);
registerTarget('native', 'a SITL executable on this host: PX4 (FLIGHT_PX4_DIR) or the built-in simulator as a process', async () => (await import('../../sitl/native/target.js')).nativeTarget);
registerTarget('hil', 'real Pi + Pixhawk rigs over serial (--rig FILE or --rack FILE)', async () => (await import('../../hil/target.js')).hilTarget);
registerTarget('containers', 'PX4 SITL + XRCE agent + drone_core, or the sim image, in Docker (FLIGHT_STACK=sim|px4|compose:<file>)', async () => (await import('../../sitl/containers/target.js')).containersTargetFromEnv);
