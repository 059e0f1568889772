import type { FlightcheckPlugin } from '../../src/plugins.js';

/** PX4 SITL, the XRCE agent and drone_core (or the sim image) in Docker. */
export const containersPlugin: FlightcheckPlugin = {
  name: 'containers',
  targets: [
    {
      name: 'containers',
      description: 'PX4 SITL + XRCE agent + drone_core, or the sim image, in Docker (FLIGHT_STACK=sim|px4|compose:<file>)',
      load: async () => (await import('./target.js')).containersTargetFromEnv,
    },
  ],
};
