/**
 * The stack's own budgets on real PX4 and the real XRCE agent in containers: a memory budget the
 * agent exceeds fails the scenario with the numbers, beside a PX4 budget that passes; both are
 * in the scenario's record. Skipped, with the reason, where the px4 preset's images cannot be had.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { configFromEnv, missingPx4Images } from '../../sitl/containers/index.js';
import { buildImages, containersWithLabel, dockerForTests, ROOT } from './docker-env.js';
import { LABEL } from '../../sitl/containers/index.js';
import { describeUnless } from '../support/skip.js';

async function availability(): Promise<string | null> {
  const docker = await dockerForTests();
  if (!docker.ok) return docker.reason;
  buildImages();
  const missing = await missingPx4Images(configFromEnv(process.env, { stack: 'px4' }).px4);
  return missing.length > 0 ? `px4 preset images missing after images/build.sh: ${missing.join('; ')}` : null;
}

const why = await availability();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flightcheck-stack-budgets-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface ScenarioRecord {
  budgets: { name: string; outcome: string; count: number; stats: { max: number } | null; reason: string }[];
}

describeUnless(why)('stack budgets on PX4 + the XRCE agent in containers', () => {
  it('fails the scenario when the agent exceeds its memory budget, with the numbers', () => {
    const run = `stack-budgets-${process.pid}`;
    const jestBin = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
    const r = spawnSync(process.execPath, ['--experimental-vm-modules', jestBin, '--roots', path.join(ROOT, 'test/containers/fixtures'), '--testMatch', '**/agent-memory.scenario.ts', '--runInBand'], {
      cwd: ROOT,
      env: {
        ...process.env, FLIGHT_TARGET: 'containers', FLIGHT_STACK: 'px4', FLIGHT_RUN_ID: run, FLIGHT_RESULTS_DIR: tmp,
        FLIGHT_INSTANCE_BASE: '246', FLIGHT_SPEED: '1', JEST_WORKER_ID: '1',
      },
      encoding: 'utf8',
      timeout: 150_000,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    expect({ status: r.status, failedBy: /BudgetFailure: 1 of 2 budgets failed/.test(out) }).toEqual({ status: 1, failedBy: true });
    // The table names the budget, its limit and what the agent used.
    expect(out).toMatch(/agent_memory FAIL: max \d+(\.\d+)? MiB > 4 MiB/);
    const dir = path.join(tmp, 'scenarios');
    const record = JSON.parse(fs.readFileSync(path.join(dir, fs.readdirSync(dir)[0]!), 'utf8')) as ScenarioRecord;
    const agent = record.budgets.find((b) => b.name === 'agent_memory')!;
    const px4 = record.budgets.find((b) => b.name === 'px4_memory')!;
    expect(agent.outcome).toBe('FAIL');
    expect(agent.count).toBeGreaterThanOrEqual(3); // sampled twice a second through the test
    expect(agent.stats!.max).toBeGreaterThan(4);
    expect(agent.stats!.max).toBeLessThan(128); // its pi5 limit: a working set, not a bogus figure
    expect(px4.outcome).toBe('PASS');
    expect(containersWithLabel(`${LABEL.run}=${run}`)).toEqual([]);
  }, 180_000);
});
