import { UsageError } from './args.js';
import { pluginCommands, type CliCommand } from '../plugins.js';

/** The core's commands; plugins add theirs (the hil plugin `rigs`, the sim plugin `sim`). */
const CORE_COMMANDS: Record<string, CliCommand> = {
  run: { summary: 'run scenarios on a target (Jest underneath), live progress and a budget summary', load: async () => (await import('./run.js')).runCommand },
  report: { summary: 'build the Allure HTML report from the latest results', load: async () => (await import('./report.js')).reportCommand },
  doctor: { summary: 'what is installed and what each target needs', load: async () => (await import('./doctor.js')).doctorCommand },
  targets: { summary: 'list the targets', load: async () => (await import('./targets.js')).targetsCommand },
  fidelity: { summary: 'fly one manoeuvre set on real PX4 and on the simulator and compare them phase by phase', load: async () => (await import('./fidelity.js')).fidelityCommand },
  init: { summary: 'set up a project to fly here: config, jest.config.ts, tsconfig, a scenario, a CI workflow', load: async () => (await import('./init.js')).initCommand },
};

function commands(): Record<string, CliCommand> {
  return { ...CORE_COMMANDS, ...pluginCommands() };
}

export function usage(): string {
  const all = commands();
  const width = Math.max(...Object.keys(all).map((c) => c.length));
  return [
    'usage: flightcheck <command> [options]',
    '',
    ...Object.entries(all).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'flightcheck <command> --help for its options',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(usage());
    return command ? 0 : 2;
  }
  const entry = commands()[command];
  if (!entry) {
    console.error(`flightcheck: unknown command "${command}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await entry.load())(rest);
  } catch (err) {
    if (err instanceof UsageError || (err as Error).name === 'TypeError' || (err as Error).name === 'ZodError') {
      // One line per problem (preflight reports them all at once).
      for (const line of (err as Error).message.split('\n')) console.error(`flightcheck ${command}: ${line}`);
      return 2;
    }
    throw err;
  }
}
