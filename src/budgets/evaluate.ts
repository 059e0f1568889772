import type { ClockName } from '../clock/index.js';
import type { Sample } from './measurements.js';
import { summarize, type Stats } from './percentile.js';
import type { Budget, BudgetClock, Limit, LimitKind, MarginalBand, Stat, Unit } from './schema.js';

export type Outcome = 'PASS' | 'MARGINAL' | 'FAIL';

export interface CheckResult {
  stat: Stat;
  kind: LimitKind;
  limit: number;
  /** null when there were no samples to measure. */
  measured: number | null;
  outcome: Outcome;
}

/** A budget's judgement of one test's samples, as the report and summary.json show it. */
export interface BudgetResult {
  /** The budget's name (its key in `budgets`). */
  name: string;
  /** The metric it judges. */
  metric: string;
  /** The clock the samples were judged on: a 'system' budget's is its samples' ('system' while it has none). */
  clock: BudgetClock;
  /** Set when the budget was declared on the 'system' clock (`clock` is then the one its samples named). */
  declaredClock?: 'system';
  /** The unit of its limits and statistics. */
  unit: Unit;
  /** PASS, MARGINAL (passing, within the marginal band of a limit) or FAIL. */
  outcome: Outcome;
  /** Samples evaluated (those on the budget's clock and unit). */
  count: number;
  /** Fewer samples than this fail. */
  minSamples: number;
  /** null when there were no samples. */
  stats: Stats | null;
  /** Each declared limit against its statistic. */
  checks: CheckResult[];
  /** One line, e.g. "p95 412ms > 250ms". */
  reason: string;
  /** Largest clock-offset uncertainty among the samples, when any carried one. */
  maxUncertaintyMs?: number;
  /**
   * On host-clock budgets: how much the host's own event loop stalled while the samples were
   * taken, so a reviewer sees whether the host or the system under test was slow.
   */
  hostStall?: HostStall;
  /** The declaration's `description`. */
  description?: string;
}

/** Event-loop delay of the measuring process over a span of host time (perf_hooks). */
export interface HostStall {
  /** The span covered, ms of host time. */
  spanMs: number;
  /** Upper bound of the 99th percentile of event-loop delay (the worst 100 ms slice's p99), ms. */
  p99Ms: number;
  /** Longest single event-loop delay seen in the span, ms. */
  maxMs: number;
}

/** What evaluation reads from a sample; a bare number is a sample with no metadata. */
export type SampleLike = Pick<Sample, 'value'> & Partial<Pick<Sample, 'clock' | 'unit' | 'uncertaintyMs'>>;

/** Width of the MARGINAL band next to `limit`: a fraction of |limit| or an absolute amount. */
function bandWidth(limit: number, marginal: MarginalBand | undefined): number {
  if (!marginal) return 0;
  return 'fraction' in marginal ? marginal.fraction * Math.abs(limit) : marginal.absolute;
}

/**
 * Edges: a value equal to the limit passes. With a band of width w > 0, passing values within w
 * of the limit, both ends included, are MARGINAL: atMost L → [L − w, L], atLeast L → [L, L + w].
 */
export function checkLimit(limit: Limit, measured: number, marginal?: MarginalBand): Outcome {
  const w = bandWidth(limit.value, marginal);
  if (limit.kind === 'atMost') {
    if (measured > limit.value) return 'FAIL';
    return w > 0 && measured >= limit.value - w ? 'MARGINAL' : 'PASS';
  }
  if (measured < limit.value) return 'FAIL';
  return w > 0 && measured <= limit.value + w ? 'MARGINAL' : 'PASS';
}

function formatNumber(v: number): string {
  const a = Math.abs(v);
  return a === 0 || a >= 0.01 ? String(Number(v.toFixed(3))) : v.toPrecision(3);
}

