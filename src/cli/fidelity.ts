import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseCommand, UsageError } from './args.js';
import { loadTarget, parseSpeed, type SpeedFactor } from '../targets/index.js';
import { compareRuns, DEFAULT_THRESHOLDS, type Comparison, type FlightRun } from '../fidelity/compare.js';
import { flyRuns } from '../fidelity/run.js';
import { fidelityTable } from '../fidelity/table.js';
import { writeFidelityPage } from '../fidelity/page.js';
import { fidelitySummary } from '../fidelity/summary.js';

const HELP = `usage: flightcheck fidelity [options]

Flies one manoeuvre set (takeoff, hover, offboard hop, offboard loss, goto with yaw, land, a
transit and return, a battery failsafe) N times on a reference target (real PX4: native) and N
times on a candidate (the built-in simulator), and compares each phase: the times of its marks
(vehicle clock, medians), peak speeds, time-aligned traces, mode and ACK sequences. Prints a
table and, as its last line, one JSON object; writes an HTML page with both traces overlaid.
Exit 1 when a mark's median is off by more than the threshold or a sequence differs.

  --reference NAME     reference target (default native: FLIGHT_PX4_DIR or the bundle beside the repo)
  --candidate NAME     candidate target (default sim)
  --runs N             runs on each target (default 5; the thresholds need at least 5)
  --parallel N         reference runs flown at once, each its own PX4 (default: --runs)
  --reference-speed S  speed factor of the reference (default 1: PX4's timing is the oracle at 1)
  --candidate-speed S  speed factor of the candidate (default max)
  --instance N         first instance index (default 100; the candidate uses N + 50)
  --threshold P        allowed difference of a median, percent (default 15)
  --out DIR            where the page and the JSON go (default flight-results/fidelity)
  --seed N             first seed (default 1)
  --known-gaps FILE    a JSON object of differences the candidate admits, "phase › mark" (or
                       "phase › modes" / "phase › acks") to why: shown as KNOWN GAP, not failed
  --candidate-param NAME=VALUE
                       a parameter set on the candidate only (repeatable): what a calibration would change`;

const Args = z.object({
  reference: z.string().min(1).default('native'),
  candidate: z.string().min(1).default('sim'),
  runs: z.coerce.number().int().min(1).max(50).default(5),
  parallel: z.coerce.number().int().min(1).max(16).optional(),
  'reference-speed': z.string().default('1'),
  'candidate-speed': z.string().default('max'),
  instance: z.coerce.number().int().min(0).max(200).default(100),
  threshold: z.coerce.number().positive().max(100).default(DEFAULT_THRESHOLDS.durationShare * 100),
  out: z.string().min(1).default(path.join('flight-results', 'fidelity')),
  seed: z.coerce.number().int().min(0).default(1),
  'candidate-param': z.array(z.string().regex(/^[A-Z][A-Z0-9_]{0,15}=-?[0-9.eE+-]+$/, 'expected NAME=NUMBER, e.g. MPC_TKO_SPEED=1.2')).default([]),
  'known-gaps': z.string().min(1).optional(),
  help: z.boolean().optional(),
});

const KnownGaps = z.record(z.string().regex(/^.+ › .+$/, 'expected a key "phase › mark"'), z.string().min(1, 'say why'));

