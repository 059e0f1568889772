import { loadTarget, targetNames } from '../targets/index.js';

export async function targetsCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log('usage: flightcheck targets\n\nLists the targets and whether each can run here.');
    return 0;
  }
  for (const { name, description } of targetNames()) {
    const reqs = await (await loadTarget(name)).check();
    const missing = reqs.filter((r) => !r.ok);
    console.log(`${name.padEnd(11)} ${missing.length === 0 ? 'ready  ' : 'missing'}  ${description}`);
    for (const m of missing) console.log(`${''.padEnd(21)}needs ${m.what}: ${m.detail}`);
  }
  return 0;
}
