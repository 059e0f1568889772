import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { LABEL } from '../../sitl/containers/index.js';
import { buildImages, containersWithLabel, dockerForTests, ROOT } from './docker-env.js';
import { describeUnless } from '../support/skip.js';

const docker = await dockerForTests();
const describeDocker = describeUnless(docker.ok ? null : docker.reason);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flightcheck-suite-'));

/** The scenario files the suite must have run, every one of them. */
function scenarioFiles(): string[] {
  return fs.readdirSync(path.join(ROOT, 'scenarios')).filter((f) => f.endsWith('.test.ts')).sort();
}

interface AllureItem {
  uuid?: string;
  name?: string;
  fullName?: string;
  children?: string[];
  attachments?: { name: string; source: string }[];
  steps?: AllureItem[];
  befores?: AllureItem[];
  afters?: AllureItem[];
}

/**
 * The container logs attached to each test of an Allure results directory (the fixture attaches
 * them after each test, so they sit in the test's afterEach fixture), by the test's full name.
 */
function containerLogsPerTest(dir: string, run: string): Map<string, string[]> {
  const read = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as AllureItem;
  const files = fs.readdirSync(dir);
  const tests = new Map(files.filter((f) => f.endsWith('-result.json')).map((f) => read(f)).map((r) => [r.uuid!, r.fullName ?? r.name!]));
  const out = new Map<string, string[]>();
  const collect = (item: AllureItem, into: string[]) => {
    for (const a of item.attachments ?? []) {
      if (a.name.startsWith(`log: flightcheck-${run}-sim-`)) into.push(fs.readFileSync(path.join(dir, a.source), 'utf8'));
    }
    for (const s of [...(item.steps ?? []), ...(item.befores ?? []), ...(item.afters ?? [])]) collect(s, into);
  };
  for (const f of files.filter((f) => f.endsWith('-container.json'))) {
    const c = read(f);
    const texts: string[] = [];
    collect(c, texts);
    if (texts.length === 0) continue;
    for (const child of c.children ?? []) {
      const name = tests.get(child);
      if (name) out.set(name, [...(out.get(name) ?? []), ...texts]);
    }
  }
  return out;
}

describeDocker('the scenario suite on the containers target (sim image)', () => {
  beforeAll(() => buildImages(), 600_000);
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('passes with every scenario present, and leaves no container behind', async () => {
    const run = `suite-${process.pid}`;
    const results = path.join(tmp, 'results');
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/flightcheck.js'), 'run', '--target', 'containers', '--speed', process.env.FLIGHT_CONTAINERS_SPEED ?? '5', '--results', results, '--no-report'], {
      cwd: ROOT,
      // Instance blocks away from this Jest run's own workers, so both can fly at once.
      env: { ...process.env, FLIGHT_STACK: 'sim', FLIGHT_RUN_ID: run, FLIGHT_INSTANCE_BASE: '120' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const summary = JSON.parse(fs.readFileSync(path.join(results, 'summary.json'), 'utf8')) as {
      target: string;
      failed: number;
      scenarios: { file: string; scenario: string; status: string; target: string | null; skipReason: string | null }[];
    };
    expect({ code, failed: summary.failed, output: code === 0 ? '' : out }).toEqual({ code: 0, failed: 0, output: '' });
    const ran = [...new Set(summary.scenarios.map((s) => path.basename(s.file)))].sort();
    expect(ran).toEqual(scenarioFiles());
    expect(summary.scenarios.length).toBeGreaterThan(0);
    // Every scenario passed, but those skipped with the reason they cannot run on this stack
    // (drone_core's need ROS 2 and the px4 preset).
    const flown = summary.scenarios.filter((s) => s.skipReason === null);
    for (const s of summary.scenarios) if (!flown.includes(s)) expect(s.skipReason).toMatch(/drone_core|ROS 2/);
    for (const s of summary.scenarios) {
      expect([s.scenario, s.status]).toEqual([s.scenario, flown.includes(s) ? 'passed' : 'pending']);
    }
    expect(flown.length).toBeGreaterThan(10);
    for (const s of flown) expect(s.target).toBe('containers');
    // Every scenario test flown carries its own share of its containers' output in the report.
    const logs = containerLogsPerTest(path.join(results, 'allure-results'), run);
    expect(logs.size).toBe(flown.length);
    for (const [test, attached] of logs) {
      expect([test, attached.some((text) => /flightcheck sim reset at/.test(text))]).toEqual([test, true]);
    }
    expect(containersWithLabel(`${LABEL.run}=${run}`)).toEqual([]);
  }, 900_000);
});

