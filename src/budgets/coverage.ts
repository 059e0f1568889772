import { nearest } from '../config/did-you-mean.js';
import type { Budget } from './schema.js';

/**
 * Nothing measured goes unjudged and nothing declared goes unmeasured: a sample of a metric no
 * budget declares is an error (a typo on either side would otherwise drop it without a word),
 * and so is a declared budget that no test of its file gave a sample to.
 */

/**
 * The metric closest to `name`, when it is close enough to be a likely typo, or one name contains
 * the other (`command_ack` for `command_ack_latency`): metric names are long, so the rule is looser
 * than the CLI's.
 */
export function closestName(name: string, candidates: Iterable<string>): string | null {
  const best = nearest(name, candidates);
  if (best === null) return null;
  const c = best.candidate;
  const close = best.distance <= Math.max(2, Math.floor(Math.max(name.length, c.length) / 3));
  return close || c.includes(name) || name.includes(c) ? c : null;
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