/** A value with its unit: "412ms", "8.2s", "93%", "1.5 m/s", "12" (count). */
export function formatValue(v: number, unit: Unit, exact = false): string {
  const n = exact ? String(v) : formatNumber(v);
  if (unit === 'count') return n;
  return unit === 'ms' || unit === 's' || unit === '%' ? `${n}${unit}` : `${n} ${unit}`;
}

/** "p95 412ms > 250ms"; full precision when rounding would make both sides look equal. */
function describeCheck(c: CheckResult, unit: Unit, marginal: MarginalBand | undefined): string {
  if (c.measured === null) return `${c.stat} not measured`;
  const exact = formatNumber(c.measured) === formatNumber(c.limit) && c.measured !== c.limit;
  const m = formatValue(c.measured, unit, exact);
  const l = formatValue(c.limit, unit, exact);
  const text = c.outcome === 'FAIL' ? `${c.stat} ${m} ${c.kind === 'atMost' ? '>' : '<'} ${l}` : `${c.stat} ${m} ${c.kind === 'atMost' ? '<=' : '>='} ${l}`;
  return c.outcome === 'MARGINAL' ? `${text} (within marginal band ${formatValue(bandWidth(c.limit, marginal), unit)})` : text;
}

const samplesText = (n: number) => `${n} sample${n === 1 ? '' : 's'}`;

export function evaluateBudget(budget: Budget, samples: ReadonlyArray<number | SampleLike>): BudgetResult {
  const problems: string[] = [];
  const values: number[] = [];
  let maxUncertaintyMs: number | undefined;
  const offClock = new Map<string, number>();
  const offUnit = new Map<string, number>();
  const clock = budget.clock === 'system' ? systemClock(samples, problems) : budget.clock;
  for (const s of samples) {
    if (typeof s === 'number') {
      if (budget.clock !== 'system') values.push(s);
      continue;
    }
    // Mixing clocks or units is a test bug, not a slow vehicle: such samples fail the budget.
    if (budget.clock === 'system' && s.clock === undefined) continue;
    if (s.clock !== undefined && s.clock !== clock) offClock.set(s.clock, (offClock.get(s.clock) ?? 0) + 1);
    else if (s.unit !== undefined && s.unit !== budget.unit) offUnit.set(s.unit, (offUnit.get(s.unit) ?? 0) + 1);
    else {
      values.push(s.value);
      if (s.uncertaintyMs !== undefined) maxUncertaintyMs = Math.max(maxUncertaintyMs ?? 0, s.uncertaintyMs);
    }
  }
  for (const [c, n] of offClock) problems.push(`${samplesText(n)} on ${c} clock, budget is on ${clock} clock`);
  for (const [unit, n] of offUnit) problems.push(`${samplesText(n)} in ${unit}, budget is in ${budget.unit}`);
  if (values.length < budget.minSamples) problems.unshift(`${samplesText(values.length)} < minSamples ${budget.minSamples}`);

  const stats = values.length > 0 ? summarize(values) : null;
  const checks: CheckResult[] = budget.limits.map((limit) => {
    const measured = stats ? stats[limit.stat] : null;
    return {
      stat: limit.stat,
      kind: limit.kind,
      limit: limit.value,
      measured,
      outcome: measured === null ? 'FAIL' : checkLimit(limit, measured, budget.marginal),
    };
  });

  const failed = checks.filter((c) => c.outcome === 'FAIL');
  const marginal = checks.filter((c) => c.outcome === 'MARGINAL');
  const outcome: Outcome = problems.length > 0 || failed.length > 0 ? 'FAIL' : marginal.length > 0 ? 'MARGINAL' : 'PASS';
  const shown = outcome === 'FAIL' ? failed.filter((c) => c.measured !== null) : outcome === 'MARGINAL' ? marginal : checks;
  const reason = [...problems, ...shown.map((c) => describeCheck(c, budget.unit, budget.marginal))].join('; ');

  return {
    name: budget.name,
    metric: budget.metric,
    clock,
    ...(budget.clock === 'system' && { declaredClock: 'system' as const }),
    unit: budget.unit,
    outcome,
    count: values.length,
    minSamples: budget.minSamples,
    stats,
    checks,
    reason,
    ...(maxUncertaintyMs !== undefined && { maxUncertaintyMs }),
    ...(budget.description !== undefined && { description: budget.description }),
  };
}

