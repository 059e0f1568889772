import { z } from 'zod';
import { parseDuration } from '../clock/index.js';

/**
 * The clock a budget judges on: 'vehicle', 'host', or 'system' — the clock of the component under
 * test, which each sample names: the vehicle clock where that component is simulated (its latency
 * is the simulator's own, from the simulator's stamps), the host clock where it is a real process
 * (PX4 SITL, a detector in a container, a rig). One declaration, the right clock on every target.
 */
export const BudgetClock = z.enum(['vehicle', 'host', 'system']);
export type BudgetClock = z.infer<typeof BudgetClock>;

/** A budget's unit; durations may be written as strings ('250ms') where it is ms or s. */
export const Unit = z.enum(['ms', 's', 'm', 'm/s', 'deg', 'Hz', '%', 'count', 'MiB']);
export type Unit = z.infer<typeof Unit>;

/**
 * Order in which limits are checked and shown. `jitter` is p95 − p50: how far the slow tail sits
 * from the typical sample (what a detector's or a link's steadiness is judged by).
 */
export const STATS = ['p50', 'p95', 'p99', 'jitter', 'mean', 'min', 'max'] as const;
export const Stat = z.enum(STATS);
export type Stat = z.infer<typeof Stat>;

export type LimitKind = 'atMost' | 'atLeast';

/** A normalized limit: `value` is in the budget's unit. */
export interface Limit {
  stat: Stat;
  kind: LimitKind;
  value: number;
}

/** How close to a limit (on the passing side) counts as MARGINAL. */
export type MarginalBand = { fraction: number } | { absolute: number };

/** A value as written: a number in the budget's unit, or a duration string when the unit is ms or s. */
type ValueInput = number | string;
/** A bare value is an upper bound, except for `min` where it is a lower bound. */
export type LimitInput = ValueInput | { atMost: ValueInput } | { atLeast: ValueInput };
/** A bare number is a fraction of the limit; a duration string or `{ absolute }` is in the unit. */
export type MarginalInput = number | string | { fraction: number } | { absolute: ValueInput };

const Value = z.union([z.number(), z.string()], { error: 'expected a number or a duration such as "250ms"' });

