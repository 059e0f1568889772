import fs from 'node:fs';
import path from 'node:path';
import { loadTarget, type SpeedFactor } from '../targets/index.js';
import type { FlightRun } from './compare.js';
import { FIDELITY_PARAMS, FIDELITY_WORLD, flyManoeuvreSet, type PhaseName } from './manoeuvres.js';
import { FlightRecorder } from './recorder.js';

export interface FlyOptions {
  target: string;
  runs: number;
  /** How many runs fly at once (each its own stack and instance). */
  parallel: number;
  speed: SpeedFactor;
  /** First instance index; run k uses `instance + k`. */
  instance: number;
  seed: number;
  artifactsDir: string;
  /** Parameters set on top of the manoeuvre set's own (FIDELITY_PARAMS), e.g. to try a calibration. */
  params?: Record<string, number>;
  /** Simulator world/options a target validates (default FIDELITY_WORLD). */
  world?: unknown;
  onProgress?: (run: number, what: PhaseName | 'up' | 'done' | 'failed') => void;
  signal?: AbortSignal;
}

/**
 * Flies the manoeuvre set `runs` times on a target, each on a stack of its own brought up for
 * it (so no state carries from one run to the next), at most `parallel` at once. A run that
 * fails keeps the phases it finished and says why; the others go on.
 */
export async function flyRuns(o: FlyOptions): Promise<FlightRun[]> {
  const target = await loadTarget(o.target);
  const results: FlightRun[] = [];
  let next = 0;
  const worker = async () => {
    for (let k = next++; k < o.runs; k = next++) {
      if (o.signal?.aborted) return;
      results.push(await flyOne(o, target, k));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.parallel, o.runs)) }, worker));
  return results.sort((a, b) => a.run - b.run);
}

async function flyOne(o: FlyOptions, target: Awaited<ReturnType<typeof loadTarget>>, k: number): Promise<FlightRun> {
  const artifactsDir = path.join(o.artifactsDir, `${o.target}-${k}`);
  fs.mkdirSync(artifactsDir, { recursive: true });
  o.onProgress?.(k, 'up');
  const run: FlightRun = { target: o.target, run: k, phases: [], samples: [], modes: [], acks: [] };
  let stack: Awaited<ReturnType<typeof target.up>> | null = null;
  let rec: FlightRecorder | null = null;
  try {
    stack = await target.up({
      vehicles: 1, speed: o.speed, seed: o.seed + k, instance: o.instance + k, params: { ...FIDELITY_PARAMS, ...o.params },
      artifactsDir, heartbeatTimeoutMs: 5000, world: o.world ?? FIDELITY_WORLD, ...(o.signal && { signal: o.signal }),
    });
    const v = stack.vehicles[0]!;
    rec = new FlightRecorder(v);
    await flyManoeuvreSet(v, rec, run.phases, (name) => o.onProgress?.(k, name)).catch((err: unknown) => {
      run.error = (err as Error).message.split('\n')[0];
    });
  } catch (err) {
    run.error = `stack did not come up: ${(err as Error).message.split('\n')[0]}`;
  } finally {
    if (rec) {
      rec.close();
      run.samples = rec.samples;
      run.modes = rec.modes;
      run.acks = rec.acks;
      run.ranges = rec.ranges;
    }
    await stack?.down().catch(() => undefined);
  }
  o.onProgress?.(k, run.error ? 'failed' : 'done');
  return run;
}
