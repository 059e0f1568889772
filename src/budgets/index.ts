export {
  BudgetClock,
  BudgetSpec,
  BudgetError,
  parseBudgets,
  Stat,
  STATS,
  Unit,
  type Budget,
  type BudgetSpecInput,
  type BudgetSpecOutput,
  type Limit,
  type LimitInput,
  type LimitKind,
  type MarginalBand,
  type MarginalInput,
} from './schema.js';
export { samplesSpan, withHostStall } from './host-stall.js';
export { percentile, percentileSorted, sortedCopy, summarize, type Stats } from './percentile.js';
export { Measurements, type Sample, type SampleMeta, type SampleListener } from './measurements.js';
export {
  evaluateBudget,
  evaluateAll,
  checkLimit,
  formatBudgetTable,
  formatValue,
  BudgetFailure,
  assertWithinBudgets,
  type BudgetResult,
  type HostStall,
  type CheckResult,
  type Outcome,
  type SampleLike,
  type SampleSource,
} from './evaluate.js';
export { UnjudgedBudgets, UnknownMetric, assertDeclaredMetric, closestName, unjudgedBudgets } from './coverage.js';
export { STACK_QUANTITIES, stackMetric, parseStackMetric, type StackQuantity } from './stack-metrics.js';
