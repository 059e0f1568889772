export async function simCommand(argv: string[]): Promise<number> {
  const { runSim } = await import('../../sitl/sim/cli.js');
  await runSim(argv);
  return 0;
}
