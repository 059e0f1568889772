import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { px4DirProblem } from '../../sitl/native/presets.js';
import { REPO } from '../hil/helpers.js';

/**
 * Real PX4 SITL for tests: FLIGHT_PX4_DIR when set, else the bundle beside the repository
 * (../shared/px4/*.tar.xz, unpacked once into the cache by sitl/native/px4-bundle.sh). Where there
 * is neither, the tests that fly it are skipped and say why.
 */
export function px4ForTests(): { ok: true; dir: string } | { ok: false; reason: string } {
  const fromEnv = process.env.FLIGHT_PX4_DIR;
  if (fromEnv) {
    const problem = px4DirProblem(fromEnv);
    return problem ? { ok: false, reason: problem } : { ok: true, dir: fromEnv };
  }
  const bundles = path.resolve(REPO, '..', 'shared', 'px4');
  const tarball = fs.existsSync(bundles) ? fs.readdirSync(bundles).find((f) => /^px4-.*sitl.*\.tar\.xz$/.test(f)) : undefined;
  if (!tarball) return { ok: false, reason: `no PX4 SITL here: FLIGHT_PX4_DIR is unset and there is no bundle in ${bundles}` };
  const dir = execFileSync(path.join(REPO, 'sitl', 'native', 'px4-bundle.sh'), [path.join(bundles, tarball)], { encoding: 'utf8' }).trim();
  const problem = px4DirProblem(dir);
  return problem ? { ok: false, reason: problem } : { ok: true, dir };
}

/** Prints why the real-PX4 tests are skipped, once per file, where Jest shows it. */
export function announcePx4Skip(file: string, reason: string): void {
  process.stderr.write(`\n[native PX4] ${file}: SKIPPED — ${reason}\n`);
}
