// The real suite end to end: two shards of real scenarios run one after another, their results
// merge into one report with every scenario exactly once, a scenario's MCAP recording reads back
// with every channel, and the report renders in headless Chromium with the budgets and plots.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { McapIndexedReader } from '@mcap/core';
import { flightcheck } from '../cli/helpers.js';
import type { AllureResultFile } from '../../src/report/allure-run.js';
import { vehicleDuration } from '../../src/report/allure.js';
import { readScenarioRecords, type ScenarioRecord } from '../../src/report/results.js';
import { findChromium, openPage, serveDir } from './browser.js';
import { describeUnless } from '../support/skip.js';

const SCENARIOS = ['scenarios/takeoff', 'scenarios/land-and-return'];
const TAKEOFF = 'climbs to MIS_TAKEOFF_ALT and holds it in Hold';
const java = spawnSync('java', ['-version']).status === 0;
const chromium = findChromium();

let dir: string;
const shard = (i: number) => path.join(dir, `shard-${i}`);
const merged = () => path.join(dir, 'merged');

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-suite-'));
  for (const i of [1, 2]) {
    const r = await flightcheck(['run', ...SCENARIOS, '--shard', `${i}/2`, '--results', shard(i), '--no-report']);
    if (r.code !== 0) throw new Error(`shard ${i}/2 failed:\n${r.stdout}\n${r.stderr}`);
  }
}, 180_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function allureResults(d: string): AllureResultFile[] {
  const sub = path.join(d, 'allure-results');
  return fs.readdirSync(sub).filter((f) => f.endsWith('-result.json')).map((f) => JSON.parse(fs.readFileSync(path.join(sub, f), 'utf8')) as AllureResultFile);
}

async function readMcap(file: string) {
  const buf = fs.readFileSync(file);
  const reader = await McapIndexedReader.Initialize({
    readable: { size: async () => BigInt(buf.length), read: async (offset: bigint, length: bigint) => buf.subarray(Number(offset), Number(offset + length)) },
  });
  const counts = new Map<string, number>();
  const topics = new Map([...reader.channelsById.values()].map((c) => [c.id, c.topic]));
  for await (const m of reader.readMessages()) {
    const topic = topics.get(m.channelId)!;
    counts.set(topic, (counts.get(topic) ?? 0) + 1);
  }
  return counts;
}

