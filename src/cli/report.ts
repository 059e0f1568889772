import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { parseCommand, UsageError } from './args.js';
import { resultsDir, readScenarioRecords } from '../report/results.js';
import { ALLURE_REPORT, ALLURE_RESULTS, copyHistory, liftTeardownAttachments, reconcileWithJest, runInfoFromResults, writeRunFiles } from '../report/allure-run.js';
import { expandDirs, mergeResults } from '../report/merge.js';
import { writeFileFailureResults } from '../report/file-failures.js';
import { renderCharts } from '../report/charts.js';

/** The flags `flightcheck report` accepts (the workflow test checks CI files against them). */
export const REPORT_OPTIONS = {
  results: { type: 'string' },
  output: { type: 'string' },
  open: { type: 'boolean' },
  merge: { type: 'boolean' },
  from: { type: 'string', multiple: true },
  history: { type: 'string' },
  'fail-on-budget': { type: 'boolean' },
  'skip-generate': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

const Options = z.object({
  results: z.string().optional(),
  output: z.string().optional(),
  open: z.boolean().optional(),
  merge: z.boolean().optional(),
  from: z.array(z.string().min(1)).optional(),
  history: z.string().optional(),
  'fail-on-budget': z.boolean().optional(),
  'skip-generate': z.boolean().optional(),
  help: z.boolean().optional(),
});

const HELP = `usage: flightcheck report [options]
       flightcheck report --merge DIR… [options]

Builds the Allure HTML report from DIR/allure-results (default flight-results, or FLIGHT_RESULTS_DIR).

  --results DIR       the results directory (with --merge/--from: where the merged results go)
  --output DIR        where the report goes (default DIR/allure-report)
  --merge DIR…        merge several results directories (CI shards) first; every scenario once
  --from PATTERN      like --merge, by pattern (e.g. 'shards/*'); may be repeated
  --history DIR       a previous report (or its history/) whose trends to continue
                      (default: the report already at --output, if any)
  --fail-on-budget    exit 1 when any scenario has a FAIL budget
  --skip-generate     prepare allure-results (merge, charts, environment, categories, history) only
  --open              open the report when built`;

/** `flightcheck report`: Allure HTML from the latest results (allure-commandline needs Java). */
export async function reportCommand(argv: string[]): Promise<number> {
  const { values: o, positionals } = parseCommand(argv, REPORT_OPTIONS, Options);
  if (o.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length > 0 && !o.merge) throw new UsageError(`unexpected argument "${positionals[0]}" (to merge directories, use --merge DIR…)`);
  if (o.merge && positionals.length === 0) throw new UsageError('--merge: expected one or more results directories after it');
  const results = path.resolve(o.results ?? resultsDir());
  const allureResults = path.join(results, ALLURE_RESULTS);

  const fromPatterns = o.from ?? [];
  const matched = expandDirs(fromPatterns);
  if (fromPatterns.length > 0 && matched.length === 0) throw new UsageError(`--from: no directories match ${fromPatterns.join(' ')}`);
  const sources = [...positionals.map((p) => path.resolve(p)), ...matched].filter((s, i, all) => all.indexOf(s) === i && s !== results);
  if (sources.length > 0) {
    let m;
    try {
      m = mergeResults(sources, results);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    console.log(
      `merged ${m.sources.length} result directories into ${rel(results)}: ${m.results} Allure results (${m.duplicates} older duplicates dropped), ` +
        `${m.scenarios} scenario records${m.reconciled ? `, ${m.reconciled} statuses taken from Jest` : ''}`,
    );
    console.log(
      m.summaryMissing.length === m.sources.length
        ? 'merge: no source has a summary.json: no merged summary.json written'
        : `merged summary: ${rel(path.join(results, 'summary.json'))}${m.summaryMissing.length ? ` (without ${m.summaryMissing.map(rel).join(', ')}: no summary.json there)` : ''}`,
    );
  } else {
    reconcileWithJest(allureResults, path.join(results, 'jest-results.json'));
    writeFileFailureResults(allureResults, path.join(results, 'jest-results.json'));
  }

  const hasResults = fs.existsSync(allureResults) && fs.readdirSync(allureResults).some((f) => f.endsWith('-result.json'));
  if (!hasResults) throw new UsageError(`no Allure results in ${allureResults}: run the scenarios first (npm run flight)`);

  liftTeardownAttachments(allureResults);
  const charts = await renderCharts(allureResults);
  for (const f of charts.failed) console.log(`report: chart "${f.name}" not drawn (${f.error}); its spec is attached instead`);
  const output = path.resolve(o.output ?? path.join(results, ALLURE_REPORT));
  // Before `generate --clean` replaces the previous report, carry its history over.
  const history = copyHistory(path.resolve(o.history ?? output), allureResults);
  if (o.history && history === 0) console.log(`report: no history in ${o.history} (trends start with this run)`);
  writeRunFiles(allureResults, runInfoFromResults(results));

  let code = 0;
  if (!o['skip-generate']) {
    const allure = createRequire(import.meta.url).resolve('allure-commandline/dist/bin/allure');
    code = await run(allure, ['generate', allureResults, '-o', output, '--clean']);
    if (code !== 0) return code;
    // Two lines: a long results path and the hint together would not fit 100 columns.
    console.log(`report: ${rel(output)}/index.html\n  serve it over HTTP (flightcheck report --open): file:// does not load its data`);
  }

  if (o['fail-on-budget']) {
    const failing = readScenarioRecords(results).flatMap((r) => r.budgets.filter((b) => b.outcome === 'FAIL').map((b) => `${r.test}: ${b.name} ${b.reason}`));
    if (failing.length > 0) {
      console.log(`\n${failing.length} budget${failing.length === 1 ? '' : 's'} FAIL:\n  ${failing.join('\n  ')}`);
      code = 1;
    }
  }
  if (o.open && !o['skip-generate']) {
    const allure = createRequire(import.meta.url).resolve('allure-commandline/dist/bin/allure');
    return (await run(allure, ['open', output])) || code;
  }
  return code;
}

function rel(p: string): string {
  return path.relative(process.cwd(), p) || '.';
}

function run(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit' });
    child.on('error', (err) => {
      console.error(`cannot run ${path.basename(cmd)}: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (c) => resolve(c ?? 1));
  });
}
