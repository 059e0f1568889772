/**
 * Test files that failed outside any test: the file did not load (an invalid budget, a syntax
 * error) or a hook after its tests threw (a declared budget no test judged). Jest reports these
 * only as a file-level message, with no test to count; the summary counts each as one failed
 * scenario and the report gets a failed result for it, so such a file is never "0 failed".
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readJson } from './allure-run.js';

/** The name a file-level failure goes by, in the summary and the report. */
export const FILE_ITSELF = '(the file itself)';

export interface JestFileResult {
  name: string;
  status?: string;
  message: string;
  startTime?: number;
  endTime?: number;
  assertionResults: { status: string }[];
}

export interface FileFailure {
  /** The test file, absolute as Jest names it. */
  file: string;
  /** Jest's text for it (ANSI colours removed). */
  message: string;
}

const ANSI = /\x1b\[[0-9;]*m/g;

/** Files Jest failed while none of their tests failed. */
export function fileFailures(files: readonly JestFileResult[]): FileFailure[] {
  return files
    .filter((f) => f.message && !f.assertionResults.some((a) => a.status === 'failed'))
    .map((f) => ({ file: f.name, message: f.message.replace(ANSI, '').trim() }));
}

/** The error's own lines, without Jest's heading, code frame and stack. */
export function failureText(message: string): string {
  const lines = message.split('\n').map((l) => l.trim());
  const body = lines.filter((l) => l && !l.startsWith('●'));
  const end = body.findIndex((l) => /^(>?\s*\d+ \||at )/.test(l));
  return (end < 0 ? body : body.slice(0, end)).join('\n');
}

/**
 * Writes a failed Allure result for each file-level failure in `<results>/jest-results.json`
 * (named after the file, so writing again replaces it). Returns how many were written.
 */
export function writeFileFailureResults(allureResults: string, jestResultsFile: string, root = process.cwd()): number {
  const jest = readJson<{ testResults?: JestFileResult[] }>(jestResultsFile);
  const failures = fileFailures(jest?.testResults ?? []);
  fs.mkdirSync(allureResults, { recursive: true });
  for (const f of failures) {
    const rel = path.relative(root, f.file).split(path.sep).join('/');
    const id = crypto.createHash('sha256').update(rel).digest('hex');
    const uuid = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`;
    const file = jest?.testResults?.find((t) => t.name === f.file);
    const feature = path.basename(rel, '.test.ts');
    fs.writeFileSync(
      path.join(allureResults, `${uuid}-result.json`),
      JSON.stringify({
        uuid,
        historyId: id,
        testCaseId: id,
        name: `${path.basename(rel)} ${FILE_ITSELF}`,
        fullName: `${rel}#${FILE_ITSELF}`,
        status: 'failed',
        statusDetails: { message: failureText(f.message), trace: f.message },
        stage: 'finished',
        start: file?.startTime ?? Date.now(),
        stop: file?.endTime ?? Date.now(),
        labels: [{ name: 'feature', value: feature }, { name: 'suite', value: feature }, { name: 'framework', value: 'flightcheck' }],
        steps: [],
        attachments: [],
        parameters: [],
      }),
    );
  }
  return failures.length;
}