describe('a sharded suite', () => {
  it('splits the scenario files between the shards', () => {
    const names = [1, 2].map((i) => allureResults(shard(i)).map((r) => r.name).sort());
    expect(names[0]!.length).toBeGreaterThan(0);
    expect(names[1]!.length).toBeGreaterThan(0);
    expect(names[0]!.filter((n) => names[1]!.includes(n))).toEqual([]);
  });

  it('merges into one result set with every scenario exactly once', async () => {
    const r = await flightcheck(['report', '--merge', shard(1), shard(2), '--results', merged(), '--skip-generate']);
    expect(r.code).toBe(0);
    const names = allureResults(merged()).map((x) => x.name).sort();
    expect(names).toEqual([...new Set(names)]);
    expect(names).toHaveLength(4);
    expect(names).toContain(TAKEOFF);
    expect(fs.readdirSync(path.join(merged(), 'scenarios'))).toHaveLength(4);
  }, 60_000);

  describe('what a reviewer reads in it, per test', () => {
    const RESET = 'reset to a known state';
    type Step = { name: string; parameters?: { name: string; value: string }[] };
    type Result = Omit<AllureResultFile, 'attachments'> & { attachments?: { name: string; source: string; type: string }[] };
    const cases = () => {
      const records = readScenarioRecords(merged());
      return (allureResults(merged()) as Result[]).map((result) => {
        const record = records.find((r) => r.test === result.fullName!.split('#')[1])!;
        expect([result.name, record !== undefined]).toEqual([result.name, true]);
        const svg = (name: string) => fs.readFileSync(path.join(merged(), 'allure-results', result.attachments!.find((a) => a.name === name)!.source), 'utf8');
        return { result, record, svg };
      });
    };
    const bodyPhases = (record: ScenarioRecord) => record.phases.filter((p) => p.name !== RESET);
    const unescape = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

    it('names each phase with its vehicle-time duration, as the record has it', () => {
      for (const { result, record } of cases()) {
        const steps = (result.steps ?? []) as Step[];
        const phases = steps.filter((st) => st.parameters?.some((x) => x.name === 'vehicle time'));
        expect([result.name, phases.map((st) => st.name)]).toEqual([result.name, bodyPhases(record).map((p) => `${p.name} — ${vehicleDuration(p.vehicleMs!)} vehicle time`)]);
        for (const st of phases) expect(st.name).toContain(st.parameters!.find((x) => x.name === 'vehicle time')!.value);
      }
    });

    it('marks every phase of the test on its altitude plot, on a time axis that says where zero is', () => {
      for (const { result, record, svg } of cases()) {
        const altitude = unescape(svg('drone1 altitude'));
        expect(altitude).toContain("X-axis titled 'vehicle time since the test began (s)'");
        expect(altitude).toContain("Y-axis titled 'altitude (m)'");
        const labels = [...altitude.matchAll(/class="mark-text role-legend-label"[^>]*><text[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]);
        expect([result.name, [...labels].sort()]).toEqual([result.name, bodyPhases(record).map((p, i) => `${i + 1} ${p.name}`).sort()]);
      }
    });

    it('starts each altitude plot on the ground at home, not where the previous test of its file left the vehicle', () => {
      for (const { result, svg } of cases()) {
        const altitude = svg('drone1 altitude');
        const [, lo, hi] = /Y-axis titled 'altitude \(m\)' for a linear scale with values from (−?[\d.]+) to (−?[\d.]+)/.exec(altitude)!.map((v) => Number(v.replace('−', '-')));
        const line = altitude.slice(altitude.indexOf('class="mark-line role-mark'));
        const [, y0] = / d="M[\d.]+,([\d.]+)/.exec(line)!.map(Number);
        const firstAlt = hi! - (y0! / 240) * (hi! - lo!); // the plot is 240 px high
        expect([result.name, Math.abs(firstAlt) < 0.2]).toEqual([result.name, true]);
      }
    });

    it('names what each histogram measured, in its unit, with lower bounds as lower bounds', () => {
      for (const { record, svg } of cases()) {
        for (const b of record.budgets) {
          const histogram = svg(`${b.name} histogram`);
          expect(histogram).toContain(`X-axis titled '${b.metric} (${b.unit})'`);
          for (const c of b.checks) expect(histogram).toContain(`${c.stat} ${c.kind === 'atLeast' ? '≥' : '≤'} ${c.limit} ${b.unit}`);
        }
      }
    });

    it('puts the budget table in the description, which Allure shows open', () => {
      for (const { result, record } of cases()) {
        const text = (result.descriptionHtml ?? '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
        for (const b of record.budgets) expect([result.name, text.includes(`${b.name} ${b.outcome}`)]).toEqual([result.name, true]);
      }
    });

    it('names the commit and the PX4 version in the environment', () => {
      const summary = JSON.parse(fs.readFileSync(path.join(merged(), 'summary.json'), 'utf8'));
      expect(summary.commit).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
      const props = fs.readFileSync(path.join(merged(), 'allure-results', 'environment.properties'), 'utf8');
      expect(props).toContain(`commit=${summary.commit}\n`);
      expect(props).toMatch(/^PX4\\ version=\S.*$/m);
    });
  });

  it("records the takeoff as MCAP with every channel and the right message counts", async () => {
    const where = [1, 2].map(shard).find((d) => fs.existsSync(path.join(d, 'recordings')) && fs.readdirSync(path.join(d, 'recordings')).some((f) => f.startsWith('takeoff--') && f.includes('MIS_TAKEOFF_ALT')))!;
    const file = fs.readdirSync(path.join(where, 'recordings')).find((f) => f.includes('MIS_TAKEOFF_ALT') && f.endsWith('.mcap'))!;
    const record = JSON.parse(fs.readFileSync(path.join(where, 'scenarios', fs.readdirSync(path.join(where, 'scenarios')).find((f) => f.includes('MIS_TAKEOFF_ALT'))!), 'utf8'));
    const counts = await readMcap(path.join(where, 'recordings', file));
    for (const topic of ['/mavlink/HEARTBEAT', '/mavlink/LOCAL_POSITION_NED', '/mavlink/ATTITUDE', '/mavlink/EXTENDED_SYS_STATE', '/mavlink/COMMAND_ACK', '/budgets/samples', '/budgets/results', '/phases']) {
      expect([topic, counts.get(topic) ?? 0]).toEqual([topic, expect.any(Number)]);
      expect(counts.get(topic)).toBeGreaterThan(0);
    }
    // One start and one end per phase; one result per judged budget; one sample per count in the results.
    expect(counts.get('/phases')).toBe(record.phases.length * 2);
    expect(counts.get('/budgets/results')).toBe(record.budgets.length);
    expect(counts.get('/budgets/samples')).toBe(record.budgets.reduce((n: number, b: { count: number }) => n + b.count, 0));
    // arm + takeoff: one COMMAND_ACK each.
    expect(counts.get('/mavlink/COMMAND_ACK')).toBe(2);
  });
});

const cannotRender = !java ? 'no java (allure-commandline needs a JRE)' : 'missing' in chromium ? chromium.missing : null;

describeUnless(cannotRender)('the merged report in a browser', () => {
  it('shows the takeoff with its budget rows and SVG plots', async () => {
    const r = await flightcheck(['report', '--results', merged()], {}, 120_000);
    expect(r.code).toBe(0);
    const report = path.join(merged(), 'allure-report');
    const uid = fs
      .readdirSync(path.join(report, 'data', 'test-cases'))
      .map((f) => JSON.parse(fs.readFileSync(path.join(report, 'data', 'test-cases', f), 'utf8')) as { uid: string; name: string })
      .find((t) => t.name === TAKEOFF)!.uid;
    const server = await serveDir(report);
    const shot = path.join(dir, 'takeoff.png');
    try {
      const click = (text: string) => `[...document.querySelectorAll('*')].filter((e) => e.children.length === 0 && e.textContent.trim() === ${JSON.stringify(text)}).forEach((e) => e.click())`;
      const page = await openPage(server.url, {
        // The overview's widgets (the environment among them) load one by one.
        waitFor: "document.body.innerText.includes('test cases') && !document.body.innerText.includes('Loading...')",
        steps: [
          { keepText: 'overview' },
          { navigate: `${server.url}#testresult/${uid}`, waitFor: "document.body.innerText.includes('Budgets.html')", keepText: 'test' },
          { run: click('Budgets.html'), waitFor: "[...document.querySelectorAll('iframe')].some((f) => (f.srcdoc || '').includes('budget-row'))" },
          { run: click('drone1 altitude'), waitFor: "document.querySelectorAll('img').length > 0" },
        ],
        collect: {
          table: "[...document.querySelectorAll('iframe')].map((f) => f.srcdoc || '').find((d) => d.includes('budget-row'))",
          images: "[...document.querySelectorAll('img')].map((i) => i.naturalWidth)",
        },
        screenshot: true,
        timeoutMs: 30_000,
      });
      expect(page.texts.overview).toMatch(/4\s*test cases/);
      expect(page.texts.overview).toMatch(/commit\s+[0-9a-f]{40}/); // the environment widget
      expect(page.texts.test).toContain('drone1 track');
      // Open without a click: the budget table, and each phase's vehicle time.
      expect(page.texts.test).toMatch(/Description[\s\S]*Budgets: \d PASS[\s\S]*time_to_altitude (PASS|MARGINAL)[\s\S]*Parameters/);
      expect(page.texts.test).toMatch(/arm — \d+\.\d+ s vehicle time/);
      for (const budget of ['command_ack', 'time_to_altitude', 'overshoot']) expect(page.values.table).toMatch(new RegExp(`data-budget="${budget}" data-outcome="(PASS|MARGINAL)"`));
      expect((page.values.images as number[]).some((w) => w > 300)).toBe(true);
      fs.writeFileSync(shot, page.screenshot!);
      expect(page.screenshot!.length).toBeGreaterThan(10_000);
    } finally {
      await server.close();
    }
  }, 120_000);
});
