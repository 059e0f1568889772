/**
 * Wall time of the whole scenario suite on the built-in simulator at speed 'max', and where it goes.
 *
 *   npm run bench -- suite [--skip-probes] [--skip-px4]
 *
 * 1. Runs `flightcheck run --target sim --speed max --no-report` (instances from 140, results in
 *    a temp dir; as many scenario files at once as `run` flies by default) four times: the first
 *    fills the caches a change empties (the preflight's type-check, Jest's transforms) and is
 *    shown apart; the median of the other three is the suite's wall time, judged against the
 *    target. Then times `flightcheck report` on that run's results separately (charts drawn, the
 *    Allure HTML built by Java). Jest's own JSON gives each file's span
 *    and its tests' durations, the telemetry recordings give the vehicle time each file simulated.
 * 2. Runs probe files through the same Jest config, one after another (7 of each): empty (Jest
 *    environment + runtime per file), imports (+ loading the fixture, target and vehicle modules),
 *    stack (+ bringing a sim stack up and down, and measuring the simulator's real-time factor
 *    inside Jest with and without a client attached).
 * 3. Splits the files' summed time (several run at once, so it exceeds the wall time): per-file
 *    environment, module loading, stack up/down, simulation (vehicle seconds ÷ the in-Jest
 *    real-time factor), the client's decoding, and the rest (recording, reports, host-paced waits);
 *    the share outside the simulator is 1 − simulation ÷ the files' summed time.
 *
 * 4. Runs the same suite on real PX4 SITL (the native target, FLIGHT_PX4_DIR or the bundle beside
 *    the repository) at PX4_SPEED, once (it lasts minutes), and compares its wall time with the
 *    sim's median: the sim must be at least 20× faster.
 *
 * Prints human-readable lines, then one JSON object as the last line.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { localPx4 } from '../sitl/native/bundle.js';

export const TARGET_WALL_S = 10;
/** The sim must be at least this many times faster than real PX4 for the same suite. */
export const TARGET_SIM_OVER_PX4 = 20;
/** The speed factor the suite holds on real PX4 SITL on a 2-core machine (the CI gate's; README says why). */
export const PX4_SPEED = Number(process.env.FLIGHT_PX4_SPEED ?? 4);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PROBE_FILES = 7;
/** Timed runs of the suite on the simulator (after the first); the median is its wall time. */
const SUITE_RUNS = 3;
const RTF_WINDOW_MS = 400;

interface JestFile {
  name: string;
  startTime: number;
  endTime: number;
  assertionResults: { title: string; duration?: number | null; status: string }[];
}
interface JestJson {
  startTime: number;
  numFailedTests: number;
  numPassedTests: number;
  testResults: JestFile[];
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; wallMs: number; spawnedAt: number; output: string }> {
  return new Promise((resolve) => {
    const spawnedAt = Date.now();
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), wallMs: performance.now() - t0, spawnedAt, output }));
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const s2 = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/**
 * Vehicle seconds each scenario file simulated, from the per-test CSV recordings (first column
 * vehicle_ms; a file's world keeps its clock across tests), and the bytes of MCAP recordings written.
 */
function vehicleSecondsByFile(results: string): Map<string, { vehicleS: number; vehicles: number; recordedBytes: number }> {
  const dir = path.join(results, 'recordings');
  const out = new Map<string, { recordedBytes: number; maxByDrone: Map<string, number> }>();
  if (!fs.existsSync(dir)) return new Map();
  for (const f of fs.readdirSync(dir)) {
    const file = f.split('--')[0]!;
    const e = out.get(file) ?? { recordedBytes: 0, maxByDrone: new Map<string, number>() };
    out.set(file, e);
    if (f.endsWith('.mcap')) e.recordedBytes += fs.statSync(path.join(dir, f)).size;
    if (!f.endsWith('.csv')) continue;
    const drone = f.replace(/\.csv$/, '').split('--').pop()!;
    let max = e.maxByDrone.get(drone) ?? 0;
    for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n').slice(1)) {
      const v = Number(line.slice(0, line.indexOf(',')));
      if (v > max) max = v;
    }
    e.maxByDrone.set(drone, max);
  }
  return new Map(
    [...out].map(([file, e]) => {
      const spans = [...e.maxByDrone.values()];
      // One world steps all its vehicles together: cost ∝ vehicles × the world's vehicle time.
      const vehicleS = spans.length === 0 ? 0 : (Math.max(...spans) / 1000) * spans.length;
      return [file, { vehicleS, vehicles: spans.length, recordedBytes: e.recordedBytes }];
    }),
  );
}

