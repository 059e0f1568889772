import fs from 'node:fs';
import path from 'node:path';
import type { RunSummary, ScenarioSummary } from '../cli/summary.js';

/** summary.json of several shards' results, as one: written beside the merged report. */
export interface MergedSummary extends Omit<RunSummary, 'shard' | 'commit' | 'target' | 'speed'> {
  target: string;
  speed: string;
  /** The shards merged (from each source's summary.json), in source order. */
  shards: string[];
  /** The sources' commit when they agree, else each one's, joined. */
  commit: string | null;
  sources: string[];
}


/**
 * Joins the sources' summary.json: every scenario once (a later source's record of the same file and
 * scenario replaces an earlier one, as a re-run job's would), counts recomputed from them plus what a
 * source counted beyond its scenario rows (files that failed to load), the earliest start, and each
 * run-level field once when the sources agree (else all values, joined). A source without a
 * run's summary.json is skipped, and said so in `missing`. Returns null when no source has one.
 */
export function mergeSummaries(sources: readonly string[]): (MergedSummary & { missing: string[] }) | null {
  const found: { dir: string; s: RunSummary }[] = [];
  const missing: string[] = [];
  for (const dir of sources) {
    let s: RunSummary | null = null;
    try {
      s = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as RunSummary;
    } catch {
      s = null;
    }
    // Only what `flightcheck run` writes is merged: a summary with its scenario rows.
    if (s && Array.isArray(s.scenarios)) found.push({ dir, s });
    else missing.push(dir);
  }
  if (found.length === 0) return null;
  const byKey = new Map<string, ScenarioSummary>();
  let extraFailed = 0;
  for (const { s } of found) {
    for (const sc of s.scenarios) byKey.set(`${sc.file}::${sc.scenario}`, sc);
    // What a shard counted that has no scenario row of its own (e.g. a file that failed to load).
    extraFailed += Math.max(0, s.failed - s.scenarios.filter((x) => x.status === 'failed').length);
  }
  const scenarios = [...byKey.values()];
  const all = scenarios.flatMap((x) => x.budgets);
  const one = (values: (string | null | undefined)[]) => {
    const distinct = [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length > 0))];
    return distinct.length > 0 ? distinct.join(', ') : null;
  };
  const started = found.map((f) => f.s.startedAt).filter(Boolean).sort();
  const commit = one(found.map((f) => f.s.commit));
  return {
    target: one(found.map((f) => f.s.target)) ?? 'unknown',
    speed: one(found.map((f) => f.s.speed)) ?? 'unknown',
    shards: found.map((f) => f.s.shard ?? 'whole run'),
    startedAt: started[0] ?? '',
    commit,
    ...(commit === null ? { commitAbsent: one(found.map((f) => f.s.commitAbsent)) ?? 'no source recorded a commit' } : {}),
    px4Version: one(found.map((f) => f.s.px4Version)),
    passed: scenarios.filter((x) => x.status === 'passed').length,
    failed: scenarios.filter((x) => x.status === 'failed').length + extraFailed,
    skipped: scenarios.filter((x) => x.skipReason !== null).length,
    cutOff: scenarios.filter((x) => x.status === 'interrupted').length,
    // A merged run is interrupted when any shard was (its summary says how).
    interrupted: found.some((f) => f.s.interrupted === true),
    interruptedBy: one(found.map((f) => f.s.interruptedBy)),
    budgets: {
      pass: all.filter((b) => b.outcome === 'PASS').length,
      marginal: all.filter((b) => b.outcome === 'MARGINAL').length,
      fail: all.filter((b) => b.outcome === 'FAIL').length,
    },
    scenarios,
    failureMessages: found.flatMap((f) => f.s.failureMessages ?? []),
    sources: found.map((f) => f.dir),
    missing,
  };
}
