import {
  assertWithinBudgets,
  BudgetFailure,
  evaluateAll,
  evaluateBudget,
  formatBudgetTable,
  Measurements,
  parseBudgets,
  type Budget,
  type BudgetSpecInput,
} from '../../src/budgets/index.js';

function budget(spec: Partial<BudgetSpecInput> & Pick<BudgetSpecInput, 'limits'>): Budget {
  return parseBudgets([{ metric: 'latency', clock: 'host', unit: 'ms', ...spec }])[0]!;
}

/** Outcome of one sample (so every statistic equals it) against `b`. */
const outcomeOf = (b: Budget, v: number) => evaluateBudget(b, [v]).outcome;

describe('evaluateBudget edges', () => {
  it('upper bound without a band: equal passes, above fails', () => {
    const b = budget({ limits: { max: 250 } });
    expect(outcomeOf(b, 249)).toBe('PASS');
    expect(outcomeOf(b, 250)).toBe('PASS');
    expect(outcomeOf(b, 250.001)).toBe('FAIL');
  });

  it('upper bound with a 10% band: [225, 250] is MARGINAL, both ends included', () => {
    const b = budget({ limits: { p95: 250 }, marginal: 0.1 });
    expect(outcomeOf(b, 224.999)).toBe('PASS');
    expect(outcomeOf(b, 225)).toBe('MARGINAL');
    expect(outcomeOf(b, 250)).toBe('MARGINAL');
    expect(outcomeOf(b, 250.001)).toBe('FAIL');
  });

  it('lower bound with an absolute band: [25, 30] is MARGINAL, below 25 fails', () => {
    const b = budget({ unit: 'Hz', limits: { p50: { atLeast: 25 } }, marginal: { absolute: 5 } });
    expect(outcomeOf(b, 24.999)).toBe('FAIL');
    expect(outcomeOf(b, 25)).toBe('MARGINAL');
    expect(outcomeOf(b, 30)).toBe('MARGINAL');
    expect(outcomeOf(b, 30.001)).toBe('PASS');
  });

  it('a bare min limit is a lower bound', () => {
    const b = budget({ unit: 'm', limits: { min: 2.5 } });
    expect(outcomeOf(b, 2.5)).toBe('PASS');
    expect(outcomeOf(b, 2.49)).toBe('FAIL');
    expect(outcomeOf(b, 100)).toBe('PASS');
  });

  it('an explicit atMost on min is an upper bound', () => {
    const b = budget({ limits: { min: { atMost: 10 } } });
    expect(outcomeOf(b, 10)).toBe('PASS');
    expect(outcomeOf(b, 10.5)).toBe('FAIL');
  });

  it('the band is a fraction of |limit| for negative limits', () => {
    const b = budget({ unit: 'deg', limits: { max: -10 }, marginal: 0.1 });
    expect(outcomeOf(b, -11.001)).toBe('PASS');
    expect(outcomeOf(b, -11)).toBe('MARGINAL');
    expect(outcomeOf(b, -9.999)).toBe('FAIL');
  });
});