/** Objects get their own strict schema so a typo yields "unrecognized key", not a bare union error. */
function numberStringOrObject<T>(object: z.ZodType, expected: string) {
  return z.custom<T>().superRefine((v, ctx) => {
    if (typeof v === 'number' || typeof v === 'string') return;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const r = object.safeParse(v);
      if (!r.success) for (const iss of r.error.issues) ctx.addIssue({ code: 'custom', message: iss.message, path: iss.path });
      return;
    }
    ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v}` });
  });
}

const LimitObject = z
  .object({ atMost: Value.optional(), atLeast: Value.optional() })
  .strict()
  .refine((o) => (o.atMost === undefined) !== (o.atLeast === undefined), 'give exactly one of atMost or atLeast');
const LimitField = numberStringOrObject<LimitInput>(LimitObject, 'a number, a duration such as "250ms", { atMost } or { atLeast }');

const MarginalObject = z
  .object({ fraction: z.number().optional(), absolute: Value.optional() })
  .strict()
  .refine((o) => (o.fraction === undefined) !== (o.absolute === undefined), 'give exactly one of fraction or absolute');
const MarginalField = numberStringOrObject<MarginalInput>(MarginalObject, 'a fraction such as 0.1, a duration, { fraction } or { absolute }');

const Limits = z
  .object(Object.fromEntries(STATS.map((s) => [s, LimitField.optional()])) as Record<Stat, z.ZodOptional<typeof LimitField>>)
  .strict()
  .refine((l) => STATS.some((s) => l[s] !== undefined), `at least one limit is required (${STATS.join(', ')})`);

/** Converts a written value into the unit, or returns an error message. */
function toUnit(v: ValueInput, unit: Unit): number | string {
  if (typeof v === 'number') return Number.isFinite(v) ? v : `${v} is not a finite number`;
  if (unit !== 'ms' && unit !== 's') return `duration "${v}" given but the unit is ${unit}: write a number`;
  try {
    const ms = parseDuration(v);
    return unit === 's' ? ms / 1000 : ms;
  } catch (e) {
    return (e as Error).message;
  }
}

/** One declared budget. Parses into a normalized form: limits as a list, values in the unit. */
export const BudgetSpec = z
  .object({
    /** In the array form; the record form's key is the name. Default: the metric. */
    name: z.string().min(1).optional(),
    /** The name `flight.measure` records samples under. */
    metric: z.string().min(1),
    /** The clock its samples are on: 'vehicle', 'host', or 'system' (each sample names its own). */
    clock: BudgetClock,
    /** The unit of the samples and limits. */
    unit: Unit,
    /**
     * Any of p50 p95 p99 jitter (p95 − p50) mean min max: a plain value is an upper bound (for
     * `min` a lower one), or `{ atMost }` / `{ atLeast }`.
     */
    limits: Limits,
    /** Within this of a limit on the passing side is MARGINAL: a fraction of it, or an amount (`'20ms'`, `{ absolute }`). */
    marginal: MarginalField.optional(),
    /** Fewer samples than this fail, saying so (default 1). */
    minSamples: z.number().int().min(1).default(1),
    /** A budget that may go unmeasured in a file's run; otherwise a budget no test measured fails the file. */
    optional: z.boolean().optional(),
    /** Why the limit is what it is: shown with the result in the report. */
    description: z.string().optional(),
  })
  .strict()
  .transform((spec, ctx) => {
    let failed = false;
    const fail = (path: (string | number)[], message: string) => {
      ctx.addIssue({ code: 'custom', message, path });
      failed = true;
    };
    const limits: Limit[] = [];
    for (const stat of STATS) {
      const raw = spec.limits[stat];
      if (raw === undefined) continue;
      let kind: LimitKind;
      let written: ValueInput;
      const path: (string | number)[] = ['limits', stat];
      if (typeof raw === 'object') {
        const upper = 'atMost' in raw && raw.atMost !== undefined;
        kind = upper ? 'atMost' : 'atLeast';
        written = upper ? raw.atMost : (raw as { atLeast: ValueInput }).atLeast;
        path.push(kind);
      } else {
        kind = stat === 'min' ? 'atLeast' : 'atMost';
        written = raw;
      }
      const value = toUnit(written, spec.unit);
      if (typeof value === 'string') fail(path, value);
      else limits.push({ stat, kind, value });
    }

    let marginal: MarginalBand | undefined;
    const m = spec.marginal;
    if (m !== undefined) {
      const fraction = typeof m === 'number' ? m : typeof m === 'object' && 'fraction' in m ? m.fraction : undefined;
      if (fraction !== undefined) {
        const path = typeof m === 'number' ? ['marginal'] : ['marginal', 'fraction'];
        if (!(fraction >= 0 && fraction < 1)) {
          fail(path, `fraction ${fraction} outside [0, 1): write { absolute: ${fraction} } for a band in ${spec.unit}`);
        }
        marginal = { fraction };
      } else {
        const written = typeof m === 'string' ? m : (m as { absolute: ValueInput }).absolute;
        const path = typeof m === 'string' ? ['marginal'] : ['marginal', 'absolute'];
        const absolute = toUnit(written, spec.unit);
        if (typeof absolute === 'string') fail(path, absolute);
        else if (absolute < 0) fail(path, `band ${absolute} is negative`);
        else marginal = { absolute };
      }
    }

    if (failed) return z.NEVER;
    return {
      ...(spec.name !== undefined && { name: spec.name }),
      metric: spec.metric,
      clock: spec.clock,
      unit: spec.unit,
      limits,
      ...(marginal && { marginal }),
      minSamples: spec.minSamples,
      ...(spec.optional === true && { optional: true as const }),
      ...(spec.description !== undefined && { description: spec.description }),
    };
  });

/** A budget as a scenario declares it, next to `useFlight({ budgets: { name: spec } })`. */
export type BudgetSpecInput = z.input<typeof BudgetSpec>;
export type BudgetSpecOutput = z.output<typeof BudgetSpec>;

/** A parsed budget; `name` defaults to the metric (array form) or is the record key. */
export type Budget = Omit<BudgetSpecOutput, 'name'> & { name: string };

/** Invalid budget declarations; `message` is one line naming the path of the first problem. */
export class BudgetError extends Error {
  override name = 'BudgetError';
  constructor(
    message: string,
    readonly issues: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = 'budgets';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(String(k))) out += `.${String(k)}`;
    else out += `[${JSON.stringify(String(k))}]`;
  }
  return out;
}

function throwIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): never {
  const list = issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
  const first = list[0]!;
  const more = list.length > 1 ? ` (and ${list.length - 1} more)` : '';
  throw new BudgetError(`${first.path}: ${first.message}${more}`, list);
}

/**
 * Parses budget declarations: an array of specs (name defaults to the metric) or a record
 * `{ name: spec }`. Throws BudgetError naming the path of what is wrong.
 */
export function parseBudgets(input: unknown): Budget[] {
  const out: Budget[] = [];
  const issues: { path: PropertyKey[]; message: string }[] = [];
  let entries: [string | number, unknown][];
  if (Array.isArray(input)) entries = input.map((v, i) => [i, v]);
  else if (input !== null && typeof input === 'object') entries = Object.entries(input);
  else throwIssues([{ path: [], message: `expected an array of budgets or a record { name: budget }, got ${input === null ? 'null' : typeof input}` }]);

  const seen = new Set<string>();
  for (const [key, value] of entries) {
    const r = BudgetSpec.safeParse(value);
    if (!r.success) {
      issues.push(...r.error.issues.map((i) => ({ path: [key, ...i.path], message: i.message })));
      continue;
    }
    const { name: declared, ...spec } = r.data;
    if (typeof key === 'string' && declared !== undefined && declared !== key) {
      issues.push({ path: [key, 'name'], message: `name "${declared}" differs from its key "${key}"` });
      continue;
    }
    const name = typeof key === 'string' ? key : (declared ?? spec.metric);
    if (seen.has(name)) {
      issues.push({ path: [key, 'name'], message: `duplicate budget name "${name}"` });
      continue;
    }
    seen.add(name);
    out.push({ name, ...spec });
  }
  if (issues.length > 0) throwIssues(issues);
  return out;
}
