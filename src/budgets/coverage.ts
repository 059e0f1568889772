import type { Budget } from './schema.js';

/**
 * Nothing measured goes unjudged and nothing declared goes unmeasured: a sample of a metric no
 * budget declares is an error (a typo on either side would otherwise drop it without a word),
 * and so is a declared budget that no test of its file gave a sample to.
 */

/** Edit distance (insertions, deletions, substitutions) between two names. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

/** The candidate closest to `name`, when it is close enough to be a likely typo (or one contains the other). */
export function closestName(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (c === name) continue;
    const d = editDistance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best === null) return null;
  const close = bestDistance <= Math.max(2, Math.floor(Math.max(name.length, best.length) / 3));
  return close || best.includes(name) || name.includes(best) ? best : null;
}

const didYouMean = (name: string, candidates: Iterable<string>) => {
  const c = closestName(name, candidates);
  return c ? ` (did you mean ${c}?)` : '';
};

/** A sample of a metric no budget of the file declares, measured without saying it is record-only. */
export class UnknownMetric extends Error {
  override name = 'UnknownMetric';
  constructor(
    readonly metric: string,
    declared: readonly string[],
  ) {
    super(
      `flight.measure: no budget declares metric "${metric}"${didYouMean(metric, declared)}; ` +
        `declared: ${declared.length > 0 ? declared.join(', ') : 'none'}. ` +
        `Declare a budget on it, or record it unjudged with flight.record('${metric}', value)`,
    );
  }
}

/** Throws UnknownMetric unless a budget declares `metric`. */
export function assertDeclaredMetric(metric: string, budgets: readonly Budget[]): void {
  if (!budgets.some((b) => b.metric === metric)) throw new UnknownMetric(metric, [...new Set(budgets.map((b) => b.metric))]);
}

/** Declared budgets that no test of a file gave a sample to (those declared optional aside). */
export class UnjudgedBudgets extends Error {
  override name = 'UnjudgedBudgets';
  constructor(
    readonly budgets: readonly Budget[],
    file: string,
    measured: readonly string[],
  ) {
    const lines = budgets.map((b) => {
      const metric = b.name === b.metric ? '' : ` (metric ${b.metric})`;
      return `budget ${b.name}${metric} got no sample${didYouMean(b.metric, measured)}`;
    });
    super(
      `${budgets.length} declared budget${budgets.length === 1 ? '' : 's'} of ${file} never judged: no test measured ${budgets.length === 1 ? 'it' : 'them'}\n` +
        `${lines.map((l) => `  ${l}`).join('\n')}\n` +
        `measured in this file: ${measured.length > 0 ? measured.join(', ') : 'nothing'}. ` +
        `Measure it, or declare it optional: true if it may go unmeasured.`,
    );
  }
}

/** The budgets, not optional, whose names are not in `judged`. */
export function unjudgedBudgets(budgets: readonly Budget[], judged: ReadonlySet<string>): Budget[] {
  return budgets.filter((b) => !b.optional && !judged.has(b.name));
}