/**
 * The clock a 'system' budget judges on: the one its samples name (the majority, when they
 * disagree; the others then fail it). Samples naming none are a test bug and fail it too.
 */
function systemClock(samples: ReadonlyArray<number | SampleLike>, problems: string[]): BudgetClock {
  const counts = new Map<ClockName, number>();
  let unnamed = 0;
  for (const s of samples) {
    if (typeof s === 'number' || s.clock === undefined) unnamed++;
    else counts.set(s.clock, (counts.get(s.clock) ?? 0) + 1);
  }
  if (unnamed > 0) problems.push(`${samplesText(unnamed)} name no clock, budget is on the system's clock (each sample says vehicle or host)`);
  let best: ClockName | null = null;
  for (const [c, n] of counts) if (best === null || n > counts.get(best)!) best = c;
  return best ?? 'system';
}

/** Anything that hands out samples by metric, e.g. Measurements. */
export interface SampleSource {
  samples(metric: string): ReadonlyArray<number | SampleLike>;
}

export function evaluateAll(budgets: readonly Budget[], source: SampleSource): BudgetResult[] {
  return budgets.map((b) => evaluateBudget(b, source.samples(b.metric)));
}

/**
 * Aligned plain-text table, one row per check (plus an "n" row when samples were too few), then
 * one line per budget that did not pass, with its reason.
 */
export function formatBudgetTable(results: readonly BudgetResult[]): string {
  const header = ['budget', 'clock', 'stat', 'limit', 'measured', 'n', 'outcome'];
  const rows: string[][] = [];
  for (const r of results) {
    const budget = r.name === r.metric ? r.name : `${r.name} (${r.metric})`;
    const pm = r.maxUncertaintyMs !== undefined ? ` ±${formatValue(r.maxUncertaintyMs, 'ms')}` : '';
    const lines: string[][] = r.checks.map((c) => [
      c.stat,
      `${c.kind === 'atMost' ? '<=' : '>='} ${formatValue(c.limit, r.unit)}`,
      c.measured === null ? '-' : formatValue(c.measured, r.unit) + pm,
      c.outcome,
    ]);
    if (r.count < r.minSamples) lines.push(['n', `>= ${r.minSamples}`, String(r.count), 'FAIL']);
    lines.forEach((l, i) => rows.push(i === 0 ? [budget, r.clock, l[0]!, l[1]!, l[2]!, String(r.count), l[3]!] : ['', '', l[0]!, l[1]!, l[2]!, '', l[3]!]));
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const notes = results.filter((r) => r.outcome !== 'PASS').map((r) => `${r.name} ${r.outcome}: ${r.reason}`);
  return [line(header), ...rows.map(line), ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}

/** Thrown when budgets fail; the message holds the table of the failing ones. */
export class BudgetFailure extends Error {
  override name = 'BudgetFailure';
  /** The results that failed. */
  readonly failures: readonly BudgetResult[];
  constructor(
    /** Every result judged, failing or not. */
    readonly results: readonly BudgetResult[],
  ) {
    const failures = results.filter((r) => r.outcome === 'FAIL');
    super(`${failures.length} of ${results.length} budgets failed\n${formatBudgetTable(failures)}`);
    this.failures = failures;
  }
}

/** Throws BudgetFailure when any budget failed (MARGINAL passes); returns the results otherwise. */
export function assertWithinBudgets<T extends readonly BudgetResult[]>(results: T): T {
  if (results.some((r) => r.outcome === 'FAIL')) throw new BudgetFailure(results);
  return results;
}
