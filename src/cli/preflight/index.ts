import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { UsageError } from '../args.js';
import { didYouMean } from '../../config/did-you-mean.js';
import { resultsDir } from '../../report/results.js';
import { targetNames } from '../../targets/index.js';
import { usedPlugins } from '../../plugins.js';
import { checkFileBudgets } from './budgets.js';
import { PreflightCache } from './cache.js';
import { parseRunArgs } from './options.js';
import { selectScenarioFiles } from './scenarios.js';
import { typeCheck } from './types.js';
import { runSettings } from '../../config/run-settings.js';

/** What the checks read of `flightcheck run`'s options. */
interface RunValues {
  target: string;
  shard?: string | undefined;
  rig?: string | undefined;
  rack?: string | undefined;
  results?: string | undefined;
  help?: boolean | undefined;
}

/**
 * Everything `flightcheck run` can know is wrong before Jest starts: its options, the rig and rack
 * files, the scenario paths, the budgets and the types of every selected scenario file. Every
 * problem is one line (file:line where there is one); all of them are reported together, as one
 * UsageError whose message has a line per problem.
 */
export async function preflightRun<S extends z.ZodType<RunValues>>(
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  schema: S,
  /** Where scenarios are when no pattern is given (the project config's `scenarios`). */
  defaultPatterns: string[] = ['scenarios/'],
): Promise<{ values: z.infer<S>; positionals: string[]; files: string[] }> {
  const { values, raw, positionals, errors } = parseRunArgs(argv, options, schema);
  if (values?.help) return { values, positionals, files: [] };
  // The checks below read the options as given, so a bad --speed does not hide a bad --target.
  const given = { target: runSettings().target ?? 'sim', ...raw } as Partial<Record<keyof RunValues, unknown>>;
  const str = (k: keyof RunValues) => (typeof given[k] === 'string' ? (given[k] as string) : undefined);
  const target = str('target') ?? 'sim';
  const known = targetNames().map((t) => t.name);
  if (!known.includes(target)) errors.push(`--target: unknown target "${target}" (expected one of ${known.join(', ')})${didYouMean(target, known)}`);
  const shard = str('shard');
  if (shard && /^\d+\/\d+$/.test(shard)) {
    const [i, n] = shard.split('/').map(Number) as [number, number];
    if (n < 1 || i < 1 || i > n) errors.push(`--shard: ${shard} is not i/n with 1 ≤ i ≤ n`);
  }
  // What concerns a plugin (the hil plugin's rig and rack files) it checks itself.
  const selection = { target, ...(str('rig') ? { rig: str('rig')! } : {}), ...(str('rack') ? { rack: str('rack')! } : {}) };
  for (const p of usedPlugins()) if (p.preflight) errors.push(...(await p.preflight(selection)));
  const patterns = positionals.length > 0 ? positionals : defaultPatterns;
  const selected = selectScenarioFiles(patterns);
  errors.push(...selected.errors);
  // A run starts by emptying its results' scenarios/ and recordings/: never where scenarios live.
  const results = path.resolve(str('results') ?? resultsDir());
  const inside = selected.files.find((f) => path.resolve(f).startsWith(`${results}${path.sep}`));
  if (inside) errors.push(`--results: ${path.relative(process.cwd(), results) || '.'} holds the scenario ${path.relative(process.cwd(), inside)}: a run empties its results' scenarios/ and recordings/ (choose another folder, e.g. flight-results)`);
  if (selected.files.length > 0) {
    const cacheFile = preflightCacheFile(str('results'));
    errors.push(...(await checkScenarioFiles(selected.files, cacheFile)));
  }
  if (errors.length > 0 || !values) throw new UsageError(errors.join('\n'));
  return { values, positionals, files: selected.files };
}

/**
 * Where the checks keep their verdicts: node_modules/.cache/flightcheck of the project (the
 * convention of babel, eslint and Jest's own caches), so runs into any results directory share
 * them; the results directory when the project has no node_modules.
 */
function preflightCacheFile(results: string | undefined): string {
  const nodeModules = path.resolve('node_modules');
  const dir = fs.existsSync(nodeModules) ? path.join(nodeModules, '.cache', 'flightcheck') : path.join(path.resolve(results ?? resultsDir()), '.cache');
  return path.join(dir, 'preflight.json');
}

const HERE = path.dirname(fileURLToPath(import.meta.url));

/**
 * Budgets and types of the selected files. TypeScript (a few seconds for the suite) is loaded only
 * when the cache has no verdict for exactly these files' contents.
 */
export async function checkScenarioFiles(files: string[], cacheFile: string, log: (line: string) => void = (l) => console.log(l)): Promise<string[]> {
  const cache = new PreflightCache(cacheFile);
  let salt: string;
  try {
    salt = (createRequire(import.meta.url)('typescript/package.json') as { version: string }).version;
  } catch {
    log('flightcheck: typescript is not installed: scenario types and budgets are checked when each file loads');
    return [];
  }
  const cached = cache.get(files, salt);
  if (cached) return cached;
  const ts = (await import('typescript')).default;
  log(`flightcheck: checking the budgets and types of ${files.length} scenario file${files.length === 1 ? '' : 's'} (kept until one of them changes)…`);
  const { program, errors: typeErrors, inputs } = typeCheck(ts, files);
  const budgetErrors = files.flatMap((f) => {
    const sf = program.getSourceFile(f);
    return sf ? checkFileBudgets(ts, sf) : [];
  });
  const errors = [...budgetErrors, ...typeErrors];
  // Only a clean verdict is kept: an error can hinge on a file that does not exist yet (an import
  // not found), which no content hash would see appear.
  if (errors.length === 0) cache.set(files, salt, [...new Set([...inputs, ...fs.readdirSync(HERE).map((f) => path.join(HERE, f))])], errors);
  return errors;
}
