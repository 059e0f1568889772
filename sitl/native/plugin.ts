import type { FlightcheckPlugin } from '../../src/plugins.js';

/** A SITL executable on this host: real PX4 (FLIGHT_PX4_DIR) or the built-in simulator as a process. */
export const nativePlugin: FlightcheckPlugin = {
  name: 'native',
  targets: [{ name: 'native', description: 'a SITL executable on this host: PX4 (FLIGHT_PX4_DIR) or the built-in simulator as a process', load: async () => (await import('./target.js')).nativeTarget }],
};
