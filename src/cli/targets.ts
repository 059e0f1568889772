import { describeCapabilities, loadTarget, targetNames } from '../targets/index.js';

export async function targetsCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log('usage: flightcheck targets\n\nLists the targets, whether each can run here, and what each provides to scenarios (their needs).');
    return 0;
  }
  for (const { name, description } of targetNames()) {
    const target = await loadTarget(name);
    const reqs = await target.check();
    const missing = reqs.filter((r) => !r.ok);
    console.log(`${name.padEnd(11)} ${missing.length === 0 ? 'ready  ' : 'missing'}  ${description}`);
    for (const m of missing) console.log(`${''.padEnd(21)}needs ${m.what}: ${m.detail}`);
    // What scenarios can ask of it (in the preset the environment chooses).
    const caps = await target.capabilities().catch((err: Error) => err);
    if (caps instanceof Error) console.log(`${''.padEnd(21)}provides: unknown here (${caps.message})`);
    else for (const line of [`provides, as ${caps.label}:`, ...describeCapabilities(caps).map((l) => `  ${l}`)]) console.log(`${''.padEnd(21)}${line}`);
  }
  return 0;
}
