import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineStatus } from '../../sitl/containers/docker.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Whether these tests can run here; when not, why (test/support/skip.ts puts it in the skipped block's title; npm test lists it). */
export async function dockerForTests(): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (process.env.FLIGHT_SKIP_CONTAINERS === '1') return { ok: false, reason: 'FLIGHT_SKIP_CONTAINERS=1 is set' };
  const engine = await engineStatus();
  if (!engine.ok) return { ok: false, reason: `no Docker engine reachable: ${engine.detail}` };
  return { ok: true };
}

/** images/build.sh: the base image (first time about a minute), the sim, PX4 and agent images (seconds when unchanged). */
export function buildImages(): void {
  // The lock wait ends before the timeout, so a held lock fails with build.sh's own message.
  execFileSync(path.join(ROOT, 'images/build.sh'), {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 600_000,
    env: { ...process.env, FLIGHT_IMAGES_LOCK_WAIT_S: '480' },
  });
}

/** Ids of the containers carrying a label (`key=value`), running or not. */
export function containersWithLabel(label: string): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=${label}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

/**
 * Instances for tests that start real PX4: FLIGHT_INSTANCE_BASE (as the scenarios use it) plus
 * this Jest worker's block of 8, plus `offset` (< 8). PX4 instance N takes UDP 14580+N, 18570+N,
 * 14280+N, 13030+N, 19450+N and the agent 8888+N.
 */
export function px4Instance(offset: number): number {
  const worker = Number(process.env.JEST_WORKER_ID ?? '1');
  return Number(process.env.FLIGHT_INSTANCE_BASE ?? '0') + (worker - 1) * 8 + offset;
}
