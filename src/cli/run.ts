import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { preflightRun } from './preflight/index.js';
import { effectiveSpeed, gitCommit } from './run-info.js';
import { listenProgress } from './progress.js';
import { ProgressDisplay } from './progress-display.js';
import type { JestResults } from './summary.js';
import { groupFailures } from './failure-groups.js';
import { journalFile, readJournal, resultsFromJournal, withDeadWorkerTests } from './journal.js';
import { recordUnfinished } from './unfinished-records.js';
import { SIGNAL_EXIT, startJest, JOURNAL_REPORTER } from './supervise.js';
import { finalizeRecordings, keepUnfinished } from '../report/unfinished.js';
import { resultsDir } from '../report/results.js';
import { encodeRunSettings, runSettings, withoutRunSettings } from '../config/run-settings.js';
import { resetAllureResults } from '../report/allure-run.js';
import { usedPlugins, type RunSelection } from '../plugins.js';
import { projectConfig, type LoadedConfig } from '../config/project.js';

/** The flags `flightcheck run` accepts (the workflow test checks CI files against them). */
export const RUN_OPTIONS = {
  target: { type: 'string' }, speed: { type: 'string' }, seed: { type: 'string' }, shard: { type: 'string' },
  json: { type: 'string' }, results: { type: 'string' }, rig: { type: 'string' }, rack: { type: 'string' }, workers: { type: 'string' },
  'no-report': { type: 'boolean' }, 'allow-all-skipped': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

const Options = z.object({
  target: z.string().default(() => runSettings().target ?? 'sim'),
  speed: z
    .string()
    .refine((s) => s === 'max' || (/^\d+(\.\d+)?$/.test(s) && Number(s) > 0), 'expected a positive number (1 = real time) or "max"')
    .optional(),
  seed: z.string().regex(/^\d+$/, 'expected a non-negative integer').optional(),
  shard: z.string().regex(/^\d+\/\d+$/, 'expected i/n, e.g. 1/4').optional(),
  json: z.string().optional(),
  results: z.string().optional(),
  rig: z.string().optional(),
  rack: z.string().optional(),
  workers: z.string().regex(/^[1-9]\d*$/, 'expected a whole number of Jest workers, at least 1').optional(),
  'no-report': z.boolean().optional(),
  'allow-all-skipped': z.boolean().optional(),
  help: z.boolean().optional(),
});

const HELP = `usage: flightcheck run [scenario patterns…] [options]

  --target NAME    sim (default), native, containers, hil (or FLIGHT_TARGET)
  --speed S        speed factor: 1 = real time, 10, … or max (sim targets; or FLIGHT_SPEED)
  --seed N         simulator seed (or FLIGHT_SEED)
  --shard i/n      run the i-th of n shards of the suite (a CI matrix)
  --json FILE      write a machine-readable summary: per scenario its status, duration and budgets
  --results DIR    where results go (default flight-results, or FLIGHT_RESULTS_DIR)
  --rig FILE       hil: one rig file;  --rack FILE  hil: a rack file (one rig per worker)
  --workers N      scenario files flown at once (default: Jest's, at least 2 on the sim target)
  --no-report      skip building the Allure HTML report (it needs Java)
  --allow-all-skipped  exit 0 when every scenario was skipped (by default that run fails: nothing was checked)`;

export async function runCommand(argv: string[]): Promise<number> {
  // A signal before Jest starts (the checks can take seconds on a cold cache) stops the run there:
  // nothing has flown, and the summary says so.
  let early: NodeJS.Signals | null = null;
  const onEarly = (sig: NodeJS.Signals) => void (early ??= sig);
  const earlySignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const sig of earlySignals) process.on(sig, onEarly);
  try {
    return await runChecked(argv, () => early);
  } finally {
    for (const sig of earlySignals) process.off(sig, onEarly);
  }
}

