/**
 * docs/writing-scenarios.md shows its examples as files of docs/examples/: each block equals its
 * file (which `npm run typecheck` checks with the project), every file is shown, and every one of
 * them flies on the built-in simulator. A guide whose examples do not compile or do not fly fails here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { run, ROOT } from '../cli/helpers.js';

const GUIDE = path.join(ROOT, 'docs/writing-scenarios.md');
const EXAMPLES = path.join(ROOT, 'docs/examples');

/** The guide's example blocks: `<!-- example: FILE -->` followed by a ```ts block. */
function shownExamples(text: string): { file: string; code: string }[] {
  return [...text.matchAll(/<!-- example: (\S+) -->\n```ts\n([\s\S]*?)```/g)].map((m) => ({ file: m[1]!, code: m[2]! }));
}

describe('the scenario-writing guide', () => {
  const shown = shownExamples(fs.readFileSync(GUIDE, 'utf8'));

  it('shows each example exactly as its file, and every example file', () => {
    expect(shown.length).toBeGreaterThan(0);
    for (const { file, code } of shown) expect({ file, code }).toEqual({ file, code: fs.readFileSync(path.join(ROOT, file), 'utf8') });
    expect(shown.map((s) => s.file).sort()).toEqual(fs.readdirSync(EXAMPLES).map((f) => `docs/examples/${f}`).sort());
  });

  it('its examples fly on the built-in simulator', async () => {
    const results = fs.mkdtempSync(path.join(os.tmpdir(), 'flightcheck-guide-'));
    try {
      const out = path.join(results, 'jest.json');
      const r = await run(
        process.execPath,
        ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning', path.join(ROOT, 'node_modules/jest/bin/jest.js'), '--roots', '<rootDir>/docs/examples', '--testMatch', '**/*.test.ts', '--runInBand', '--json', `--outputFile=${out}`],
        { FLIGHT_TARGET: 'sim', FLIGHT_RESULTS_DIR: results, FLIGHT_INSTANCE_BASE: '104', JEST_WORKER_ID: '1' },
        240_000,
      );
      const json = JSON.parse(fs.readFileSync(out, 'utf8')) as { numPassedTests: number; numTotalTests: number };
      expect({ code: r.code, passed: json.numPassedTests, total: json.numTotalTests }).toEqual({ code: 0, passed: shown.length, total: shown.length });
    } finally {
      fs.rmSync(results, { recursive: true, force: true });
    }
  }, 250_000);
});
