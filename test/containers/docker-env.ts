import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineStatus } from '../../sitl/containers/docker.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Whether these tests can run here; when not, why (printed, never a silent skip). */
export async function dockerForTests(): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (process.env.FLIGHT_SKIP_CONTAINERS === '1') return { ok: false, reason: 'FLIGHT_SKIP_CONTAINERS=1 is set' };
  const engine = await engineStatus();
  if (!engine.ok) return { ok: false, reason: `no Docker engine reachable: ${engine.detail}` };
  return { ok: true };
}

/** Prints why the containers tests are skipped, once per file, where Jest shows it. */
export function announceSkip(file: string, reason: string): void {
  process.stderr.write(`\n[containers] ${file}: SKIPPED — ${reason}\n`);
}

/** images/build.sh: the base image (first time about a minute) and the sim image (seconds when unchanged). */
export function buildImages(): void {
  execFileSync(path.join(ROOT, 'images/build.sh'), { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
}

/** Ids of the containers carrying a label (`key=value`), running or not. */
export function containersWithLabel(label: string): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=${label}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
}
