/**
 * Stack bring-up: time from `up()` to every vehicle's first HEARTBEAT (and to up() resolving) for
 * 1 and 4 vehicles, as sim containers (the containers target, sim preset) and in-process (the sim
 * target), in one run; the sim image's size; and for the px4 preset (real PX4 v1.16 SITL + the
 * XRCE agent v2.4) the time from PX4's container start to the agent's session line.
 *
 *   npm run bench -- stack [repetitions]
 *
 * Needs a Docker engine and the images (`images/build.sh`). Prints human-readable lines, then one
 * JSON object as the last line. Targets: container stack up → first HEARTBEAT < 3 s (median, images
 * built, one warm-up start outside the figures), sim image < 300 MB, PX4 + agent to session < 10 s
 * (every start, the first included). The px4 stacks use instance FLIGHT_INSTANCE_BASE (default 0).
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { containersTarget } from '../sitl/containers/target.js';
import { configFromEnv } from '../sitl/containers/config.js';
import { missingPx4Images } from '../sitl/containers/px4-preset.js';
import { engineStatus, imageSize } from '../sitl/containers/docker.js';
import { simTarget } from '../sitl/sim/target.js';
import type { Target, UpOptions } from '../src/targets/target.js';
import { hostNowMs } from '../src/clock/host.js';

export const TARGET_UP_MS = 3000;
export const TARGET_IMAGE_BYTES = 300e6;
export const TARGET_PX4_SESSION_MS = 10_000;

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

interface Px4Timing {
  /** PX4's container start → the agent's session line of its client (host clock), per start. */
  sessionMs: number[];
  /** up() called → up() resolved (PX4 HEARTBEAT, agent session, vehicle telemetry), per start. */
  readyMs: number[];
  medianSessionMs: number;
  maxSessionMs: number;
  px4Version: string;
}

/** The px4 preset (PX4 + agent, no drone_core), `reps` starts, each taken down before the next. */
async function timePx4(reps: number, artifactsDir: string, instance: number): Promise<Px4Timing> {
  const target = containersTarget({ stack: 'px4' });
  const sessionMs: number[] = [];
  const readyMs: number[] = [];
  let px4Version = '';
  for (let r = 0; r < reps; r++) {
    const opts: UpOptions = { vehicles: 1, speed: 1, seed: 1, instance, params: {}, artifactsDir, heartbeatTimeoutMs: 3000 };
    const t0 = hostNowMs();
    const stack = await target.up(opts);
    readyMs.push(hostNowMs() - t0);
    try {
      const ms = Number(stack.info.agentSessionAfterPx4StartMs);
      if (!Number.isFinite(ms)) throw new Error(`px4 stack reported no agentSessionAfterPx4StartMs (${stack.info.agentSessionAfterPx4StartMs})`);
      sessionMs.push(ms);
      px4Version = stack.info.px4Version ?? '';
    } finally {
      await stack.down();
    }
  }
  return { sessionMs, readyMs, medianSessionMs: median(sessionMs), maxSessionMs: Math.max(...sessionMs), px4Version };
}

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

    // The px4 preset: real PX4 + agent (images/build.sh builds them from ../shared).
    const px4Config = configFromEnv(process.env, { stack: 'px4' }).px4;
    const missing = await missingPx4Images(px4Config);
    let px4: Px4Timing | { skipped: string };
    if (missing.length > 0) {
      px4 = { skipped: `px4 preset images missing: ${missing.join('; ')}` };
      console.log(`  px4 + agent: not measured, ${px4.skipped}`);
    } else {
      px4 = await timePx4(reps, artifacts, Number(process.env.FLIGHT_INSTANCE_BASE ?? '0'));
      console.log(
        `  px4 + agent (${px4Config.px4Image}, ${px4Config.agentImage}; PX4 ${px4.px4Version}): PX4 container start → agent session ` +
          `median ${fmt(px4.medianSessionMs)}, max ${fmt(px4.maxSessionMs)} (${px4.sessionMs.map(fmt).join(', ')}); up() resolved median ${fmt(median(px4.readyMs))}`,
      );
    }
    const px4Pass = 'sessionMs' in px4 && px4.maxSessionMs < TARGET_PX4_SESSION_MS;
    console.log(`  PX4 + agent to session < ${fmt(TARGET_PX4_SESSION_MS)} (every start): ${px4Pass ? 'met' : 'NOT met'}`);
    console.log(
      JSON.stringify({
        bench: 'stack',
        engine: engine.detail,
        cores: os.cpus().length,
        repetitions: reps,
        simImage,
        simImageBytes: bytes,
        targets: { stackUpToFirstHeartbeatMs: TARGET_UP_MS, simImageBytes: TARGET_IMAGE_BYTES, px4AgentSessionMs: TARGET_PX4_SESSION_MS },
        containersColdStart1: { firstHeartbeatMs: cold.medianFirstHeartbeatMs, readyMs: cold.medianReadyMs },
        containers1: result.containers1,
        containers4: result.containers4,
        inProcess1: result.inProcess1,
        inProcess4: result.inProcess4,
        px4AgentSession: px4,
        upPass,
        imagePass,
        px4Pass,
        pass: upPass && imagePass && px4Pass,
      }),
    );
  } finally {
    fs.rmSync(artifacts, { recursive: true, force: true });
  }
}

await main();
