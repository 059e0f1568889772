/**
 * The simulator against real PX4: `flightcheck fidelity` with its defaults (5 runs of the manoeuvre
 * set on PX4 SITL at speed 1 and on the simulator at max), PX4 from FLIGHT_PX4_DIR or the bundle
 * beside the repository.
 *
 *   npm run bench -- fidelity [flightcheck fidelity options]
 *
 * The simulator's admitted gaps (sitl/sim/fidelity-gaps.json) apply unless --known-gaps names
 * another file. Prints the comparison table, then one JSON object as the last line: each phase
 * mark's medians (vehicle seconds) on both, their ratio, the allowance and the verdict; exit 1 past
 * the thresholds.
 */
import { fileURLToPath } from 'node:url';
import { localPx4 } from '../sitl/native/bundle.js';
import { useBuiltinPlugins } from '../fixtures/plugins.js';
import { fidelityCommand } from '../src/cli/fidelity.js';

const px4 = localPx4();
if (!px4.ok) {
  console.error(`fidelity: ${px4.reason}`);
  console.log(JSON.stringify({ bench: 'fidelity', pass: false, skipped: px4.reason }));
  process.exit(1);
}
process.env.FLIGHT_PX4_DIR = px4.dir;
useBuiltinPlugins();
const args = process.argv.slice(2);
if (!args.includes('--known-gaps')) args.push('--known-gaps', fileURLToPath(new URL('../sitl/sim/fidelity-gaps.json', import.meta.url)));
process.exitCode = await fidelityCommand(args);
