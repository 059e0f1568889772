/**
 * One results directory from several (CI shards, a re-run job): every scenario exactly once.
 *
 * Allure results are deduplicated by history id (falling back to test case id, then full name),
 * keeping the one that finished last; containers keep only children that survived, and only the
 * attachments something still references are copied. Scenario records are deduplicated by file
 * and test, keeping the latest start. Each shard's statuses are first reconciled with its own
 * Jest verdicts (see reconcileResult). Recordings and artifacts are copied as they are.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ALLURE_REPORT, ALLURE_RESULTS, loadJestVerdicts, readJson, reconcileResult, type AllureResultFile } from './allure-run.js';
import type { ScenarioRecord } from './results.js';
import { mergeSummaries } from './merge-summary.js';

export interface MergeSummary {
  sources: string[];
  /** Allure test results written. */
  results: number;
  /** Allure test results dropped as older duplicates. */
  duplicates: number;
  /** Results whose status was corrected from Jest's verdict. */
  reconciled: number;
  scenarios: number;
  scenarioDuplicates: number;
  attachments: number;
  /** Sources without a summary.json (the merged summary.json leaves them out). */
  summaryMissing: string[];
}

/** Files in allure-results that describe the run, not a test: the report step writes its own. */
const RUN_LEVEL = new Set(['environment.properties', 'environment.xml', 'executor.json', 'categories.json', 'history']);
/** Directories of a results dir that are merged specially or not at all. */
const SPECIAL_DIRS = new Set([ALLURE_RESULTS, ALLURE_REPORT, 'scenarios']);
/** Per-run files of a results dir that describe one shard only. */
const SHARD_FILES = new Set(['summary.json', 'jest-results.json', 'jest-output.log', '.cache']);
const ATTACHMENT_REF = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-attachment(?:\.[A-Za-z0-9]+)?/g;

export class MergeError extends Error {
  override name = 'MergeError';
}

