/**
 * Stack bring-up: time from `up()` to every vehicle's first HEARTBEAT (and to up() resolving) for
 * 1 and 4 vehicles, as sim containers (the containers target, sim preset) and in-process (the sim
 * target), in one run; plus the sim image's size.
 *
 *   npm run bench -- stack [repetitions]
 *
 * Needs a Docker engine and the images (`images/build.sh`). Prints human-readable lines, then one
 * JSON object as the last line. Targets: container stack up → first HEARTBEAT < 3 s (median, images
 * built, one warm-up start outside the figures), sim image < 300 MB.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { containersTarget } from '../sitl/containers/target.js';
import { engineStatus, imageSize } from '../sitl/containers/docker.js';
import { simTarget } from '../src/targets/sim.js';
import type { Target, UpOptions } from '../src/targets/target.js';
import { hostNowMs } from '../src/clock/host.js';

export const TARGET_UP_MS = 3000;
export const TARGET_IMAGE_BYTES = 300e6;

interface Timing {
  vehicles: number;
  /** up() called → the last of the vehicles' first HEARTBEAT (host clock), per repetition. */
  firstHeartbeatMs: number[];
  /** up() called → up() resolved (containers: each vehicle's mode, position and home seen; in-process: mode and position). */
  readyMs: number[];
  medianFirstHeartbeatMs: number;
  medianReadyMs: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function timeUp(target: Target, vehicles: number, reps: number, artifactsDir: string, instance: number): Promise<Timing> {
  const firstHeartbeatMs: number[] = [];
  const readyMs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const opts: UpOptions = { vehicles, speed: 1, seed: 1, instance, params: {}, artifactsDir, heartbeatTimeoutMs: 3000 };
    const t0 = hostNowMs();
    const stack = await target.up(opts);
    readyMs.push(hostNowMs() - t0);
    // Each vehicle's telemetry records every HEARTBEAT with its host arrival time, from the first.
    firstHeartbeatMs.push(Math.max(...stack.vehicles.map((v) => v.telemetry.series('heartbeat').hostMs[0]! - t0)));
    await stack.down();
  }
  return { vehicles, firstHeartbeatMs, readyMs, medianFirstHeartbeatMs: median(firstHeartbeatMs), medianReadyMs: median(readyMs) };
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const reps = Math.max(1, Number(process.argv[2] ?? 3));
  const engine = await engineStatus();
  if (!engine.ok) {
    console.log(`stack: no Docker engine: ${engine.detail}`);
    console.log(JSON.stringify({ bench: 'stack', skipped: engine.detail, pass: false }));
    process.exitCode = 1;
    return;
  }
  const simImage = process.env.FLIGHT_SIM_IMAGE ?? 'flightcheck/sim:latest';
  const bytes = await imageSize(simImage);
  if (bytes === null) {
    console.log(`stack: ${simImage} is not built (run images/build.sh)`);
    console.log(JSON.stringify({ bench: 'stack', skipped: `${simImage} missing`, pass: false }));
    process.exitCode = 1;
    return;
  }
  const artifacts = fs.mkdtempSync(path.join(os.tmpdir(), 'flightcheck-bench-stack-'));
  const containers = containersTarget({ stack: 'sim' });
  try {
    console.log(`stack: ${engine.detail}, ${simImage} ${(bytes / 1e6).toFixed(0)} MB, ${reps} repetitions, ${os.cpus().length} cores`);
    const result: Record<string, Timing> = {};
    // The first repetition of the containers target also pays for loading testcontainers and the
    // engine's first container start after idle: warm both once, outside the figures.
    const cold = await timeUp(containers, 1, 1, artifacts, 180);
    console.log(`  cold start (1 vehicle, first of this process): first HEARTBEAT ${fmt(cold.medianFirstHeartbeatMs)}, up() resolved ${fmt(cold.medianReadyMs)}`);
    for (const n of [1, 4]) {
      const c = await timeUp(containers, n, reps, artifacts, 160);
      const s = await timeUp(simTarget, n, reps, artifacts, 170);
      result[`containers${n}`] = c;
      result[`inProcess${n}`] = s;
      console.log(
        `  ${n} vehicle${n > 1 ? 's' : ' '}: first HEARTBEAT containers ${fmt(c.medianFirstHeartbeatMs)} vs in-process ${fmt(s.medianFirstHeartbeatMs)}` +
          `  |  up() resolved containers ${fmt(c.medianReadyMs)} vs in-process ${fmt(s.medianReadyMs)}  (medians of ${reps})`,
      );
    }
    const upPass = result.containers1!.medianFirstHeartbeatMs < TARGET_UP_MS && result.containers4!.medianFirstHeartbeatMs < TARGET_UP_MS;
    const imagePass = bytes < TARGET_IMAGE_BYTES;
    console.log(`  container stack up (up() → first HEARTBEAT, median) < ${fmt(TARGET_UP_MS)}: ${upPass ? 'met' : 'NOT met'}; sim image ${(bytes / 1e6).toFixed(0)} MB < ${TARGET_IMAGE_BYTES / 1e6} MB: ${imagePass ? 'met' : 'NOT met'}`);
    console.log(
      JSON.stringify({
        bench: 'stack',
        engine: engine.detail,
        cores: os.cpus().length,
        repetitions: reps,
        simImage,
        simImageBytes: bytes,
        targets: { stackUpToFirstHeartbeatMs: TARGET_UP_MS, simImageBytes: TARGET_IMAGE_BYTES },
        containersColdStart1: { firstHeartbeatMs: cold.medianFirstHeartbeatMs, readyMs: cold.medianReadyMs },
        containers1: result.containers1,
        containers4: result.containers4,
        inProcess1: result.inProcess1,
        inProcess4: result.inProcess4,
        upPass,
        imagePass,
        pass: upPass && imagePass,
      }),
    );
  } finally {
    fs.rmSync(artifacts, { recursive: true, force: true });
  }
}

await main();
