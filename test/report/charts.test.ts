// Charts attached as vega-lite specs are drawn to SVG when the report is built: wherever Allure
// keeps the attachment (a test, a nested step, a tear-down container), a spec that cannot be
// drawn stays attached and says why, and a second pass finds nothing left to draw.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { CHART_TYPE, renderCharts } from '../../src/report/charts.js';
import { altitudeChart, histogramChart } from '../../src/report/plots.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-charts-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function chart(name: string, spec: unknown) {
  const source = `${name.replace(/\W/g, '')}-attachment.json`;
  fs.writeFileSync(path.join(dir, source), JSON.stringify(spec));
  return { name, source, type: CHART_TYPE };
}
const read = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));

describe('renderCharts', () => {
  it('draws every chart attachment, in tests, nested steps and containers, and re-points it at the SVG', async () => {
    const altitude = chart('drone1 altitude', altitudeChart({ t: [0, 1, 2, 3], alt: [0, 1.2, 2.4, 2.5], target: 2.5, title: 'Altitude — drone1' }));
    const histogram = chart('ack histogram', histogramChart([30, 34, 41, 72], { unit: 'ms', limits: [{ stat: 'p50', value: 100 }] }));
    const teardown = chart('drone1 track', altitudeChart({ t: [0, 1], alt: [0, 1] }));
    const csv = { name: 'telemetry', source: 'x-attachment.csv', type: 'text/csv' };
    fs.writeFileSync(path.join(dir, 'a-result.json'), JSON.stringify({ uuid: 'a', attachments: [altitude, csv], steps: [{ name: 'climb', steps: [{ name: 'hold', attachments: [histogram] }] }] }));
    fs.writeFileSync(path.join(dir, 'b-container.json'), JSON.stringify({ uuid: 'b', afters: [{ steps: [{ attachments: [teardown] }] }] }));

    const r = await renderCharts(dir, 2);

    expect(r).toEqual({ rendered: 3, failed: [] });
    const result = read('a-result.json');
    const drawn = [result.attachments[0], result.steps[0].steps[0].attachments[0], read('b-container.json').afters[0].steps[0].attachments[0]];
    for (const a of drawn) {
      expect(a.type).toBe('image/svg+xml');
      expect(a.source).toMatch(/-attachment\.svg$/);
      const svg = fs.readFileSync(path.join(dir, a.source), 'utf8');
      expect(svg).toMatch(/^<svg/);
    }
    expect(fs.readFileSync(path.join(dir, drawn[0].source), 'utf8')).toContain('Altitude — drone1');
    expect(result.attachments[1]).toEqual(csv);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('-attachment.json'))).toEqual([]);
    expect(await renderCharts(dir)).toEqual({ rendered: 0, failed: [] });
  }, 60_000);

  it('keeps a chart it cannot draw as its spec, named with the reason', async () => {
    const bad = chart('broken', { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', data: { values: [{ a: 1 }] }, mark: 'no-such-mark', encoding: {} });
    fs.writeFileSync(path.join(dir, 'c-result.json'), JSON.stringify({ uuid: 'c', attachments: [bad] }));

    const r = await renderCharts(dir);

    expect(r.rendered).toBe(0);
    expect(r.failed).toEqual([{ name: 'broken', error: expect.stringMatching(/^plot: ./) }]);
    const a = read('c-result.json').attachments[0];
    expect(a.name).toMatch(/^broken \(chart not drawn: plot: .+\)$/);
    expect(a.type).toBe('application/json');
    expect(fs.existsSync(path.join(dir, a.source))).toBe(true);
    expect(await renderCharts(dir)).toEqual({ rendered: 0, failed: [] });
  }, 60_000);
});
