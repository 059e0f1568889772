import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { px4DirProblem } from './presets.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Where real PX4 SITL is on this machine, for the project's own tests and benchmarks:
 * FLIGHT_PX4_DIR when set, else a bundle beside the repository (../shared/px4/*.tar.xz, unpacked
 * once per checksum into a cache by px4-bundle.sh), else the reason there is none.
 */
export function localPx4(env: NodeJS.ProcessEnv = process.env): { ok: true; dir: string } | { ok: false; reason: string } {
  const fromEnv = env.FLIGHT_PX4_DIR;
  if (fromEnv) {
    const problem = px4DirProblem(fromEnv);
    return problem ? { ok: false, reason: problem } : { ok: true, dir: fromEnv };
  }
  const bundles = path.resolve(REPO_ROOT, '..', 'shared', 'px4');
  const tarball = fs.existsSync(bundles) ? fs.readdirSync(bundles).find((f) => /^px4-.*sitl.*\.tar\.xz$/.test(f)) : undefined;
  if (!tarball) return { ok: false, reason: `no PX4 SITL here: FLIGHT_PX4_DIR is unset and there is no bundle in ${bundles}` };
  const dir = execFileSync(path.join(REPO_ROOT, 'sitl', 'native', 'px4-bundle.sh'), [path.join(bundles, tarball)], { encoding: 'utf8' }).trim();
  const problem = px4DirProblem(dir);
  return problem ? { ok: false, reason: problem } : { ok: true, dir };
}
