// End to end: a stand-in scenario runs under allure-jest (ESM Jest, a child process, as
// `flightcheck run` does it), `flightcheck report` prepares and generates the report, and
// headless Chromium shows it served from 127.0.0.1.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { reportCommand } from '../../src/cli/report.js';
import type { AllureResultFile } from '../../src/report/allure-run.js';
import { findChromium, openPage, serveDir } from './browser.js';
import { describeUnless } from '../support/skip.js';

const root = path.resolve(import.meta.dirname, '../..');
const java = spawnSync('java', ['-version'], { encoding: 'utf8' }).status === 0;
const chromium = findChromium();

let dir: string;
let jestStatus: number | null;
let jestOutput: string;

function results(): AllureResultFile[] {
  const d = path.join(dir, 'allure-results');
  return fs.readdirSync(d).filter((f) => f.endsWith('-result.json')).map((f) => JSON.parse(fs.readFileSync(path.join(d, f), 'utf8')) as AllureResultFile);
}
const byName = (name: string) => results().find((r) => r.name === name)!;
const attachmentNames = (steps: any[] = []): string[] => steps.flatMap((s) => [...(s.attachments ?? []).map((a: any) => a.name), ...attachmentNames(s.steps)]);

async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const log = jest.spyOn(console, 'log').mockImplementation(() => {});
  try {
    return await fn();
  } finally {
    log.mockRestore();
  }
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-report-'));
  const jestBin = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
  const r = spawnSync(
    process.execPath,
    ['--experimental-vm-modules', jestBin, '--config', 'jest.config.ts', '--roots', '<rootDir>/test/report/fixtures', '--testMatch', '**/*.flight.ts', '--json', `--outputFile=${path.join(dir, 'jest-results.json')}`],
    { cwd: root, env: { ...process.env, FLIGHT_RESULTS_DIR: dir, NODE_OPTIONS: '' }, encoding: 'utf8', timeout: 60_000 },
  );
  jestStatus = r.status;
  jestOutput = `${r.stdout}\n${r.stderr}`;
}, 70_000);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('allure-jest under ESM Jest', () => {
  it('runs the scenario (one test fails by its budget in afterEach) and writes Allure results', () => {
    expect(jestStatus).toBe(1);
    expect(jestOutput).toMatch(/1 failed, 1 passed/);
    expect(results()).toHaveLength(2);
  });

  it('records labels, parameters (only target in the history id), phase steps and attachments', () => {
    const r = byName('climbs to 2.5 m');
    expect(r.status).toBe('passed');
    const labels = Object.fromEntries(r.labels!.filter((l) => l.name !== 'tag').map((l) => [l.name, l.value]));
    expect(labels).toMatchObject({ epic: 'Flight', feature: 'takeoff', story: 'climb to takeoff altitude', severity: 'critical' });
    expect(r.labels).toContainEqual({ name: 'tag', value: 'target:sim' });
    expect(r.parameters).toEqual([
      { name: 'target', value: 'sim' },
      { name: 'vehicle', value: 'drone1', excluded: true },
      { name: 'PX4', value: 'v1.16.0', excluded: true },
      { name: 'speed', value: '10', excluded: true },
      { name: 'seed', value: '7', excluded: true },
    ]);
    const steps = (r.steps ?? []) as any[];
    // A phase given the vehicle's clock says how long it took on it, in its name and as a parameter.
    const climb = 'climb to 2.5 m — 6.00 s vehicle time';
    expect(steps.map((s) => s.name)).toEqual(expect.arrayContaining(['arm', climb]));
    expect(steps.find((s) => s.name === climb).parameters).toEqual([{ name: 'vehicle time', value: '6.00 s' }]);
    expect(attachmentNames(steps.filter((s) => s.name === climb))).toEqual(['altitude']);
    expect(attachmentNames(steps)).toEqual(expect.arrayContaining(['Budgets.html', 'Budgets.txt', 'log: px4']));
    expect(attachmentNames(steps)).not.toContain('log: empty');
    // The stack's CPU and memory per component and its start order, as charts the report draws.
    expect(attachmentNames(steps)).toEqual(expect.arrayContaining(['stack CPU', 'stack memory', 'stack start order']));
    const html = fs.readdirSync(path.join(dir, 'allure-results')).filter((f) => f.endsWith('-attachment.html'));
    const table = html.map((f) => fs.readFileSync(path.join(dir, 'allure-results', f), 'utf8')).find((t) => t.includes('data-budget="climb"'))!;
    expect(table).toMatch(/data-budget="climb" data-outcome="MARGINAL"/);
    expect(table).toContain('≤ 8s');
    expect(table).toContain('7.5s');
  });

  it('shows the afterEach budget failure as passed until the report step reconciles it with Jest', async () => {
    expect(byName('acknowledges commands in time').status).toBe('passed');
    // What `flightcheck run` writes about the run: the report's environment names the commit from it.
    fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ target: 'sim', speed: '10', commit: '0123456789abcdef0123456789abcdef01234567', px4Version: 'v1.16.0', scenarios: [] }));
    await quietly(() => reportCommand(['--results', dir, '--skip-generate']));
    const r = byName('acknowledges commands in time');
    expect(r.status).toBe('failed');
    expect(r.statusDetails!.message).toMatch(/^BudgetFailure: 1 of 1 budgets failed/);
    expect(r.statusDetails!.trace).toMatch(/ack FAIL: p95 \d+ms > 100ms/);
    for (const f of ['environment.properties', 'executor.json', 'categories.json']) expect(fs.existsSync(path.join(dir, 'allure-results', f))).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'allure-results', 'environment.properties'), 'utf8')).toMatch(/^PX4\\ version=v1\.16\.0$/m);
    expect(fs.readFileSync(path.join(dir, 'allure-results', 'environment.properties'), 'utf8')).toMatch(/^commit=0123456789abcdef0123456789abcdef01234567$/m);
    // Each test's budget table, open on its page: the one attached in the body and the one attached after it.
    expect(byName('climbs to 2.5 m').descriptionHtml).toMatch(/<b>climb<\/b> <b>MARGINAL<\/b>/);
    expect(byName('acknowledges commands in time').descriptionHtml).toMatch(/<b>ack<\/b> <b>FAIL<\/b>/);
    expect(await quietly(() => reportCommand(['--results', dir, '--skip-generate', '--fail-on-budget']))).toBe(1);
    // Drawn by then: the stack's memory per component, with its name and vehicle, and the start order.
    const attachments = (steps: any[] = []): any[] => steps.flatMap((x) => [...(x.attachments ?? []), ...attachments(x.steps)]);
    const all = attachments(byName('climbs to 2.5 m').steps as any[]);
    const svg = (name: string) => fs.readFileSync(path.join(dir, 'allure-results', all.find((a) => a.name === name).source), 'utf8');
    expect(svg('stack memory')).toContain('Memory per stack component');
    // Every time plot carries the test's phases.
    for (const chart of ['stack memory', 'stack CPU']) expect(svg(chart)).toContain("legend titled 'phase' for fill color with 1 value: 1 hover");
    expect(svg('stack memory')).toContain('xrce-agent (drone1)');
    expect(svg('stack CPU')).toContain('px4 (drone1)');
    expect(svg('stack start order')).toContain('Start order');
    expect(svg('stack start order')).toContain('1.4 s'); // the agent's time to ready
  });
});

