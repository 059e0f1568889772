import { UsageError } from '../../src/cli/args.js';

export async function simCommand(argv: string[]): Promise<number> {
  const { runSim, SIM_USAGE } = await import('./cli.js');
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(SIM_USAGE);
    return 0;
  }
  try {
    await runSim(argv);
  } catch (err) {
    // Bad arguments (and a simulator that cannot start) are said in one line, not a stack trace.
    if ((err as Error).name === 'SimCliError') throw new UsageError((err as Error).message.replace(/^flightcheck sim: /, ''));
    throw err;
  }
  return 0;
}
