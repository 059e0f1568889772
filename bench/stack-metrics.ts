/**
 * What measuring the stack costs: scenario files on real PX4 SITL (native target, speed 4), with
 * the stack's CPU and memory sampled (FLIGHT_STACK_METRICS=1, the default) and without (=0),
 * alternating on/off/on/off (after one warm-up run, not counted) so a host that slows down
 * meanwhile loads both sides alike.
 *
 *   npm run bench -- stack-metrics [--pairs N] [scenario files…]
 *
 * Compares the fastest run with metrics on against the fastest without (target: within 5 %), and
 * the same for the CPU time of the run and all it started (bash `times`: the CLI, Jest, PX4). Beside
 * these, a figure the host's noise between runs cannot move: inside the runs with metrics on, the
 * time the test process spent sampling (each test's record says, `stackMetricsMs`) as a share of
 * the tests' time (target: at most 1 %). The
 * fastest, not the median: a shared host only ever adds time, and one disturbed run in a handful
 * moves a median by more than the cost measured; a cost of its own slows every run it is in. Prints one line per run, then
 * one JSON object as the last line. Needs PX4 (FLIGHT_PX4_DIR or the bundle beside the repository).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { localPx4 } from '../sitl/native/bundle.js';

const TARGET_RATIO = 1.05;
/** Sampling's own time on the test process, as a share of the tests' time. */
const SAMPLING_SHARE = 0.01;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const pairsAt = args.indexOf('--pairs');
const pairs = pairsAt >= 0 ? Number(args.splice(pairsAt, 2)[1]) : 3;
const files = args.length > 0 ? args : ['scenarios/takeoff.test.ts', 'scenarios/land-and-return.test.ts'];

const px4 = localPx4();
if (!px4.ok) {
  console.log(JSON.stringify({ bench: 'stack-metrics', skipped: `no PX4 here: ${px4.reason}` }));
  process.exit(1);
}
const px4Dir = px4.dir;

interface Run {
  metrics: boolean;
  wallS: number;
  cpuS: number;
  code: number;
  /** Over the run's tests: host ms the stack's sampling took on the test process, and the tests' own ms. */
  sampledMs: number;
  testsMs: number;
}

/** The scenario records of a run: what sampling took (stackMetricsMs) against the tests' durations. */
function samplingCost(results: string): { sampledMs: number; testsMs: number } {
  const dir = path.join(results, 'scenarios');
  let sampledMs = 0;
  let testsMs = 0;
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { durationMs: number; stackMetricsMs?: number };
    sampledMs += r.stackMetricsMs ?? 0;
    testsMs += r.durationMs;
  }
  return { sampledMs, testsMs };
}

function runOnce(metrics: boolean, i: number): Promise<Run> {
  const results = fs.mkdtempSync(path.join(os.tmpdir(), `flightcheck-bench-metrics-${i}-`));
  const cmd = `node bin/flightcheck.js run --target native --speed 4 --no-report --workers 1 --results ${results} ${files.join(' ')}; code=$?; times; exit $code`;
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn('bash', ['-c', cmd], {
      cwd: root,
      env: { ...process.env, FLIGHT_PX4_DIR: px4Dir, FLIGHT_STACK_METRICS: metrics ? '1' : '0', FLIGHT_INSTANCE_BASE: '150' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      const wallS = (performance.now() - t0) / 1000;
      // `times` prints the shell's own line, then its children's: "0m1.234s 0m0.567s".
      const lines = out.trim().split('\n');
      const children = lines[lines.length - 1]!.match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/);
      const cpuS = children ? Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4]) : Number.NaN;
      const cost = samplingCost(results);
      fs.rmSync(results, { recursive: true, force: true });
      if (code !== 0) console.log(out.slice(-2000));
      resolve({ metrics, wallS, cpuS, code: code ?? 1, ...cost });
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

// A first run fills what a change empties (the preflight's type-check, Jest's transforms): apart.
const warm = await runOnce(true, -1);
console.log(`warm-up (not counted): wall ${warm.wallS.toFixed(1)} s`);
const runs: Run[] = [];
for (let i = 0; i < 2 * pairs; i++) {
  const r = await runOnce(i % 2 === 0, i);
  runs.push(r);
  const sampled = r.metrics ? `, sampling ${r.sampledMs.toFixed(0)} ms of ${(r.testsMs / 1000).toFixed(1)} s of tests` : '';
  console.log(`metrics ${r.metrics ? 'on ' : 'off'}: wall ${r.wallS.toFixed(1)} s, CPU ${r.cpuS.toFixed(1)} s${sampled}${r.code === 0 ? '' : ` (exit ${r.code})`}`);
}
const on = runs.filter((r) => r.metrics);
const off = runs.filter((r) => !r.metrics);
const min = (xs: number[]) => Math.min(...xs);
const wallRatio = min(on.map((r) => r.wallS)) / min(off.map((r) => r.wallS));
const cpuRatio = min(on.map((r) => r.cpuS)) / min(off.map((r) => r.cpuS));
const medianRatio = median(on.map((r) => r.wallS)) / median(off.map((r) => r.wallS));
const allPassed = runs.every((r) => r.code === 0);
// Measured inside the runs with metrics on, so the host's noise between runs does not enter it:
// the share of the tests' time the test process spent sampling. Off runs must sample nothing.
const samplingShare = on.reduce((a, r) => a + r.sampledMs, 0) / on.reduce((a, r) => a + r.testsMs, 0);
const offSampled = off.reduce((a, r) => a + r.sampledMs, 0);
console.log(`fastest wall time with metrics on ÷ off: ${wallRatio.toFixed(3)} (target ≤ ${TARGET_RATIO}; medians ${medianRatio.toFixed(3)}); CPU time on ÷ off: ${cpuRatio.toFixed(3)}`);
console.log(`sampling's own time ÷ the tests' time, runs with metrics on: ${(samplingShare * 100).toFixed(3)} % (target ≤ ${SAMPLING_SHARE * 100} %)`);
console.log(
  JSON.stringify({
    bench: 'stack-metrics',
    files,
    pairs,
    warmUpS: warm.wallS,
    wallS: { on: on.map((r) => r.wallS), off: off.map((r) => r.wallS) },
    cpuS: { on: on.map((r) => r.cpuS), off: off.map((r) => r.cpuS) },
    wallRatioOnOverOff: Number(wallRatio.toFixed(4)),
    medianWallRatioOnOverOff: Number(medianRatio.toFixed(4)),
    cpuRatioOnOverOff: Number(cpuRatio.toFixed(4)),
    samplingShareOfTestTime: Number(samplingShare.toFixed(6)),
    pass: {
      'every run passed': allPassed,
      [`fastest wall time with stack metrics on within ${Math.round((TARGET_RATIO - 1) * 100)} % of the fastest off`]: wallRatio <= TARGET_RATIO,
      [`sampling's own time at most ${SAMPLING_SHARE * 100} % of the tests' time (and none with metrics off)`]: samplingShare <= SAMPLING_SHARE && offSampled === 0,
    },
  }),
);
process.exit(allPassed && wallRatio <= TARGET_RATIO && samplingShare <= SAMPLING_SHARE && offSampled === 0 ? 0 : 1);
