/**
 * Flakiness of the README's main job under CPU load: consecutive runs of the scenario suite on the
 * built-in simulator (`flightcheck run --target sim --no-report`) while a load generator keeps
 * both cores busy (one spinning thread per core), as a shared CI runner would. The load runs in
 * this session, beside the suite: the harder case (bench/lib/load.ts says why it differs).
 *
 *   npm run bench -- flake [--runs 30] [--spinners N]
 *
 * Prints each run's verdict and, for every failed scenario, the budgets that failed with their
 * numbers (from summary.json) or its error; then one JSON object as the last line with the
 * figures and `pass` (target: 0 failures in the runs made).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCpuLoad } from './lib/load.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) {
    console.error(`flake: --${name} expects a positive integer, got "${process.argv[i + 1] ?? ''}"`);
    process.exit(2);
  }
  return v;
}

const runs = arg('runs', 30);
const spinners = arg('spinners', os.availableParallelism());

interface Summary {
  passed: number;
  failed: number;
  skipped: number;
  failureMessages?: string[];
  scenarios: { file: string; scenario: string; status: string; budgets: { name: string; clock: string; outcome: string; reason: string; hostStall?: { p99Ms: number; maxMs: number } }[] }[];
}

function runSuite(results: string): Promise<{ code: number; wallS: number; output: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [path.join(root, 'bin/flightcheck.js'), 'run', '--target', 'sim', '--no-report', '--results', results], {
      cwd: root,
      env: { ...process.env, FLIGHT_INSTANCE_BASE: process.env.FLIGHT_INSTANCE_BASE ?? '340' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), wallS: (performance.now() - t0) / 1000, output }));
  });
}

/** The first lines of the failure message Jest gave a scenario that failed without a failed budget. */
function errorOf(summary: Summary, scenario: string): string {
  const m = summary.failureMessages?.find((x) => x.includes(scenario)) ?? summary.failureMessages?.[0];
  if (!m) return 'failed (no message)';
  const lines = m.split('\n').map((l) => l.trim()).filter((l) => l && !l.includes(scenario) && !l.startsWith('at '));
  return lines.slice(0, 2).join(' | ');
}

const load = startCpuLoad(spinners, { ownSession: false });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flightcheck-flake-'));
const failures: { run: number; scenario: string; what: string }[] = [];
let failedRuns = 0;
const walls: number[] = [];
const loads: number[] = [];
console.log(`flake: ${runs} runs of the sim suite with ${spinners} spinning processes (cores: ${os.availableParallelism()})`);
for (let i = 1; i <= runs; i++) {
  const results = path.join(dir, `run-${i}`);
  const r = await runSuite(results);
  walls.push(r.wallS);
  loads.push(os.loadavg()[0]!);
  let summary: Summary | null = null;
  try {
    summary = JSON.parse(fs.readFileSync(path.join(results, 'summary.json'), 'utf8')) as Summary;
  } catch {
    /* no summary: the run itself failed */
  }
  const bad = summary?.scenarios.filter((s) => s.status === 'failed') ?? [];
  const failed = r.code !== 0 || !summary || summary.failed > 0;
  if (failed) failedRuns++;
  console.log(`run ${i}/${runs}: ${failed ? 'FAILED' : 'passed'} (exit ${r.code}, ${summary ? `${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped` : 'no summary.json'}) in ${r.wallS.toFixed(1)} s, load ${os.loadavg()[0]!.toFixed(1)}`);
  if (failed && bad.length === 0) failures.push({ run: i, scenario: '(run)', what: r.output.trim().split('\n').slice(-5).join(' | ') });
  for (const s of bad) {
    const budgets = s.budgets.filter((b) => b.outcome === 'FAIL');
    const what = budgets.length > 0
      ? budgets.map((b) => `budget ${b.name} (${b.clock} clock): ${b.reason}${b.hostStall ? ` [host event loop p99 ≤ ${b.hostStall.p99Ms.toFixed(1)} ms, max ${b.hostStall.maxMs.toFixed(1)} ms]` : ''}`).join('; ')
      : errorOf(summary!, s.scenario);
    failures.push({ run: i, scenario: `${path.basename(s.file)} › ${s.scenario}`, what });
    console.log(`  ✗ ${path.basename(s.file)} › ${s.scenario}: ${what}`);
  }
  fs.rmSync(results, { recursive: true, force: true });
}
load.stop();
fs.rmSync(dir, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;
console.log(`\n${runs} runs, ${failedRuns} failed (target 0); median wall ${median(walls).toFixed(1)} s; load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
console.log(JSON.stringify({
  bench: 'flake',
  runs,
  failedRuns,
  spinners,
  cores: os.availableParallelism(),
  medianWallS: Number(median(walls).toFixed(2)),
  loadAverage: { min: Number(Math.min(...loads).toFixed(2)), max: Number(Math.max(...loads).toFixed(2)) },
  failures,
  pass: { 'failed runs of the sim suite under a load on every core = 0': failedRuns === 0 },
}));
process.exitCode = failedRuns === 0 ? 0 : 1;
