import path from 'node:path';
import type { FlightcheckPlugin, RunSelection } from '../src/plugins.js';
import { runSettings } from '../src/config/run-settings.js';

/** The rig and rack files a run names: --rig / --rack, or FLIGHT_RIG / FLIGHT_RACK on the hil target. */
function rigFiles(o: RunSelection): { rig?: string; rack?: string } {
  const hil = o.target === 'hil';
  const rig = o.rig ?? (hil ? runSettings().rig : undefined);
  const rack = o.rack ?? (hil ? runSettings().rack : undefined);
  return { ...(rig ? { rig } : {}), ...(rack ? { rack } : {}) };
}

/** Real Pi + Pixhawk rigs over serial: the `hil` target, `flightcheck rigs`, rig files checked before a run. */
export const hilPlugin: FlightcheckPlugin = {
  name: 'hil',
  targets: [{ name: 'hil', description: 'real Pi + Pixhawk rigs over serial (--rig FILE or --rack FILE)', load: async () => (await import('./target.js')).hilTarget }],
  commands: {
    rigs: { summary: 'list serial ports and the rig files they match (hil)', load: async () => (await import('./rigs-command.js')).rigsCommand },
  },
  /** Every problem in the rig or rack file the run names. */
  async preflight(o) {
    const { rig, rack } = rigFiles(o);
    if (!rig && !rack) return [];
    const { loadRig, loadRack, RigConfigError } = await import('./rig-config.js');
    const errors: string[] = [];
    for (const [file, load] of [[rig, loadRig], [rack, loadRack]] as const) {
      if (!file) continue;
      try {
        load(path.resolve(file));
      } catch (err) {
        if (!(err instanceof RigConfigError)) throw err;
        errors.push(...err.lines);
      }
    }
    return errors;
  },
  /** One Jest worker per rig of the rack given with --rack. */
  async workers(o) {
    if (!o.rack) return null;
    return (await import('./rig-config.js')).loadRack(path.resolve(o.rack)).rigs.length;
  },
};
