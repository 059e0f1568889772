import fs from 'node:fs';
import path from 'node:path';
import type { BudgetResult } from '../budgets/index.js';
import { runSettings } from '../config/run-settings.js';

/** Where a run keeps its machine-readable results (per-test records, recordings, logs). */
export function resultsDir(): string {
  return runSettings().resultsDir ?? path.resolve('flight-results');
}

/** What the fixture writes for every scenario test; the summary, --json and the report read it. */
export interface ScenarioRecord {
  file: string;
  test: string;
  target: string;
  info: Record<string, string>;
  budgets: BudgetResult[];
  /** Phases the scenario went through, with their durations on both clocks. */
  phases: { name: string; hostMs: number; vehicleMs: number | null; error?: string }[];
  /** Files written for this test (recordings, plots), relative to resultsDir(). */
  artifacts: string[];
  startedHostMs: number;
  durationMs: number;
  /** Host ms the stack's own sampling (CPU, memory) took on the test process, when it ran. */
  stackMetricsMs?: number;
  /** The error that ended the test, when the fixture saw one (Jest's own result is authoritative). */
  error?: string;
  /** Why the test was skipped (the target cannot run here, or lacks something the test needs). */
  skipReason?: string;
}

export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 120) || 'unnamed';
}

/** The name a test's record and recordings start with. */
export function scenarioBaseName(file: string, test: string): string {
  return `${slug(path.basename(file, '.test.ts'))}--${slug(test)}`;
}

export function writeScenarioRecord(record: ScenarioRecord, results = resultsDir()): string {
  const dir = path.join(results, 'scenarios');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${scenarioBaseName(record.file, record.test)}.json`);
  fs.writeFileSync(file, JSON.stringify(record, null, 2));
  return file;
}

export function readScenarioRecords(dir = resultsDir()): ScenarioRecord[] {
  const sub = path.join(dir, 'scenarios');
  if (!fs.existsSync(sub)) return [];
  return fs
    .readdirSync(sub)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(sub, f), 'utf8')) as ScenarioRecord);
}