function probeSources(kind: 'empty' | 'imports' | 'stack', k: number, outFile: string): string {
  const imp = (p: string) => JSON.stringify(path.join(root, p));
  if (kind === 'empty') return `import { test } from '@jest/globals';\ntest('noop ${k}', () => {});\n`;
  const imports = `import { test } from '@jest/globals';
import fs from 'node:fs';
import { useFlight } from ${imp('fixtures/index.ts')};
import { simTarget } from ${imp('sitl/sim/target.ts')};
import { startSim } from ${imp('sitl/sim/index.ts')};
void useFlight; void fs; void startSim;
`;
  if (kind === 'imports') return `${imports}test('imports ${k}', () => { if (typeof simTarget.up !== 'function') throw new Error('no target'); });\n`;
  return `${imports}
const rtfOver = async (timeUs: () => number, ms: number) => {
  const t0 = performance.now(); const v0 = timeUs();
  await new Promise((r) => setTimeout(r, ms));
  return (timeUs() - v0) / 1000 / (performance.now() - t0);
};
test('stack ${k}', async () => {
  const t0 = performance.now();
  const stack = await simTarget.up({ vehicles: 1, speed: 'max', seed: 1, instance: ${150 + k}, params: {}, artifactsDir: ${JSON.stringify(os.tmpdir())}, heartbeatTimeoutMs: 10000 });
  const upMs = performance.now() - t0;
  // The simulator runs on its worker thread in lockstep with the client: time as the client sees it.
  const telemetry = stack.vehicles[0]!.telemetry;
  const withClient = await rtfOver(() => (telemetry.vehicleTimeMs ?? 0) * 1000, ${RTF_WINDOW_MS});
  const t1 = performance.now();
  await stack.down();
  const downMs = performance.now() - t1;
  const bare = await startSim({ instance: ${160 + k}, speed: 'max', camera: false });
  const noClient = await rtfOver(() => bare.timeUs, ${RTF_WINDOW_MS});
  await bare.close();
  fs.appendFileSync(${JSON.stringify(outFile)}, JSON.stringify({ upMs, downMs, withClient, noClient }) + '\\n');
});
`;
}

interface ProbeRun {
  kind: string;
  wallMs: number;
  startupMs: number;
  fileMs: number[];
  extra: { upMs: number; downMs: number; withClient: number; noClient: number }[];
}

