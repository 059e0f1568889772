import type { FlightcheckPlugin } from '../../src/plugins.js';

/** The built-in simulator: the in-process `sim` target and `flightcheck sim` (the simulator as a process). */
export const simPlugin: FlightcheckPlugin = {
  name: 'sim',
  targets: [{ name: 'sim', description: 'the built-in PX4-like simulator, in-process (nothing to install)', load: async () => (await import('./target.js')).simTarget }],
  commands: {
    sim: { summary: 'run the built-in simulator as a process (PX4 SITL ports) until SIGTERM', load: async () => (await import('./command.js')).simCommand },
  },
};