async function runChecked(argv: string[], earlySignal: () => NodeJS.Signals | null): Promise<number> {
  // The project's config (flightcheck.config.ts) gives the defaults the command line leaves open.
  const project = await projectConfig();
  // Options, rig files, scenario paths, budgets and types: every error at once, before Jest starts.
  const { values: o, positionals } = await preflightRun(withConfigDefaults(argv, project), RUN_OPTIONS, Options, project.config.scenarios);
  if (o.help) {
    console.log(HELP);
    return 0;
  }

  const startedAt = new Date().toISOString();
  const results = path.resolve(o.results ?? resultsDir());
  // What a dead run left unfinished is kept (moved aside, its recordings finalized), never deleted.
  const kept = keepUnfinished(results);
  if (kept) console.log(`flightcheck: an earlier run did not finish: its records and recordings (${await finalizeRecordings(kept)} MCAP finalized) are kept in ${path.relative(process.cwd(), kept) || kept}`);
  // A fresh run starts from empty scenario records and Allure results (the report keeps its
  // history); shards write to their own directories. An older run's Jest results and journal go
  // too: they must never be read as this run's.
  for (const dir of ['scenarios', 'recordings']) fs.rmSync(path.join(results, dir), { recursive: true, force: true });
  resetAllureResults(results);
  fs.mkdirSync(results, { recursive: true });
  const jestJson = path.join(results, 'jest-results.json');
  const journal = journalFile(results);
  for (const stale of [jestJson, journal, path.join(results, 'summary.json')]) fs.rmSync(stale, { force: true });

  const display = new ProgressDisplay(process.stdout.isTTY === true);
  const progress = await listenProgress((e) => display.update(e));

  const require = createRequire(import.meta.url);
  const jestBin = require.resolve('jest/bin/jest');
  const patterns = positionals.length > 0 ? positionals : project.config.scenarios;
  const rackRigs = await pluginWorkers({ target: o.target, ...(o.rack ? { rack: o.rack } : {}), ...(o.rig ? { rig: o.rig } : {}) });
  const workers = jestWorkers({ target: o.target, cores: os.availableParallelism(), workers: o.workers ? Number(o.workers) : null, rackRigs });
  const args = [
    // Jest's ESM support is "experimental" to Node: said once here, not on every run's screen or log.
    '--experimental-vm-modules', '--disable-warning=ExperimentalWarning', jestBin,
    '--testPathPatterns', ...patterns,
    '--json', `--outputFile=${jestJson}`,
    '--reporters=default', `--reporters=${JOURNAL_REPORTER}`,
    ...(o.shard ? [`--shard=${o.shard}`] : []),
    ...(workers ? [`--maxWorkers=${workers}`] : []),
  ];
  // Everything the workers and the reporter need of this run, as one checked value (the FLIGHT_*
  // variables the user set are folded in here; the workers read only this).
  const fromEnv = runSettings(withoutRunSettings(process.env));
  const rig = o.rig ?? fromEnv.rig;
  const rack = o.rack ?? fromEnv.rack;
  // An absent setting stays absent (the check drops undefined fields).
  const env = {
    ...withoutRunSettings(process.env),
    ...encodeRunSettings({
      target: o.target,
      resultsDir: results,
      progressPort: progress.port,
      journal,
      // The workers read the same config (its plugins bring the project's own targets).
      config: project.file ?? undefined,
      speed: o.speed ?? fromEnv.speed,
      seed: o.seed !== undefined ? Number(o.seed) : fromEnv.seed,
      rig: rig && path.resolve(rig),
      rack: rack && path.resolve(rack),
      // Two shards on one machine must not share PX4 instances (ports, /tmp/px4_lock-N): each
      // shard's block follows the blocks of the shards before it, after FLIGHT_INSTANCE_BASE.
      instanceBase: fromEnv.instanceBase + (o.shard ? shardInstanceBase(o.shard, workers ?? os.availableParallelism()) : 0),
    }),
  };
  console.log(`flightcheck: running ${patterns.join(' ')} on target ${o.target}${o.speed ? ` at speed ${o.speed}` : ''}${o.shard ? ` (shard ${o.shard})` : ''}`);

  // Read when the summary is built (git is not asked before Jest starts).
  const meta = () => ({ target: o.target, speed: effectiveSpeed(o.target, o.speed), shard: o.shard ?? null, startedAt, ...gitCommit() });
  const stoppedEarly = earlySignal();
  if (stoppedEarly) {
    progress.close();
    display.end();
    const { buildSummary, formatSummary } = await import('./summary.js');
    const summary = buildSummary(null, results, { ...meta(), interruptedBy: stoppedEarly });
    console.log(`${formatSummary(summary)}\n\nstopped by ${stoppedEarly} before Jest started: nothing flew`);
    writeSummary(summary, results, o.json);
    return SIGNAL_EXIT[stoppedEarly] ?? 1;
  }

  const logFile = path.join(results, 'jest-output.log');
  const log = fs.openSync(logFile, 'w');
  const { code, interruptedBy } = await startJest(args, env, log).ended;
  fs.closeSync(log);
  progress.close();
  display.end();

  let jest: JestResults | null = null;
  try {
    jest = interruptedBy ? null : (JSON.parse(fs.readFileSync(jestJson, 'utf8')) as JestResults);
  } catch {
    jest = null;
  }
  // Loaded only now: Jest starts sooner.
  const { buildSummary, formatSummary } = await import('./summary.js');
  const entries = readJournal(journal);
  // Without Jest's results (stopped, or Jest died) the journal says what finished and what was cut off.
  const stoppedBy = interruptedBy ?? (jest === null && entries.length > 0 ? `Jest exited (code ${code}) without results` : null);
  const verdicts = jest ? withDeadWorkerTests(jest, entries) : stoppedBy ? resultsFromJournal(entries, `the run was stopped (${stoppedBy})`) : null;
  const summary = buildSummary(verdicts, results, { ...meta(), interruptedBy: stoppedBy });
  recordUnfinished(summary, results);
  console.log(formatSummary(summary));
  const result = allSkipped(summary) && !o['allow-all-skipped'] && code === 0 ? ALL_SKIPPED_EXIT : code;
  if (result === ALL_SKIPPED_EXIT) console.log(`\nevery scenario was skipped: nothing was checked on target ${o.target} (the skip reasons are above; --allow-all-skipped accepts such a run)`);
  if (code !== 0) {
    const failures = groupFailures(summary.failureMessages).slice(0, 10);
    for (const f of failures) console.log(`\n${f}`);
    if (!jest || summary.scenarios.length === 0) console.log(`\nJest output: ${logFile}\n${tail(logFile, 40)}`);
  }
  writeSummary(summary, results, o.json);
  console.log(`\nresults: ${path.relative(process.cwd(), results) || '.'}/  (summary.json, scenarios/, recordings/)`);
  if (!o['no-report'] && jest && !interruptedBy) await buildReport(results);
  return result;
}

