import { describe, expect, it } from '@jest/globals';
import { evaluateBudget, parseBudgets } from '../../src/budgets/index.js';
import type { TopLevelSpec } from 'vega-lite';
import { altitudePlot, latencyHistogram, MAX_POINTS, renderSvg, resourceChart, thin, trackPlot } from '../../src/report/plots.js';
import { budgetHistogram, telemetryPlots } from '../../src/report/scenario-plots.js';
import { Series } from '../../src/vehicle/series.js';
import type { Telemetry } from '../../src/vehicle/telemetry.js';

/** The vega mark groups of an SVG, e.g. ['rect', 'line', 'rule'] (vega's class="mark-<type> role-mark"). */
function marks(svg: string): string[] {
  return [...svg.matchAll(/class="mark-([a-z]+) role-mark/g)].map((m) => m[1]!);
}

/** The `d` of every path inside the first mark group of a type. */
function markGroup(svg: string, type: string): string {
  const start = svg.indexOf(`class="mark-${type} role-mark`);
  expect(start).toBeGreaterThan(0);
  return svg.slice(start, svg.indexOf('</g>', start));
}

describe('altitudePlot', () => {
  const t = Array.from({ length: 200 }, (_, i) => i / 10);
  const alt = t.map((s) => Math.min(2.5, s * 1.5));

  it('draws the altitude line, the target rule and the band', async () => {
    const svg = await altitudePlot({ t, alt, target: 2.5, band: [2.3, 2.7] });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(marks(svg)).toEqual(['rect', 'line', 'rule']);
    expect(markGroup(svg, 'line').match(/<path/g)).toHaveLength(1);
    expect(svg).toContain('vehicle time (s)');
    expect(svg).toContain('altitude (m)');
  });

  it('leaves out target and band when not given', async () => {
    const svg = await altitudePlot({ t, alt });
    expect(marks(svg)).toEqual(['line']);
  });

  it('rejects columns of different lengths, naming them', async () => {
    await expect(altitudePlot({ t, alt: alt.slice(1) })).rejects.toThrow('altitudePlot: alt has 199 values but t has 200');
  });
});

describe('phase marks on time plots', () => {
  const t = Array.from({ length: 300 }, (_, i) => i / 10);
  const alt = t.map((s) => Math.min(2.5, s));
  const phases = [
    { name: 'reset to a known state', start: -3, end: 0 }, // before the plot: left out
    { name: 'arm', start: 0, end: 1 },
    { name: 'leg to (10, 0)', start: 1, end: 20 },
    { name: 'land', start: 20, end: null }, // unfinished: to the end of the data
  ];

  it('draws each phase of the plotted span as a named band with a rule at its start, under the data', async () => {
    const svg = await altitudePlot({ t, alt, phases, timeTitle: 'vehicle time since the test began (s)' });
    expect(marks(svg)).toEqual(['rect', 'rule', 'text', 'line']);
    expect(markGroup(svg, 'rect').match(/<path/g)).toHaveLength(3);
    expect(markGroup(svg, 'rule').match(/<line/g)).toHaveLength(3);
    // Numbered as shown, named in the legend, spans on the plot's own axis.
    expect(svg).toContain("legend titled 'phase' for fill color with 3 values: 1 arm, 2 leg to (10, 0), 3 land");
    expect(svg).toContain('aria-label="start: 1; end: 20; phase: 2 leg to (10, 0)"');
    expect(svg).toContain('aria-label="start: 20; end: 29.9; phase: 3 land"');
    expect(svg).not.toContain('reset to a known state');
    expect(svg).toContain("X-axis titled 'vehicle time since the test began (s)'");
  });

  it('draws them on resource charts beside the components’ own colours', async () => {
    const points = t.filter((_, i) => i % 10 === 0).flatMap((s) => [{ t: s - 3, component: 'px4', value: 40 }, { t: s - 3, component: 'xrce-agent', value: 5 }]);
    const svg = await renderSvg(resourceChart(points, { quantity: 'CPU (%)', phases }));
    expect(svg).toContain("legend titled 'phase' for fill color with 4 values: 1 reset to a known state, 2 arm, 3 leg to (10, 0), 4 land");
    expect(svg).toContain("legend titled 'component' for fill color and stroke color with 2 values: px4, xrce-agent");
    expect(svg).toContain("X-axis titled 'host time since the test began (s)'");
  });

  it('draws other phases on a kept View as on a new one, in the phases’ order', async () => {
    const many = Array.from({ length: 11 }, (_, i) => ({ name: `leg ${11 - i}`, start: i * 2, end: i * 2 + 2 }));
    const first = await altitudePlot({ t, alt, phases: many, title: 'many phases' });
    await altitudePlot({ t, alt, phases, title: 'other phases' });
    const again = await altitudePlot({ t, alt, phases: many, title: 'many phases' });
    expect(again).toBe(first);
    const labels = [...first.matchAll(/class="mark-text role-legend-label"[^>]*><text[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]);
    expect(new Set(labels)).toEqual(new Set(many.map((p, i) => `${i + 1} ${p.name}`)));
    expect(first).toContain('with 11 values: 1 leg 11, 2 leg 10, 3 leg 9, 4 leg 8, 5 leg 7, ending with 11 leg 1');
  });

  it('leaves a plot without phases as it was', async () => {
    const plain = await altitudePlot({ t, alt });
    expect(await altitudePlot({ t, alt, phases: [] })).toBe(plain);
    expect(await altitudePlot({ t, alt, phases: [{ name: 'later', start: 40, end: 50 }] })).toBe(plain);
  });
});

describe('trackPlot', () => {
  it('draws the track, start/end points and setpoints on equal axes', async () => {
    const n = Array.from({ length: 100 }, (_, i) => 10 * Math.cos(i / 16));
    const e = Array.from({ length: 100 }, (_, i) => 2 * Math.sin(i / 16));
    const svg = await trackPlot({ north: n, east: e, setpoints: [{ north: 10, east: 0 }, { north: -10, east: 0 }] });
    expect(marks(svg)).toEqual(['line', 'symbol', 'symbol']);
    expect(svg).toContain('east (m)');
    expect(svg).toContain('north (m)');
    // Equal axes: the plot is square and both axes cover the same span (the north span, 20 m × 1.1).
    const ticks = (axis: string) => {
      const group = svg.slice(svg.indexOf(`aria-label="${axis}`), svg.indexOf('</g></g></g>', svg.indexOf(`aria-label="${axis}`)));
      return [...group.matchAll(/>(−?-?\d+(?:\.\d+)?)<\/text>/g)].map((m) => Number(m[1]!.replace('−', '-')));
    };
    const x = ticks('X-axis');
    const y = ticks('Y-axis');
    expect(Math.max(...x) - Math.min(...x)).toBeCloseTo(Math.max(...y) - Math.min(...y), 5);
    expect(Math.max(...x) - Math.min(...x)).toBeGreaterThanOrEqual(16);
  });
});

describe('latencyHistogram', () => {
  it('draws bars and one labelled rule per limit', async () => {
    const samples = Array.from({ length: 300 }, (_, i) => 80 + ((i * 37) % 120));
    const svg = await latencyHistogram(samples, { unit: 'ms', limits: [{ stat: 'p95', value: 250 }, { stat: 'max', value: 400 }] });
    expect(marks(svg)).toEqual(['rect', 'rule', 'text']);
    expect(markGroup(svg, 'rule').match(/<line/g)).toHaveLength(2);
    expect(svg).toContain('p95 ≤ 250 ms');
    expect(svg).toContain('max ≤ 400 ms');
    expect(svg).toContain('latency (ms)');
    expect(svg).toContain('Latency (n=300)');
  });

  it('labels a lower bound as one', async () => {
    const svg = await latencyHistogram([1.2, 1.4], { unit: 's', quantity: 'offboard_loss_exit', limits: [{ stat: 'min', value: 1, kind: 'atLeast' }, { stat: 'max', value: 2.2, kind: 'atMost' }] });
    expect(svg).toContain('min ≥ 1 s');
    expect(svg).toContain('max ≤ 2.2 s');
  });

  it('renders without limits and ignores non-finite samples', async () => {
    const svg = await latencyHistogram([1, 2, NaN, 3], { unit: 'ms' });
    expect(marks(svg)).toEqual(['rect']);
    expect(svg).toContain('n=3');
  });

  it('renders a chart in well under a second once vega is loaded', async () => {
    await latencyHistogram([1, 2, 3], { unit: 'ms' });
    const t0 = performance.now();
    await altitudePlot({ t: [0, 1, 2], alt: [0, 1, 2], target: 2 });
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('charts drawn again on a kept View', () => {
  /** What a reader sees: the size, every text, every path of the data marks (grid order aside). */
  const seen = (svg: string) => ({
    size: svg.match(/width="(\d+)" height="(\d+)"/)!.slice(1),
    texts: [...svg.matchAll(/>([^<>]+)<\/text>/g)].map((m) => m[1]).sort(),
    marks: marks(svg).map((type) => markGroup(svg, type).match(/ d="[^"]*"/g)?.sort() ?? []),
  });

  it('look the same as when first drawn, with their own data and title', async () => {
    // A shape no other test draws (width 333), so the first chart below is drawn on a new View.
    const chart = (rows: { t: number; alt: number }[], target: number, title: string) =>
      renderSvg({
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title, width: 333, height: 200, data: { values: rows },
        layer: [
          { mark: 'line', encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'alt', type: 'quantitative' } } },
          { data: { values: [{ target }] }, mark: 'rule', encoding: { y: { field: 'target', type: 'quantitative' } } },
        ],
      } as TopLevelSpec);
    const t = Array.from({ length: 300 }, (_, i) => i / 10);
    const a = t.map((s) => ({ t: s, alt: Math.min(2.5, s) }));
    // Wider axis labels (−40 000) and another range: a kept View must not keep the first's layout.
    const b = t.map((s) => ({ t: s * 3, alt: -40_000 * Math.sin(s) }));
    const first = await chart(a, 2.5, 'chart a');
    const other = await chart(b, 12, 'chart b');
    const again = await chart(a, 2.5, 'chart a');
    expect(seen(again)).toEqual(seen(first));
    expect(other).toContain('chart b');
    expect(other).not.toContain('chart a');
    expect(seen(other).size).not.toEqual(seen(first).size);
    // Tracks keep their equal axes from the params of their own data.
    const circle = (r: number, n = 100) => ({ north: Array.from({ length: n }, (_, i) => r * Math.cos(i / 16)), east: Array.from({ length: n }, (_, i) => r * Math.sin(i / 16)) });
    const small = await trackPlot({ ...circle(2), title: 'small' });
    await trackPlot({ ...circle(500), title: 'large' });
    expect(seen(await trackPlot({ ...circle(2), title: 'small' }))).toEqual(seen(small));
    const h1 = await latencyHistogram([1, 2, 2, 3, 9], { unit: 'ms', limits: [{ stat: 'p50', value: 5 }], title: 'one' });
    await latencyHistogram(Array.from({ length: 500 }, (_, i) => 100 + (i % 37)), { unit: 'ms', limits: [{ stat: 'p95', value: 250 }], title: 'two' });
    expect(seen(await latencyHistogram([1, 2, 2, 3, 9], { unit: 'ms', limits: [{ stat: 'p50', value: 5 }], title: 'one' }))).toEqual(seen(h1));
  });
});

describe('thin', () => {
  it('keeps short series as they are', () => {
    expect(thin([0, 1, 2], [5, 6, 7])).toEqual([[0, 5], [1, 6], [2, 7]]);
  });

  it('thins long series to about MAX_POINTS and keeps every bucket extreme', () => {
    const n = 50_000;
    const t = Array.from({ length: n }, (_, i) => i);
    const v = t.map((i) => (i === 31_337 ? 99 : i === 4_242 ? -99 : Math.sin(i / 500)));
    const out = thin(t, v);
    expect(out.length).toBeLessThanOrEqual(MAX_POINTS + 3);
    expect(out.length).toBeGreaterThan(MAX_POINTS / 2);
    expect(out).toContainEqual([31_337, 99]);
    expect(out).toContainEqual([4_242, -99]);
    for (let i = 1; i < out.length; i++) expect(out[i]![0]).toBeGreaterThan(out[i - 1]![0]);
  });
});

describe('scenario plots', () => {
  const telemetry = (rows: number) => {
    const pos = new Series({ name: 'localPosition', columns: { north: 'f32', east: 'f32', down: 'f32', vn: 'f32', ve: 'f32', vd: 'f32' } as const });
    for (let i = 0; i < rows; i++) {
      const r = pos.beginRow(5000 + i * 100, 1e12 + i * 100);
      [i * 0.1, 0, -Math.min(2.5, i * 0.15), 0, 0, 0].forEach((v, c) => pos.set(c, r, v));
    }
    return { series: ((_: string) => pos.columns()) as unknown as Pick<Telemetry, 'series'>['series'] };
  };

  it('plots altitude (vehicle time from the first sample, up positive) and track from telemetry', async () => {
    const plots = (await telemetryPlots(telemetry(40), { targetAlt: 2.5, band: [2.3, 2.7], setpoints: [{ north: 3, east: 0 }], label: 'drone1' }))!;
    expect(marks(plots.altitude)).toEqual(['rect', 'line', 'rule']);
    expect(plots.altitude).toContain('Altitude — drone1');
    expect(marks(plots.track)).toEqual(['line', 'symbol', 'symbol']);
    // Time counts from the first sample (vehicle ms 5000 → 0 s); altitude is −down, so it climbs.
    expect(plots.altitude).toContain('aria-label="vehicle time (s): 0; altitude (m): 0"');
    expect(plots.altitude).toContain("X-axis titled 'vehicle time (s)' for a linear scale with values from 0 to 4");
    expect(plots.altitude).toContain("Y-axis titled 'altitude (m)' for a linear scale with values from 0.0 to 2.8");
    expect(await telemetryPlots(telemetry(0))).toBeNull();
  });

  it('draws a budget’s samples against its declared limits', async () => {
    const [budget] = parseBudgets({ ack: { metric: 'cmd_ack', clock: 'host', unit: 'ms', limits: { p95: 100, max: 200 } } });
    const samples = Array.from({ length: 50 }, (_, i) => 20 + i);
    const svg = (await budgetHistogram(evaluateBudget(budget!, samples), samples))!;
    expect(marks(svg)).toEqual(['rect', 'rule', 'text']);
    expect(svg).toContain('p95 ≤ 100 ms');
    expect(svg).toContain('max ≤ 200 ms');
    expect(svg).toContain('ack (host clock, n=50) — PASS');
    // The axis names what was measured, not "latency" whatever it is.
    expect(svg).toContain("X-axis titled 'cmd_ack (ms)'");
    const [distance] = parseBudgets({ error: { metric: 'landing_error', clock: 'vehicle', unit: 'm', limits: { max: 2 } } });
    const metres = (await budgetHistogram(evaluateBudget(distance!, [0.4, 0.9]), [0.4, 0.9]))!;
    expect(metres).toContain("X-axis titled 'landing_error (m)'");
    expect(metres).not.toContain('latency');
    expect(await budgetHistogram(evaluateBudget(budget!, []), [])).toBeNull();
  });
});