/** Reads a known-gaps file; any problem is one line naming the file, before anything flies. */
export function readKnownGaps(file: string): Record<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--known-gaps ${file}: ${(err as Error).message}`);
  }
  const r = KnownGaps.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new UsageError(`--known-gaps ${file}: ${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}`);
  }
  return r.data;
}

/** Its flags, as parseArgs takes them (the workflow test checks CI's invocations against them). */
export const FIDELITY_OPTIONS = {
  reference: { type: 'string' }, candidate: { type: 'string' }, runs: { type: 'string' }, parallel: { type: 'string' },
  'reference-speed': { type: 'string' }, 'candidate-speed': { type: 'string' }, instance: { type: 'string' },
  threshold: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' }, 'candidate-param': { type: 'string', multiple: true }, 'known-gaps': { type: 'string' },
  help: { type: 'boolean' },
} as const;

export async function fidelityCommand(argv: string[]): Promise<number> {
  const { values: a } = parseCommand(argv, FIDELITY_OPTIONS, Args);
  if (a.help) {
    console.log(HELP);
    return 0;
  }
  const cmp = await runFidelity({
    reference: a.reference, candidate: a.candidate, runs: a.runs, parallel: a.parallel ?? a.runs,
    referenceSpeed: parseSpeed(a['reference-speed'], 1), candidateSpeed: parseSpeed(a['candidate-speed'], 'max'), instance: a.instance,
    threshold: a.threshold / 100, out: path.resolve(a.out), seed: a.seed,
    ...(a['known-gaps'] !== undefined && { knownGaps: readKnownGaps(a['known-gaps']) }),
    candidateParams: Object.fromEntries(a['candidate-param'].map((kv) => [kv.split('=')[0]!, Number(kv.split('=')[1])])),
  });
  return cmp.failures.length === 0 ? 0 : 1;
}

export interface FidelityOptions {
  reference: string;
  candidate: string;
  runs: number;
  parallel: number;
  referenceSpeed: SpeedFactor;
  candidateSpeed: SpeedFactor;
  instance: number;
  threshold: number;
  out: string;
  seed: number;
  candidateParams?: Record<string, number>;
  knownGaps?: Record<string, string>;
}

/** Flies both sides, prints the table and the JSON line, writes the page; returns the comparison. */
export async function runFidelity(o: FidelityOptions): Promise<Comparison> {
  // The native target runs the built-in simulator as a process when it has no PX4: as the
  // reference that would compare the simulator with itself. Ask it for PX4.
  if (o.reference === 'native' && !process.env.FLIGHT_NATIVE) process.env.FLIGHT_NATIVE = 'px4';
  // Both targets must be able to run here before anything flies: a missing PX4 is named, not
  // discovered run by run.
  for (const name of [o.reference, o.candidate]) {
    const caps = await (await loadTarget(name)).capabilities().catch((err: Error) => err);
    if (caps instanceof Error) throw new UsageError(`target ${name} cannot run here: ${caps.message}`);
  }
  fs.mkdirSync(o.out, { recursive: true });
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  try {
    const started = Date.now();
    const progress = (side: string) => (run: number, what: string) => {
      if (what === 'failed' || what === 'done') console.error(`  ${side} run ${run}: ${what} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    };
    console.error(`fidelity: ${o.runs} runs of the manoeuvre set on ${o.reference} (speed ${o.referenceSpeed}, ${o.parallel} at once) and on ${o.candidate} (speed ${o.candidateSpeed})`);
    const common = { runs: o.runs, seed: o.seed, artifactsDir: path.join(o.out, 'runs'), signal: abort.signal };
    const reference = await flyRuns({ ...common, target: o.reference, parallel: o.parallel, speed: o.referenceSpeed, instance: o.instance, onProgress: progress(o.reference) });
    const candidate = await flyRuns({ ...common, target: o.candidate, parallel: 1, speed: o.candidateSpeed, instance: o.instance + 50, params: o.candidateParams ?? {}, onProgress: progress(o.candidate) });
    const cmp = compareRuns(reference, candidate, { ...DEFAULT_THRESHOLDS, durationShare: o.threshold, ...(o.knownGaps && { knownGaps: o.knownGaps }) });
    writeRuns(path.join(o.out, 'runs.json'), reference, candidate);
    const page = await writeFidelityPage(path.join(o.out, 'index.html'), cmp, reference, candidate);
    console.log(fidelityTable(cmp));
    console.log(`page: ${page}`);
    for (const f of cmp.failures) console.log(`FAIL ${f}`);
    if (cmp.failures.length === 0) console.log(`PASS: ${cmp.candidate} within the allowances of ${cmp.reference}${cmp.closedGaps.length + Object.keys(o.knownGaps ?? {}).length > 0 ? ', known gaps aside' : ''}`);
    console.log(JSON.stringify(fidelitySummary(cmp)));
    return cmp;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

/** Every run as recorded, for a later look (and to draw the page again). */
function writeRuns(file: string, reference: FlightRun[], candidate: FlightRun[]): void {
  fs.writeFileSync(file, JSON.stringify({ reference, candidate }));
}