const cannotRender = !java ? 'no java (allure-commandline needs a JRE)' : 'missing' in chromium ? chromium.missing : null;

describeUnless(cannotRender)('the generated report', () => {
  it('puts the budget failure in its category and renders in headless Chromium from 127.0.0.1', async () => {
    expect(await quietly(() => reportCommand(['--results', dir]))).toBe(0);
    const report = path.join(dir, 'allure-report');
    const categories = JSON.parse(fs.readFileSync(path.join(report, 'data', 'categories.json'), 'utf8'));
    // Category → message group → test.
    type Node = { name: string; children?: Node[] };
    const leaves = (n: Node): string[] => (n.children ? n.children.flatMap(leaves) : [n.name]);
    const names = (categories.children as Node[]).map((c) => [c.name, leaves(c)]);
    expect(names).toEqual([['Budget exceeded', ['acknowledges commands in time']]]);
    expect(fs.existsSync(path.join(report, 'history', 'history.json'))).toBe(true);

    const server = await serveDir(report);
    try {
      // The test page: open the budget table (an HTML attachment, shown in a frame) and the
      // altitude plot (an SVG attachment inside the phase step, shown as an image).
      const uid = fs
        .readdirSync(path.join(report, 'data', 'test-cases'))
        .map((f) => JSON.parse(fs.readFileSync(path.join(report, 'data', 'test-cases', f), 'utf8')) as { uid: string; name: string })
        .find((t) => t.name === 'climbs to 2.5 m')!.uid;
      const click = (text: string) => `[...document.querySelectorAll('*')].filter((e) => e.children.length === 0 && e.textContent.trim() === ${JSON.stringify(text)}).forEach((e) => e.click())`;
      const page = await openPage(server.url, {
        // The overview's widgets load one by one: read it once none says "Loading..." any more.
        waitFor: "document.body.innerText.includes('test cases') && !document.body.innerText.includes('Loading...')",
        steps: [
          { keepText: 'overview' },
          { navigate: `${server.url}#categories`, waitFor: "document.body.innerText.includes('No item selected') && document.body.innerText.includes('Budget exceeded')", keepText: 'categories' },
          { navigate: `${server.url}#testresult/${uid}`, waitFor: "document.body.innerText.includes('Budgets.html')", keepText: 'test' },
          { run: click('Budgets.html'), waitFor: "[...document.querySelectorAll('iframe')].some((f) => (f.srcdoc || '').includes('budget-row'))" },
          { run: click('climb to 2.5 m — 6.00 s vehicle time'), waitFor: "document.body.innerText.includes('altitude')" },
          { run: click('altitude'), waitFor: "document.querySelectorAll('img').length > 0" },
        ],
        collect: {
          table: "[...document.querySelectorAll('iframe')].map((f) => f.srcdoc || '').find((d) => d.includes('budget-row'))",
          images: "[...document.querySelectorAll('img')].map((i) => i.naturalWidth)",
        },
        timeoutMs: 30_000,
      });
      expect(page.texts.overview).toMatch(/2\s*test cases/);
      expect(page.texts.overview).toContain('v1.16.0'); // environment widget
      expect(page.texts.overview).toContain('0123456789abcdef0123456789abcdef01234567');
      // The test page, before anything is clicked: the budget table open, the phase's vehicle time.
      expect(page.texts.test).toMatch(/Description[\s\S]*Budgets: 1 PASS, 1 MARGINAL, 0 FAIL/);
      expect(page.texts.test).toMatch(/climb MARGINAL\s+time_to_alt\s+vehicle\s+max ≤ 8s\s+7\.5s\s+1\s+MARGINAL/);
      expect(page.texts.test).toContain('climb to 2.5 m — 6.00 s vehicle time');
      expect(page.texts.categories).toMatch(/Budget exceeded\s+1\b/);
      expect(page.texts.categories).not.toContain('Assertion failed');
      expect(page.texts.test).toContain('Severity: critical');
      expect(page.values.table).toMatch(/data-budget="climb" data-outcome="MARGINAL"/);
      expect(page.values.table).toMatch(/data-budget="ack" data-outcome="PASS"/);
      expect((page.values.images as number[]).some((w) => w > 300)).toBe(true); // the SVG plot decoded and laid out
    } finally {
      await server.close();
    }
  }, 60_000);
});