describe('evaluateBudget', () => {
  it('reports stats and one check per limit, with a readable reason', () => {
    const b = budget({ limits: { p95: '250ms', max: '1s' } });
    const r = evaluateBudget(b, [412, 412, 412]);
    expect(r).toMatchObject({ name: 'latency', metric: 'latency', clock: 'host', unit: 'ms', outcome: 'FAIL', count: 3, reason: 'p95 412ms > 250ms' });
    expect(r.stats).toEqual({ p50: 412, p95: 412, p99: 412, jitter: 0, mean: 412, min: 412, max: 412 });
    expect(r.checks).toEqual([
      { stat: 'p95', kind: 'atMost', limit: 250, measured: 412, outcome: 'FAIL' },
      { stat: 'max', kind: 'atMost', limit: 1000, measured: 412, outcome: 'PASS' },
    ]);
  });

  it('uses the percentile of the samples, not their max', () => {
    // 100 samples 1..100: p95 = 95.05, max = 100.
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(evaluateBudget(budget({ limits: { p95: 95.05 } }), values).outcome).toBe('PASS');
    expect(evaluateBudget(budget({ limits: { p95: 95 } }), values).reason).toBe('p95 95.05ms > 95ms');
  });

  it('judges jitter as p95 − p50: a steady detector passes, one with a slow tail fails at the same p50', () => {
    // 100 samples around 14 ms; the jittery set has the same median but its slowest 10 % at 60 ms.
    const steady = Array.from({ length: 100 }, (_, i) => 13 + (i % 5) * 0.5);
    const tail = steady.map((v, i) => (i % 10 === 9 ? 60 : v));
    const b = budget({ limits: { p50: '25ms', jitter: '20ms' } });
    expect(evaluateBudget(b, steady).outcome).toBe('PASS');
    const r = evaluateBudget(b, tail);
    expect(r.stats!.jitter).toBeCloseTo(r.stats!.p95 - r.stats!.p50, 9);
    expect(r.reason).toBe(`jitter ${Number((60 - r.stats!.p50).toFixed(3))}ms > 20ms`);
  });

  it('FAIL wins over MARGINAL, MARGINAL over PASS', () => {
    const b = budget({ limits: { p50: 100, max: 200 }, marginal: 0.1 });
    expect(evaluateBudget(b, [50, 60, 70]).outcome).toBe('PASS');
    const marginal = evaluateBudget(b, [50, 60, 195]);
    expect(marginal.outcome).toBe('MARGINAL');
    expect(marginal.reason).toBe('max 195ms <= 200ms (within marginal band 20ms)');
    const failed = evaluateBudget(b, [95, 96, 201]);
    expect(failed.checks.map((c) => c.outcome)).toEqual(['MARGINAL', 'FAIL']);
    expect(failed.outcome).toBe('FAIL');
    expect(failed.reason).toBe('max 201ms > 200ms');
  });

  it('lists every passing check in the reason of a PASS', () => {
    const r = evaluateBudget(budget({ unit: 'Hz', limits: { p50: { atLeast: 25 }, min: 10 } }), [28, 30, 32]);
    expect(r.reason).toBe('p50 30 Hz >= 25 Hz; min 28 Hz >= 10 Hz');
  });

  it('fails on too few samples even when the checks pass', () => {
    const r = evaluateBudget(budget({ limits: { p95: 250 }, minSamples: 20 }), [10, 11, 12]);
    expect(r.outcome).toBe('FAIL');
    expect(r.reason).toBe('3 samples < minSamples 20');
    expect(r.checks[0]!.outcome).toBe('PASS');
    const enough = evaluateBudget(budget({ limits: { p95: 250 }, minSamples: 3 }), [10, 11, 12]);
    expect(enough.outcome).toBe('PASS');
  });

  it('fails with no samples, with no stats and unmeasured checks', () => {
    const r = evaluateBudget(budget({ limits: { p95: 250 } }), []);
    expect(r).toMatchObject({ outcome: 'FAIL', count: 0, stats: null, reason: '0 samples < minSamples 1' });
    expect(r.checks).toEqual([{ stat: 'p95', kind: 'atMost', limit: 250, measured: null, outcome: 'FAIL' }]);
  });

  it('fails samples taken on the other clock or in another unit, and leaves them out of the stats', () => {
    const b = budget({ clock: 'vehicle', limits: { max: 100 } });
    const r = evaluateBudget(b, [
      { value: 10, clock: 'vehicle' },
      { value: 500, clock: 'host' },
      { value: 0.02, unit: 's' },
      { value: 20 },
    ]);
    expect(r.outcome).toBe('FAIL');
    expect(r.count).toBe(2);
    expect(r.stats!.max).toBe(20);
    expect(r.reason).toBe('1 sample on host clock, budget is on vehicle clock; 1 sample in s, budget is in ms');
  });

  it('keeps the largest clock-offset uncertainty of the samples', () => {
    const b = budget({ limits: { max: 100 } });
    expect(evaluateBudget(b, [{ value: 1, uncertaintyMs: 0.5 }, { value: 2, uncertaintyMs: 2.25 }, { value: 3 }]).maxUncertaintyMs).toBe(2.25);
    expect(evaluateBudget(b, [1, 2]).maxUncertaintyMs).toBeUndefined();
  });

  it('shows full precision when rounding would hide the failure', () => {
    expect(evaluateBudget(budget({ limits: { max: 250 } }), [250.0001]).reason).toBe('max 250.0001ms > 250ms');
  });
});

describe('evaluateAll with Measurements', () => {
  it('evaluates each budget against the samples of its metric', () => {
    const budgets = parseBudgets({
      ack: { metric: 'command_ack_latency', clock: 'host', unit: 'ms', limits: { p95: '250ms' }, minSamples: 2 },
      takeoff: { metric: 'takeoff_time', clock: 'vehicle', unit: 's', limits: { max: '8s' } },
    });
    const m = new Measurements();
    m.record('command_ack_latency', 40, { clock: 'host', uncertaintyMs: 1.5 });
    m.record('command_ack_latency', 60, { clock: 'host', uncertaintyMs: 0.5 });
    m.record('takeoff_time', 9.5, { clock: 'vehicle' });
    const [ack, takeoff] = evaluateAll(budgets, m);
    expect(ack).toMatchObject({ name: 'ack', outcome: 'PASS', count: 2, maxUncertaintyMs: 1.5 });
    expect(ack!.stats!.p95).toBeCloseTo(59, 9);
    expect(takeoff).toMatchObject({ name: 'takeoff', outcome: 'FAIL', reason: 'max 9.5s > 8s' });
  });
});

