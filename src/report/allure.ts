/**
 * What the fixture tells Allure about a scenario: labels and parameters, one step per flight phase,
 * budget tables, plots, recordings and logs.
 *
 * Every function is a no-op (a phase just runs) when the test does not run under allure-jest's
 * environment: allure-js-commons would otherwise print a warning per call. Under allure-jest the
 * runtime is a function on the test's global (`allureTestRuntime`), which is what is checked.
 *
 * Where a call lands: in a test body → the test; in beforeEach → the "set up" fixture (labels and
 * parameters given there apply to the test); in afterEach → the "tear down" fixture (attachments
 * and steps only: Allure ignores labels from after-hooks).
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { formatBudgetTable, type BudgetResult } from '../budgets/index.js';
import type { TopLevelSpec } from 'vega-lite';
import { budgetTableHtml } from './budget-html.js';
import { CHART_EXTENSION, CHART_TYPE } from './charts.js';

type Commons = typeof import('allure-js-commons');
let commons: Promise<Commons | null> | null = null;

/** True when the current test runs under allure-jest (its runtime is installed on the global). */
export function allureActive(): boolean {
  return typeof (globalThis as { allureTestRuntime?: unknown }).allureTestRuntime === 'function';
}

async function api(): Promise<Commons | null> {
  if (!allureActive()) return null;
  commons ??= import('allure-js-commons').catch(() => null);
  return commons;
}

export const Severity = z.enum(['blocker', 'critical', 'normal', 'minor', 'trivial']);

export const ScenarioLabels = z.object({
  /** Groups scenarios in Allure's Behaviors view: epic → feature → story. */
  epic: z.string().min(1).optional(),
  feature: z.string().min(1).optional(),
  story: z.string().min(1).optional(),
  severity: Severity.optional(),
  owner: z.string().min(1).optional(),
  tags: z.array(z.string().min(1)).optional(),
  /** Markdown shown at the top of the test page. */
  description: z.string().optional(),
  target: z.string().min(1).optional(),
  vehicle: z.string().min(1).optional(),
  px4Version: z.string().min(1).optional(),
  speed: z.union([z.string(), z.number()]).optional(),
  seed: z.union([z.string(), z.number()]).optional(),
});
export type ScenarioLabels = z.input<typeof ScenarioLabels>;

/**
 * Labels (epic/feature/story/severity/owner/tags, plus `target` as a tag) and parameters (target,
 * vehicle, PX4 version, speed, seed). Only `target` takes part in Allure's history id: the same
 * scenario on sim and on hil are different test cases, while a new seed or PX4 build is the same
 * test case run again (so its trend continues).
 */
export async function scenarioLabels(input: ScenarioLabels): Promise<void> {
  const r = ScenarioLabels.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new TypeError(`scenarioLabels: ${issue.path.join('.') || '(labels)'}: ${issue.message}`);
  }
  const l = r.data;
  const a = await api();
  if (!a) return;
  const labels: { name: string; value: string }[] = [];
  const add = (name: string, value: string | undefined) => value !== undefined && labels.push({ name, value });
  add('epic', l.epic);
  add('feature', l.feature);
  add('story', l.story);
  add('severity', l.severity);
  add('owner', l.owner);
  for (const t of l.tags ?? []) add('tag', t);
  add('tag', l.target && `target:${l.target}`);
  if (labels.length > 0) await a.labels(...labels);
  if (l.description) await a.description(l.description);
  if (l.target !== undefined) await a.parameter('target', l.target);
  const runParams: [string, string | number | undefined][] = [['vehicle', l.vehicle], ['PX4', l.px4Version], ['speed', l.speed], ['seed', l.seed]];
  for (const [name, value] of runParams) if (value !== undefined) await a.parameter(name, String(value), { excluded: true });
}

/**
 * Runs one flight phase as an Allure step (its time, pass/fail and anything attached inside it
 * land in the step). Phases nest but must not overlap: Allure's steps are a stack per test.
 *
 * Allure times a step on the host clock, which under a speed factor says little of the flight
 * (a 35 s leg flown in 265 ms). `vehicleMs`, asked when the phase ends, gives its duration on
 * the vehicle's clock: the step is then named with it ("leg to (10, 0) — 35.2 s vehicle time")
 * and carries it as a parameter.
 */
export async function phaseStep<T>(name: string, fn: () => Promise<T> | T, opts: { vehicleMs?: () => number | null } = {}): Promise<T> {
  const a = await api();
  if (!a) return fn();
  let value: T;
  await a.step(name, async (step) => {
    try {
      value = await fn();
    } finally {
      const ms = opts.vehicleMs?.() ?? null;
      if (ms !== null) {
        const took = vehicleDuration(ms);
        await step.displayName(`${name} — ${took} vehicle time`);
        await step.parameter('vehicle time', took);
      }
    }
  });
  return value!;
}

/** A vehicle-time duration for a step name: seconds, to 10 ms below 10 s and 0.1 s above. */
export function vehicleDuration(ms: number): string {
  const s = ms / 1000;
  return `${s.toFixed(Math.abs(s) < 10 ? 2 : 1)} s`;
}

/** The budget table as an HTML attachment (colours, declared limits, measured values, sample counts) and as text. */
export async function attachBudgets(results: readonly BudgetResult[], name = 'Budgets'): Promise<void> {
  const a = await api();
  if (!a) return;
  await a.attachment(`${name}.html`, budgetTableHtml(results, name), { contentType: 'text/html', fileExtension: 'html' });
  await a.attachment(`${name}.txt`, formatBudgetTable(results), { contentType: 'text/plain', fileExtension: 'txt' });
}

/** A file on disk (recording, CSV, plot); a missing file is attached as a note saying so, not thrown. */
export async function attachFile(name: string, file: string, type: string): Promise<void> {
  const a = await api();
  if (!a) return;
  if (!fs.existsSync(file)) {
    await a.attachment(`${name} (missing)`, `not written: ${file}`, { contentType: 'text/plain' });
    return;
  }
  const ext = path.extname(file).slice(1);
  await a.attachmentPath(name, file, { contentType: type, ...(ext ? { fileExtension: ext } : {}) });
}

/**
 * A chart (a vega-lite spec from plots.ts), drawn to an SVG when the report is built
 * (src/report/charts.ts) and then shown inline as an image.
 */
export async function attachChart(name: string, spec: TopLevelSpec): Promise<void> {
  const a = await api();
  if (!a) return;
  await a.attachment(name, JSON.stringify(spec), { contentType: CHART_TYPE, fileExtension: CHART_EXTENSION });
}

/** An SVG (e.g. from plots.ts) shown inline as an image. */
export async function attachSvg(name: string, svg: string): Promise<void> {
  const a = await api();
  if (!a) return;
  await a.attachment(name, svg, { contentType: 'image/svg+xml', fileExtension: 'svg' });
}

export async function attachText(name: string, text: string, type = 'text/plain'): Promise<void> {
  const a = await api();
  if (!a) return;
  await a.attachment(name, text, { contentType: type });
}

/** Logs by process/container name (Stack.logs()), one text attachment each; empty logs are skipped. */
export async function attachLogs(logs: Record<string, string>, prefix = 'log'): Promise<void> {
  const a = await api();
  if (!a) return;
  for (const [name, text] of Object.entries(logs)) {
    if (text.trim().length === 0) continue;
    await a.attachment(`${prefix}: ${name}`, text, { contentType: 'text/plain', fileExtension: 'log' });
  }
}