/** summary.json in the results, and a copy where --json asks for one. */
function writeSummary(summary: object, results: string, json: string | undefined): void {
  const text = JSON.stringify(summary, null, 2);
  fs.writeFileSync(path.join(results, 'summary.json'), text);
  if (json) {
    fs.mkdirSync(path.dirname(path.resolve(json)), { recursive: true });
    fs.writeFileSync(json, text);
  }
}

/** The exit code of a run in which every scenario was skipped. */
export const ALL_SKIPPED_EXIT = 3;

/** A run that checked nothing: scenarios there were, and none passed or failed. */
export function allSkipped(s: { passed: number; failed: number; skipped: number }): boolean {
  return s.passed === 0 && s.failed === 0 && s.skipped > 0;
}

/**
 * How many scenario files Jest flies at once; null leaves it to Jest (cores − 1). A rack flies one
 * rig per worker. On the sim target every file's simulator and plot renderer run on threads of
 * their own, and a file's test thread waits on them in turn (lockstep, rendering), so two files
 * share even a 2-core machine well, where Jest alone would run one at a time.
 */
export function jestWorkers(o: { target: string; cores: number; workers: number | null; rackRigs: number | null }): number | null {
  if (o.workers !== null) return o.workers;
  if (o.rackRigs !== null) return o.rackRigs;
  if (o.target === 'sim') return Math.max(2, o.cores - 1);
  return null;
}

/**
 * The command line with the config's defaults where it gives none: `--target` (unless
 * FLIGHT_TARGET says) and `--results` (unless FLIGHT_RESULTS_DIR says; relative to the config).
 */
export function withConfigDefaults(argv: string[], { file, config }: LoadedConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  const has = (flag: string) => argv.some((a) => a === flag || a.startsWith(`${flag}=`));
  const out = [...argv];
  const given = runSettings(env);
  if (config.target && !has('--target') && !given.target) out.push('--target', config.target);
  if (config.results && !has('--results') && !given.resultsDir) out.push('--results', path.resolve(file ? path.dirname(file) : '.', config.results));
  return out;
}

/** The workers a plugin asks for on this run (the hil plugin: one per rig of the rack), or null. */
async function pluginWorkers(o: RunSelection): Promise<number | null> {
  for (const p of usedPlugins()) {
    const n = await p.workers?.(o);
    if (n !== null && n !== undefined) return n;
  }
  return null;
}

/**
 * The first instance index of shard i/n: each Jest worker takes a block of 8 instances
 * (fixtures/instances.ts), so shard i starts after the blocks of the shards before it.
 */
export function shardInstanceBase(shard: string, workers: number): number {
  const i = Number(shard.split('/')[0]);
  return (i - 1) * 8 * Math.max(1, workers);
}

/** The Allure HTML, when Java is there to build it; its absence is said, not an error. */
async function buildReport(results: string): Promise<void> {
  const [{ probe }, { reportCommand }] = await Promise.all([import('./doctor.js'), import('./report.js')]);
  if (probe('java', ['-version']) === null) {
    console.log('report: skipped — allure-commandline needs Java (apt-get install default-jre-headless); `flightcheck report` builds it later');
    return;
  }
  const code = await reportCommand(['--results', results]);
  if (code !== 0) console.log(`report: allure generate exited ${code}`);
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