async function runProbes(kind: 'empty' | 'imports' | 'stack'): Promise<ProbeRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fc-suite-probe-${kind}-`));
  const outFile = path.join(dir, 'probe-out.jsonl');
  const json = path.join(dir, 'jest.json');
  try {
    // Jest picks ESM by the nearest package.json, as for the project's own files.
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    for (let k = 0; k < PROBE_FILES; k++) fs.writeFileSync(path.join(dir, `p${k}.probe.ts`), probeSources(kind, k, outFile));
    const jestBin = createRequire(import.meta.url).resolve('jest/bin/jest');
    const r = await run(process.execPath, ['--experimental-vm-modules', jestBin, '--roots', dir, '--testMatch', '**/*.probe.ts', '--json', `--outputFile=${json}`], {
      ...process.env,
      FLIGHT_RESULTS_DIR: path.join(dir, 'results'),
    });
    if (r.code !== 0 || !fs.existsSync(json)) throw new Error(`${kind} probes failed (exit ${r.code}):\n${r.output.slice(-3000)}`);
    const j = JSON.parse(fs.readFileSync(json, 'utf8')) as JestJson;
    const files = [...j.testResults].sort((a, b) => a.startTime - b.startTime);
    const extra = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ProbeRun['extra'][number]) : [];
    return { kind, wallMs: r.wallMs, startupMs: files[0]!.startTime - r.spawnedAt, fileMs: files.map((f) => f.endTime - f.startTime), extra };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Assigns each file to the first lane (Jest worker) free when it started. */
function lanes(files: { start: number; end: number }[]): number[] {
  const laneEnds: number[] = [];
  return files.map((f) => {
    let lane = laneEnds.findIndex((end) => end <= f.start + 50);
    if (lane < 0) lane = laneEnds.push(0) - 1;
    laneEnds[lane] = f.end;
    return lane;
  });
}

async function main(): Promise<void> {
  const skipProbes = process.argv.includes('--skip-probes');
  const skipPx4 = process.argv.includes('--skip-px4');
  const bad = process.argv.slice(2).filter((a) => a !== '--skip-probes' && a !== '--skip-px4');
  if (bad.length > 0) {
    console.error(`suite bench: unknown argument "${bad[0]}" (usage: [--skip-probes] [--skip-px4])`);
    process.exit(2);
  }
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-suite-bench-'));
  try {
    // ---- the suite itself, then the report from its results
    const env = { ...process.env, FLIGHT_INSTANCE_BASE: '140' };
    const suiteArgs = (dir: string) => ['bin/flightcheck.js', 'run', '--target', 'sim', '--speed', 'max', '--no-report', '--results', dir];
    // The first run after a change also type-checks the scenario files (the preflight) and
    // transforms the changed sources; both are cached by content. It is timed and shown. Then
    // SUITE_RUNS more: a run lasts seconds, so one burst of load on a shared machine would move
    // it by a large share; the median run is the suite's wall time (its results are the ones read).
    const first = await run(process.execPath, suiteArgs(path.join(top, 'first')), env);
    const runs: { wallMs: number; code: number; spawnedAt: number; output: string; dir: string }[] = [];
    for (let i = 0; i < SUITE_RUNS; i++) {
      const dir = path.join(top, `run-${i + 1}`);
      runs.push({ ...(await run(process.execPath, suiteArgs(dir), env)), dir });
    }
    const suite = [...runs].sort((a, b) => a.wallMs - b.wallMs)[runs.length >> 1]!;
    const results = suite.dir;
    const jestPath = path.join(results, 'jest-results.json');
    if (!fs.existsSync(jestPath)) throw new Error(`the suite produced no Jest results (exit ${suite.code}):\n${suite.output.slice(-3000)}`);
    const report = await run(process.execPath, ['bin/flightcheck.js', 'report', '--results', results], env);
    const jest = JSON.parse(fs.readFileSync(jestPath, 'utf8')) as JestJson;
    const files = [...jest.testResults].filter((f) => f.endTime > f.startTime).sort((a, b) => a.startTime - b.startTime);
    const lane = lanes(files.map((f) => ({ start: f.startTime, end: f.endTime })));
    const vehicle = vehicleSecondsByFile(results);
    const t0 = files[0]!.startTime;
    const perFile = files.map((f, i) => {
      const name = path.basename(f.name).replace(/\.test\.ts$/, '');
      const testsMs = sum(f.assertionResults.map((a) => a.duration ?? 0));
      return {
        file: name, worker: lane[i]! + 1, startS: Number(((f.startTime - t0) / 1000).toFixed(2)), fileMs: f.endTime - f.startTime, testsMs,
        vehicleS: vehicle.get(name)?.vehicleS ?? 0, recordedMB: Number(((vehicle.get(name)?.recordedBytes ?? 0) / 2 ** 20).toFixed(2)),
      };
    });
    const workers = Math.max(...lane) + 1;
    const startupMs = t0 - suite.spawnedAt;
    const filesMs = sum(perFile.map((f) => f.fileMs));
    const testsMs = sum(perFile.map((f) => f.testsMs));
    const vehicleS = sum(perFile.map((f) => f.vehicleS));
    const afterMs = suite.wallMs - startupMs - (Math.max(...files.map((f) => f.endTime)) - t0);
    const longest = perFile.reduce((a, b) => (b.fileMs > a.fileMs ? b : a));

    console.log(`suite: ${s2(suite.wallMs)} wall, the median of ${runs.map((r) => s2(r.wallMs)).join(', ')} (target < ${TARGET_WALL_S} s), exit ${suite.code}, ${jest.numPassedTests} passed / ${jest.numFailedTests} failed, ${files.length} files on ${workers} Jest worker(s)`);
    console.log(`  start-up (spawn → first file): ${s2(startupMs)}; files: ${s2(filesMs)} summed (test bodies ${s2(testsMs)}); after the last file (summary): ${s2(afterMs)}`);
    console.log(`  longest file: ${longest.file}, ${s2(longest.fileMs)}`);
    for (const f of perFile) {
      console.log(`  w${f.worker} +${f.startS.toFixed(2).padStart(5)} s  ${f.file.padEnd(16)} file ${s2(f.fileMs)}  tests ${s2(f.testsMs)}  outside tests ${s2(f.fileMs - f.testsMs)}  vehicle ${f.vehicleS.toFixed(1)} s  MCAP ${f.recordedMB.toFixed(1)} MB`);
    }
    console.log(`first run (cold caches: preflight type-check, source transforms): ${s2(first.wallMs)}, exit ${first.code}`);
    console.log(`report (flightcheck report: charts drawn, then the Allure HTML by Java): ${s2(report.wallMs)}, exit ${report.code}; suite + report ${s2(suite.wallMs + report.wallMs)}`);

    // ---- probes
    const probes: Record<string, ProbeRun> = {};
    let breakdown: Record<string, number> | null = null;
    let rtfInJest: { withClient: number; noClient: number } | null = null;
    if (!skipProbes) {
      for (const kind of ['empty', 'imports', 'stack'] as const) probes[kind] = await runProbes(kind);
      const empty = median(probes.empty!.fileMs);
      const imports = median(probes.imports!.fileMs);
      const stack = median(probes.stack!.fileMs) - 2 * RTF_WINDOW_MS;
      const ex = probes.stack!.extra;
      rtfInJest = { withClient: median(ex.map((e) => e.withClient)), noClient: median(ex.map((e) => e.noClient)) };
      for (const p of Object.values(probes)) {
        console.log(`probe ${p.kind.padEnd(7)}: ${PROBE_FILES} files in ${s2(p.wallMs)} (start-up ${s2(p.startupMs)}, per file median ${s2(median(p.fileMs))}, first file ${s2(p.fileMs[0]!)})`);
      }
      console.log(`  stack up ${Math.round(median(ex.map((e) => e.upMs)))} ms, down ${Math.round(median(ex.map((e) => e.downMs)))} ms; in Jest at max: ${rtfInJest.withClient.toFixed(0)}× with a client, ${rtfInJest.noClient.toFixed(0)}× without`);
      // Each worker's first file pays the cold costs (module graph, JIT, the simulator thread's
      // first load); later files pay the per-file ones.
      const n = files.length;
      const first = (p: ProbeRun) => p.fileMs[0]!;
      const cold = Math.min(workers, n);
      const envMs = cold * first(probes.empty!) + (n - cold) * empty;
      const modulesMs = cold * Math.max(0, first(probes.imports!) - first(probes.empty!)) + (n - cold) * Math.max(0, imports - empty);
      const stackMs = cold * Math.max(0, first(probes.stack!) - 2 * RTF_WINDOW_MS - first(probes.imports!)) + (n - cold) * Math.max(0, stack - imports);
      // Stepping the simulator and encoding its streams (no client), then the client's share on top.
      const simMs = (vehicleS / rtfInJest.noClient) * 1000;
      const clientMs = Math.max(0, (vehicleS / rtfInJest.withClient) * 1000 - simMs);
      const restMs = Math.max(0, filesMs - envMs - modulesMs - stackMs - simMs - clientMs);
      breakdown = { envMs, modulesMs, stackMs, simMs, clientMs, restMs };
      const pct = (ms: number) => `${((100 * ms) / filesMs).toFixed(0)} %`;
      console.log(`where the files' ${s2(filesMs)} go (estimates from the probes):`);
      console.log(`  per-file environment (${n} files)        ${s2(envMs).padStart(8)}  ${pct(envMs)}`);
      console.log(`  module loading                         ${s2(modulesMs).padStart(8)}  ${pct(modulesMs)}`);
      console.log(`  stack up/down                          ${s2(stackMs).padStart(8)}  ${pct(stackMs)}`);
      console.log(`  simulation (${vehicleS.toFixed(0)} vehicle-s ÷ ${rtfInJest.noClient.toFixed(0)}×)        ${s2(simMs).padStart(8)}  ${pct(simMs)}`);
      console.log(`  client decode + telemetry (at max)     ${s2(clientMs).padStart(8)}  ${pct(clientMs)}`);
      console.log(`  rest: recording, reports, host-paced   ${s2(restMs).padStart(8)}  ${pct(restMs)}`);
      console.log(`outside the simulator: ${(100 * (1 - simMs / filesMs)).toFixed(0)} % of the files' time`);
    }
    // ---- the same suite on real PX4 SITL (native target) at the speed it holds here
    let px4: { wallS: number; speed: number; exitCode: number; passed: number; failed: number; skipped: number; simFasterBy: number } | { unavailable: string } | null = null;
    if (!skipPx4) {
      const found = localPx4();
      if (!found.ok) px4 = { unavailable: found.reason };
      else {
        const px4Results = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-suite-bench-px4-'));
        try {
          const r = await run(process.execPath, ['bin/flightcheck.js', 'run', '--target', 'native', '--speed', String(PX4_SPEED), '--no-report', '--results', px4Results], { ...env, FLIGHT_PX4_DIR: found.dir });
          const sum_ = JSON.parse(fs.readFileSync(path.join(px4Results, 'summary.json'), 'utf8')) as { passed: number; failed: number; skipped: number };
          px4 = { wallS: Number((r.wallMs / 1000).toFixed(2)), speed: PX4_SPEED, exitCode: r.code, passed: sum_.passed, failed: sum_.failed, skipped: sum_.skipped, simFasterBy: Number((r.wallMs / suite.wallMs).toFixed(1)) };
          console.log(`real PX4 SITL (native, speed ${PX4_SPEED}): ${s2(r.wallMs)} wall, exit ${r.code}, ${sum_.passed} passed / ${sum_.failed} failed / ${sum_.skipped} skipped; the sim is ${px4.simFasterBy}× faster (target ≥ ${TARGET_SIM_OVER_PX4}×)`);
        } finally {
          fs.rmSync(px4Results, { recursive: true, force: true });
        }
      }
    }
    const pass = {
      wallUnderTarget: suite.wallMs / 1000 < TARGET_WALL_S,
      suitePassed: first.code === 0 && runs.every((r) => r.code === 0),
      // Absent only when asked (--skip-px4); a machine without PX4 fails this line, saying why.
      ...(skipPx4 ? {} : { px4SuitePassed: px4 !== null && 'exitCode' in px4 && px4.exitCode === 0, simAtLeast20xFasterThanPx4: px4 !== null && 'simFasterBy' in px4 && px4.simFasterBy >= TARGET_SIM_OVER_PX4 }),
    };
    console.log(
      JSON.stringify({
        bench: 'suite',
        wallS: Number((suite.wallMs / 1000).toFixed(2)),
        exitCode: suite.code,
        firstRunS: Number((first.wallMs / 1000).toFixed(2)),
        runsS: runs.map((r) => Number((r.wallMs / 1000).toFixed(2))),
        workers,
        reportS: Number((report.wallMs / 1000).toFixed(2)),
        startupS: Number((startupMs / 1000).toFixed(2)),
        filesSummedS: Number((filesMs / 1000).toFixed(2)),
        vehicleSeconds: Number(vehicleS.toFixed(1)),
        outsideSimulatorShare: breakdown ? Number((1 - breakdown.simMs! / filesMs).toFixed(3)) : null,
        breakdownS: breakdown ? Object.fromEntries(Object.entries(breakdown).map(([k, v]) => [k.replace(/Ms$/, ''), Number((v / 1000).toFixed(2))])) : null,
        rtfInJest,
        files: perFile.map((f) => ({ ...f, fileMs: Math.round(f.fileMs), testsMs: Math.round(f.testsMs), vehicleS: Number(f.vehicleS.toFixed(1)) })),
        px4,
        loadAverage: os.loadavg().map((x) => Number(x.toFixed(1))),
        pass,
      }),
    );
  } finally {
    fs.rmSync(top, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
