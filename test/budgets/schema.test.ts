import { BudgetError, BudgetSpec, parseBudgets } from '../../src/budgets/index.js';

const base = { metric: 'command_ack_latency', clock: 'host', unit: 'ms', limits: { p95: 250 } } as const;

/** The BudgetError thrown for `input`. */
function errorOf(input: unknown): BudgetError {
  try {
    parseBudgets(input);
  } catch (e) {
    expect(e).toBeInstanceOf(BudgetError);
    return e as BudgetError;
  }
  throw new Error('expected parseBudgets to throw');
}

describe('parseBudgets', () => {
  it('parses the record form, naming budgets by key and normalizing limits', () => {
    const [ack, takeoff] = parseBudgets({
      ack: { ...base, limits: { p95: '250ms', max: '1.5s' }, marginal: 0.1, minSamples: 20, description: 'command to COMMAND_ACK' },
      takeoff_time: { metric: 'takeoff_time', clock: 'vehicle', unit: 's', limits: { max: '8s', p50: '6500ms' } },
    });
    expect(ack).toEqual({
      name: 'ack',
      metric: 'command_ack_latency',
      clock: 'host',
      unit: 'ms',
      limits: [
        { stat: 'p95', kind: 'atMost', value: 250 },
        { stat: 'max', kind: 'atMost', value: 1500 },
      ],
      marginal: { fraction: 0.1 },
      minSamples: 20,
      description: 'command to COMMAND_ACK',
    });
    // Durations are converted into the budget's unit (s here); minSamples defaults to 1.
    expect(takeoff).toEqual({
      name: 'takeoff_time',
      metric: 'takeoff_time',
      clock: 'vehicle',
      unit: 's',
      limits: [
        { stat: 'p50', kind: 'atMost', value: 6.5 },
        { stat: 'max', kind: 'atMost', value: 8 },
      ],
      minSamples: 1,
    });
  });

  it('parses the array form, the name defaulting to the metric', () => {
    const budgets = parseBudgets([base, { ...base, name: 'ack_vehicle', clock: 'vehicle' }]);
    expect(budgets.map((b) => [b.name, b.clock])).toEqual([
      ['command_ack_latency', 'host'],
      ['ack_vehicle', 'vehicle'],
    ]);
  });

  it('reads bare limits as upper bounds, except min which is a lower bound', () => {
    const [b] = parseBudgets([{ ...base, unit: 'Hz', limits: { mean: 40, min: 10 } }]);
    expect(b!.limits).toEqual([
      { stat: 'mean', kind: 'atMost', value: 40 },
      { stat: 'min', kind: 'atLeast', value: 10 },
    ]);
  });

  it('accepts explicit atLeast / atMost on any statistic', () => {
    const [b] = parseBudgets([
      { metric: 'detection_rate', clock: 'host', unit: 'Hz', limits: { p50: { atLeast: 25 }, min: { atMost: 100 }, max: { atMost: 31 } } },
    ]);
    expect(b!.limits).toEqual([
      { stat: 'p50', kind: 'atLeast', value: 25 },
      { stat: 'min', kind: 'atMost', value: 100 },
      { stat: 'max', kind: 'atMost', value: 31 },
    ]);
  });

  it('accepts marginal bands as a fraction, a duration or an absolute amount', () => {
    const [a, b, c, d] = parseBudgets([
      { ...base, name: 'a', marginal: { fraction: 0.25 } },
      { ...base, name: 'b', marginal: '20ms' },
      { ...base, name: 'c', unit: 's', marginal: { absolute: '500ms' } },
      { ...base, name: 'd', unit: 'm', marginal: { absolute: 0.3 } },
    ]);
    expect(a!.marginal).toEqual({ fraction: 0.25 });
    expect(b!.marginal).toEqual({ absolute: 20 });
    expect(c!.marginal).toEqual({ absolute: 0.5 });
    expect(d!.marginal).toEqual({ absolute: 0.3 });
  });

  it('names the path and the problem in a one-line message', () => {
    const e = errorOf({ takeoff_time: { ...base, limits: { p95: 'fast' } } });
    expect(e.message).toBe('budgets.takeoff_time.limits.p95: invalid duration "fast": expected a number with a unit (us, ms, s, min), e.g. "250ms" or "8s"');
    expect(e.message).not.toContain('\n');
    expect(e.issues).toEqual([{ path: 'budgets.takeoff_time.limits.p95', message: expect.stringContaining('invalid duration') }]);
  });

  it.each([
    ['unknown field', [{ ...base, limit: 3 }], 'budgets[0]: Unrecognized key: "limit"'],
    ['unknown statistic', [{ ...base, limits: { p90: 3 } }], 'budgets[0].limits: Unrecognized key: "p90"'],
    ['unknown key in a bound', [{ ...base, limits: { p95: { atmost: 3 } } }], 'budgets[0].limits.p95: Unrecognized key: "atmost"'],
    ['both bounds', [{ ...base, limits: { p95: { atMost: 3, atLeast: 1 } } }], 'budgets[0].limits.p95: give exactly one of atMost or atLeast'],
    ['no limits', [{ ...base, limits: {} }], 'budgets[0].limits: at least one limit is required'],
    ['bad bound type', [{ ...base, limits: { max: true } }], 'budgets[0].limits.max: expected a number, a duration'],
    ['bad value in a bound', [{ ...base, limits: { max: { atLeast: '3 parsecs' } } }], 'budgets[0].limits.max.atLeast: invalid duration "3 parsecs"'],
    ['duration with a non-time unit', { x: { ...base, unit: 'm', limits: { max: '3s' } } }, 'budgets.x.limits.max: duration "3s" given but the unit is m'],
    ['unknown clock', [{ ...base, clock: 'wall' }], 'budgets[0].clock: Invalid option'],
    ['unknown unit', [{ ...base, unit: 'ft' }], 'budgets[0].unit: Invalid option'],
    ['minSamples 0', [{ ...base, minSamples: 0 }], 'budgets[0].minSamples: Too small'],
    ['fractional minSamples', [{ ...base, minSamples: 2.5 }], 'budgets[0].minSamples:'],
    ['fraction >= 1', [{ ...base, marginal: 5 }], 'budgets[0].marginal: fraction 5 outside [0, 1): write { absolute: 5 }'],
    ['negative band', [{ ...base, marginal: { absolute: -1 } }], 'budgets[0].marginal.absolute: band -1 is negative'],
    ['both band kinds', [{ ...base, marginal: { fraction: 0.1, absolute: 2 } }], 'budgets[0].marginal: give exactly one of fraction or absolute'],
    ['empty metric', [{ ...base, metric: '' }], 'budgets[0].metric: Too small'],
    ['missing metric', [{ clock: 'host', unit: 'ms', limits: { max: 1 } }], 'budgets[0].metric:'],
    ['name differing from its key', { ack: { ...base, name: 'other' } }, 'budgets.ack.name: name "other" differs from its key "ack"'],
    ['duplicate names', [base, base], 'budgets[1].name: duplicate budget name "command_ack_latency"'],
    ['key needing quotes', { 'my budget': { ...base, clock: 'x' } }, 'budgets["my budget"].clock:'],
    ['not a list', 42, 'budgets: expected an array of budgets or a record'],
    ['null', null, 'budgets: expected an array of budgets or a record'],
  ])('rejects %s', (_what, input, message) => {
    const got = errorOf(input).message;
    expect(got.slice(0, message.length)).toBe(message);
    expect(got).not.toContain('\n');
  });

  it('reports every problem, not only the first', () => {
    const e = errorOf([{ ...base, limits: { p50: 'x', max: 'y' } }, { ...base, name: 'b', clock: 'wall' }]);
    expect(e.message).toMatch(/^budgets\[0\]\.limits\.p50: .* \(and 2 more\)$/);
    expect(e.issues.map((i) => i.path)).toEqual(['budgets[0].limits.p50', 'budgets[0].limits.max', 'budgets[1].clock']);
  });
});

describe('BudgetSpec', () => {
  it('is a zod schema for one budget', () => {
    const r = BudgetSpec.safeParse({ ...base, limits: { p99: '2s' } });
    expect(r.success && r.data.limits).toEqual([{ stat: 'p99', kind: 'atMost', value: 2000 }]);
    expect(BudgetSpec.safeParse({ ...base, extra: 1 }).success).toBe(false);
  });
});
