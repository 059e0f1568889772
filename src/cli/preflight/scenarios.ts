import fs from 'node:fs';
import path from 'node:path';
import { closest } from '../../config/did-you-mean.js';

/** Where Jest looks for scenario files (jest.config.ts: roots, testMatch **\/*.test.ts). */
export const SCENARIO_ROOTS = ['test', 'scenarios'];
const SCENARIO_SUFFIX = '.test.ts';

/**
 * The files `jest --testPathPatterns <patterns>` would run, found as Jest finds them (each pattern
 * a regular expression tested against the absolute path): a pattern that matches nothing is an
 * error naming it, with the closest file when one is close.
 */
export function selectScenarioFiles(patterns: string[], root = process.cwd()): { files: string[]; errors: string[] } {
  const all = SCENARIO_ROOTS.flatMap((r) => listFiles(path.join(root, r))).sort();
  const errors: string[] = [];
  const files = new Set<string>();
  for (const pattern of patterns) {
    let re: RegExp;
    try {
      re = new RegExp(pattern, 'i');
    } catch (err) {
      errors.push(`scenario path "${pattern}": not a valid pattern (${(err as Error).message})`);
      continue;
    }
    const matched = all.filter((f) => re.test(f));
    if (matched.length === 0) {
      const rel = all.map((f) => path.relative(root, f));
      // Compare like with like: the pattern against paths, or against names when it has no directory.
      const guess = closest(pattern.replace(/\/$/, ''), pattern.includes('/') ? rel.map((f) => f.replace(/\.test\.ts$/, '')) : rel.map((f) => path.basename(f, SCENARIO_SUFFIX)));
      const full = guess && rel.find((f) => f.replace(/\.test\.ts$/, '') === guess || path.basename(f, SCENARIO_SUFFIX) === guess);
      errors.push(`scenario path "${pattern}": matches no scenario file (*${SCENARIO_SUFFIX} under ${SCENARIO_ROOTS.join('/, ')}/)${full ? ` (did you mean ${full}?)` : ''}`);
    }
    for (const f of matched) files.add(f);
  }
  return { files: [...files].sort(), errors };
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(SCENARIO_SUFFIX))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => !f.includes(`${path.sep}node_modules${path.sep}`));
}
