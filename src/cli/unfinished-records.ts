import fs from 'node:fs';
import path from 'node:path';
import type { RunSummary } from './summary.js';
import { scenarioBaseName, writeScenarioRecord } from '../report/results.js';

/**
 * A record for every test that was cut off (the run stopped, or its Jest worker died) and so
 * never wrote its own: its verdict and the recordings it left (the MCAP streamed as it flew, the
 * CSV of complete lines).
 */
export function recordUnfinished(summary: RunSummary, results: string): void {
  const recordings = path.join(results, 'recordings');
  const files = fs.existsSync(recordings) ? fs.readdirSync(recordings) : [];
  summary.scenarios.forEach((sc, i) => {
    if (sc.target !== null || (sc.status !== 'interrupted' && sc.status !== 'failed')) return;
    const base = scenarioBaseName(sc.file, sc.scenario);
    const message = summary.failureMessages.find((m) => m.startsWith(`✗ ${sc.scenario}\n`))?.split('\n')[1] ?? sc.status;
    writeScenarioRecord(
      {
        file: path.resolve(sc.file), test: sc.scenario, target: summary.target, info: {}, budgets: [], phases: [],
        artifacts: files.filter((f) => f.startsWith(`${base}--`)).map((f) => path.join('recordings', f)),
        startedHostMs: 0, durationMs: sc.durationMs ?? 0, error: message,
      },
      results,
    );
    summary.scenarios[i] = { ...sc, target: summary.target };
  });
}