describe('formatBudgetTable and BudgetFailure', () => {
  const budgets = parseBudgets({
    ack: { metric: 'command_ack_latency', clock: 'host', unit: 'ms', limits: { p95: '250ms', max: '1s' }, minSamples: 1 },
    takeoff_time: { metric: 'takeoff_time', clock: 'vehicle', unit: 's', limits: { max: '8s' }, marginal: '500ms' },
    detection_rate: { metric: 'detection_rate', clock: 'host', unit: 'Hz', limits: { p50: { atLeast: 25 } }, minSamples: 20 },
  });
  const results = [
    evaluateBudget(budgets[0]!, [{ value: 412, uncertaintyMs: 1.5 }]),
    evaluateBudget(budgets[1]!, [7.75]),
    evaluateBudget(budgets[2]!, [28, 29, 30]),
  ];

  it('holds the numbers of every check in aligned columns', () => {
    const table = formatBudgetTable(results);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^budget\s+clock\s+stat\s+limit\s+measured\s+n\s+outcome$/);
    const rows = lines.slice(1, lines.indexOf(''));
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatch(/^ack \(command_ack_latency\)\s+host\s+p95\s+<= 250ms\s+412ms ±1.5ms\s+1\s+FAIL$/);
    expect(rows[1]).toMatch(/^\s+max\s+<= 1000ms\s+412ms ±1.5ms\s+PASS$/);
    expect(rows[2]).toMatch(/^takeoff_time\s+vehicle\s+max\s+<= 8s\s+7.75s\s+1\s+MARGINAL$/);
    expect(rows[3]).toMatch(/^detection_rate\s+host\s+p50\s+>= 25 Hz\s+29 Hz\s+3\s+PASS$/);
    expect(rows[4]).toMatch(/^\s+n\s+>= 20\s+3\s+FAIL$/);
    // Aligned: each column starts at the same offset on every line.
    for (const col of ['stat', 'limit', 'measured', 'outcome']) {
      const at = lines[0]!.indexOf(col);
      for (const row of rows) expect(row[at - 1]).toBe(' ');
    }
    const outcomeAt = lines[0]!.indexOf('outcome');
    expect(rows.map((r) => r.slice(outcomeAt))).toEqual(['FAIL', 'PASS', 'MARGINAL', 'PASS', 'FAIL']);
    // Then the reasons of the budgets that did not pass.
    expect(lines.slice(lines.indexOf('') + 1)).toEqual([
      'ack FAIL: p95 412ms > 250ms',
      'takeoff_time MARGINAL: max 7.75s <= 8s (within marginal band 0.5s)',
      'detection_rate FAIL: 3 samples < minSamples 20',
    ]);
  });

  it('shows "-" for checks without samples', () => {
    const table = formatBudgetTable([evaluateBudget(budgets[0]!, [])]);
    expect(table.split('\n')[1]).toMatch(/^ack \(command_ack_latency\)\s+host\s+p95\s+<= 250ms\s+-\s+0\s+FAIL$/);
  });

  it('BudgetFailure carries the table of the failing budgets only', () => {
    const e = new BudgetFailure(results);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('BudgetFailure');
    expect(e.failures.map((f) => f.name)).toEqual(['ack', 'detection_rate']);
    expect(e.message.split('\n')[0]).toBe('2 of 3 budgets failed');
    expect(e.message).toContain('412ms');
    expect(e.message).toContain('3 samples < minSamples 20');
    expect(e.message).not.toContain('takeoff_time');
  });

  it('assertWithinBudgets throws only when a budget failed', () => {
    expect(() => assertWithinBudgets(results)).toThrow(BudgetFailure);
    const ok = [results[1]!];
    expect(assertWithinBudgets(ok)).toBe(ok);
  });
});

describe("budgets on the 'system' clock", () => {
  const [budget] = parseBudgets([{ metric: 'detection_latency', clock: 'system', unit: 'ms', limits: { p95: '50ms' } }]);

  it('judge on the clock their samples name: vehicle for a simulated component, host for a real one', () => {
    const sim = evaluateBudget(budget!, [{ value: 16, clock: 'vehicle' }, { value: 14, clock: 'vehicle' }]);
    expect(sim).toMatchObject({ outcome: 'PASS', clock: 'vehicle', declaredClock: 'system', count: 2 });
    const real = evaluateBudget(budget!, [{ value: 95, clock: 'host' }]);
    expect(real).toMatchObject({ outcome: 'FAIL', clock: 'host', reason: 'p95 95ms > 50ms' });
  });

  it('fail samples that name no clock, and a mix of clocks', () => {
    expect(evaluateBudget(budget!, [10, { value: 12, clock: 'vehicle' }]).reason).toBe('1 sample name no clock, budget is on the system\'s clock (each sample says vehicle or host)');
    const mixed = evaluateBudget(budget!, [{ value: 10, clock: 'vehicle' }, { value: 11, clock: 'vehicle' }, { value: 12, clock: 'host' }]);
    expect(mixed).toMatchObject({ outcome: 'FAIL', clock: 'vehicle', count: 2, reason: '1 sample on host clock, budget is on vehicle clock' });
  });
});
