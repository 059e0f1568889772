/**
 * Entry of the sim image's bundle (images/sim/build.sh bundles it with esbuild): `flightcheck sim …`
 * without tsx, the CLI router or the rest of the package. SIGUSR1 resets every vehicle
 * as the in-process target does (fresh model at home, vehicle time and links carry on) and prints
 * `flightcheck sim reset at <vehicle ms> ms`.
 */
import { describeWorld, parseSimArgs, SimCliError } from '../sim/cli.js';
import { SimWorld } from '../sim/world.js';

async function main(argv: string[]): Promise<void> {
  // Handlers first: as PID 1 in a container an unhandled SIGTERM is ignored, and `docker stop`
  // would wait for its SIGKILL.
  let stopRequested: (() => void) | null = null;
  let stopEarly = false;
  const onSignal = () => (stopRequested ? stopRequested() : (stopEarly = true));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const opts = parseSimArgs(argv);
  let sim: SimWorld;
  try {
    sim = await SimWorld.start(opts);
  } catch (err) {
    throw new SimCliError(`flightcheck sim: ${(err as Error).message}`);
  }
  if (!stopEarly) console.log(describeWorld(sim));
  process.on('SIGUSR1', () => {
    for (let i = 0; i < sim.vehicles.length; i++) sim.reset(i);
    console.log(`flightcheck sim reset at ${sim.timeUs / 1000} ms`);
  });
  await new Promise<void>((resolve) => {
    stopRequested = () => void sim.close().then(resolve, resolve);
    if (stopEarly) stopRequested();
  });
}

try {
  await main(process.argv.slice(2));
  process.exit(0);
} catch (err) {
  console.error(err instanceof SimCliError ? err.message : ((err as Error).stack ?? String(err)));
  process.exit(2);
}