export function mergeResults(sources: readonly string[], dest: string): MergeSummary {
  if (sources.length === 0) throw new MergeError('merge: no results directories given');
  const destAbs = path.resolve(dest);
  const srcs = sources.map((s) => path.resolve(s));
  for (const s of srcs) {
    if (!fs.existsSync(s) || !fs.statSync(s).isDirectory()) throw new MergeError(`merge: ${s} is not a directory`);
    if (!fs.existsSync(path.join(s, ALLURE_RESULTS)) && !fs.existsSync(path.join(s, 'scenarios'))) {
      throw new MergeError(`merge: ${s} has neither ${ALLURE_RESULTS}/ nor scenarios/ (is it a results directory?)`);
    }
    if (s === destAbs) throw new MergeError(`merge: the destination ${destAbs} is also a source`);
  }
  const summary: MergeSummary = { sources: srcs, results: 0, duplicates: 0, reconciled: 0, scenarios: 0, scenarioDuplicates: 0, attachments: 0, summaryMissing: [] };

  // ---- Allure results: pick one per test case -------------------------------------------------
  type Kept = { result: AllureResultFile; dir: string; order: number };
  const best = new Map<string, Kept>();
  const containers: { data: { children?: string[] } & Record<string, unknown>; dir: string; name: string }[] = [];
  const others: { dir: string; name: string }[] = [];
  srcs.forEach((src, order) => {
    const dir = path.join(src, ALLURE_RESULTS);
    if (!fs.existsSync(dir)) return;
    const verdicts = loadJestVerdicts(path.join(src, 'jest-results.json'));
    for (const name of fs.readdirSync(dir).sort()) {
      if (RUN_LEVEL.has(name) || name.startsWith('.')) continue;
      const file = path.join(dir, name);
      if (name.endsWith('-result.json')) {
        const result = readJson<AllureResultFile>(file);
        if (!result) throw new MergeError(`merge: ${file} is not valid JSON`);
        if (verdicts && reconcileResult(result, verdicts)) summary.reconciled++;
        const key = result.historyId ?? result.testCaseId ?? result.fullName ?? result.uuid;
        const prev = best.get(key);
        if (prev) summary.duplicates++;
        if (!prev || finished(result) > finished(prev.result) || (finished(result) === finished(prev.result) && order >= prev.order)) {
          best.set(key, { result, dir, order });
        }
      } else if (name.endsWith('-container.json')) {
        const data = readJson<{ children?: string[] } & Record<string, unknown>>(file);
        if (!data) throw new MergeError(`merge: ${file} is not valid JSON`);
        containers.push({ data, dir, name });
      } else if (!/-attachment(\.|$)/.test(name)) {
        // Attachments are copied below only when a kept result or container refers to them.
        others.push({ dir, name });
      }
    }
  });

  const outResults = path.join(destAbs, ALLURE_RESULTS);
  fs.rmSync(outResults, { recursive: true, force: true });
  fs.mkdirSync(outResults, { recursive: true });
  const needed = new Map<string, string>(); // attachment file name → source dir
  const need = (json: string, dir: string) => {
    for (const ref of json.match(ATTACHMENT_REF) ?? []) if (!needed.has(ref)) needed.set(ref, dir);
  };
  const kept = new Set<string>();
  for (const { result, dir } of best.values()) {
    const json = JSON.stringify(result);
    fs.writeFileSync(path.join(outResults, `${result.uuid}-result.json`), json);
    kept.add(result.uuid);
    need(json, dir);
    summary.results++;
  }
  for (const c of containers) {
    if (Array.isArray(c.data.children)) {
      const children = c.data.children.filter((uuid) => kept.has(uuid));
      if (children.length === 0) continue;
      c.data.children = children;
    }
    const json = JSON.stringify(c.data);
    fs.writeFileSync(path.join(outResults, c.name), json);
    need(json, c.dir);
  }
  for (const o of others) {
    const from = path.join(o.dir, o.name);
    if (fs.statSync(from).isDirectory()) continue;
    const text = o.name.endsWith('.json') ? fs.readFileSync(from, 'utf8') : '';
    fs.copyFileSync(from, path.join(outResults, o.name));
    need(text, o.dir);
  }
  for (const [name, dir] of needed) {
    const from = path.join(dir, name);
    if (!fs.existsSync(from)) continue;
    fs.copyFileSync(from, path.join(outResults, name));
    summary.attachments++;
  }

  // ---- scenario records -----------------------------------------------------------------------
  const records = new Map<string, { record: ScenarioRecord; file: string }>();
  for (const src of srcs) {
    const dir = path.join(src, 'scenarios');
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
      const record = readJson<ScenarioRecord>(path.join(dir, name));
      if (!record) throw new MergeError(`merge: ${path.join(dir, name)} is not valid JSON`);
      const key = `${path.basename(record.file ?? name)}::${record.test ?? name}`;
      const prev = records.get(key);
      if (prev) summary.scenarioDuplicates++;
      if (!prev || (record.startedHostMs ?? 0) >= (prev.record.startedHostMs ?? 0)) records.set(key, { record, file: name });
    }
  }
  const outScenarios = path.join(destAbs, 'scenarios');
  fs.rmSync(outScenarios, { recursive: true, force: true });
  fs.mkdirSync(outScenarios, { recursive: true });
  for (const { record, file } of records.values()) {
    fs.writeFileSync(path.join(outScenarios, file), JSON.stringify(record, null, 2));
    summary.scenarios++;
  }

  // ---- everything else (recordings/, artifacts/, …) -------------------------------------------
  // What a previous merge into dest left under these names goes first; the sources then fill them.
  const names = new Set(srcs.flatMap((src) => fs.readdirSync(src)).filter((n) => !SPECIAL_DIRS.has(n) && !SHARD_FILES.has(n)));
  for (const name of names) fs.rmSync(path.join(destAbs, name), { recursive: true, force: true });
  for (const src of srcs) {
    for (const name of fs.readdirSync(src)) {
      if (SPECIAL_DIRS.has(name) || SHARD_FILES.has(name)) continue;
      fs.cpSync(path.join(src, name), path.join(destAbs, name), { recursive: true, force: true });
    }
  }
  fs.writeFileSync(path.join(destAbs, 'merge.json'), JSON.stringify(summary, null, 2));
  // The shards' summary.json as one: what `flightcheck run` writes for a whole run, beside the report.
  const merged = mergeSummaries(srcs);
  if (merged) {
    const { missing, ...runSummary } = merged;
    fs.writeFileSync(path.join(destAbs, 'summary.json'), JSON.stringify(runSummary, null, 2));
    summary.summaryMissing = missing;
  } else {
    fs.rmSync(path.join(destAbs, 'summary.json'), { force: true });
    summary.summaryMissing = srcs;
  }
  return summary;
}

function finished(r: AllureResultFile): number {
  return r.stop ?? r.start ?? 0;
}

/**
 * Directories matching shell-style patterns (`*` and `?` within one path segment), sorted, e.g.
 * `shards/flight-results-*`. A pattern without wildcards matches itself if it exists.
 */
export function expandDirs(patterns: readonly string[], cwd = process.cwd()): string[] {
  const out = new Set<string>();
  for (const pattern of patterns) {
    const abs = path.resolve(cwd, pattern);
    const { root } = path.parse(abs);
    let current = [root];
    for (const seg of abs.slice(root.length).split(path.sep).filter(Boolean)) {
      if (!/[*?]/.test(seg)) {
        current = current.map((c) => path.join(c, seg)).filter((c) => fs.existsSync(c));
        continue;
      }
      const re = new RegExp(`^${seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
      current = current.flatMap((c) =>
        fs.existsSync(c) && fs.statSync(c).isDirectory()
          ? fs.readdirSync(c).filter((n) => re.test(n) && !n.startsWith('.')).map((n) => path.join(c, n))
          : [],
      );
    }
    for (const c of current) if (fs.statSync(c).isDirectory()) out.add(c);
  }
  return [...out].sort();
}
