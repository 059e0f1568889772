import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { containersTarget, LABEL, reapDeadRuns, WATCHDOG_LABEL } from '../../sitl/containers/index.js';
import { listenProgress, type ProgressEvent } from '../../src/cli/progress.js';
import { encodeRunSettings } from '../../src/config/run-settings.js';
import { buildImages, containersWithLabel, dockerForTests, ROOT } from './docker-env.js';
import { describeUnless } from '../support/skip.js';

const docker = await dockerForTests();
const describeDocker = describeUnless(docker.ok ? null : docker.reason);
const jestBin = path.join(ROOT, 'node_modules/jest/bin/jest.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flightcheck-kill-'));

/** Runs the hover scenario on the containers target in a child Jest process of its own run. */
function startFlight(run: string, results: string, instanceBase: number, progressPort: number): ChildProcess {
  return spawn(
    process.execPath,
    ['--experimental-vm-modules', jestBin, '--roots', path.join(ROOT, 'test/containers/fixtures'), '--testMatch', '**/*.scenario.ts', '--runInBand'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        FLIGHT_STACK: 'sim', FLIGHT_RUN_ID: run, JEST_WORKER_ID: '1',
        // As `flightcheck run` hands a run's settings to its workers.
        ...encodeRunSettings({ target: 'containers', resultsDir: results, instanceBase, speed: '5', progressPort }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

function recordings(results: string): { file: string; bytes: number }[] {
  const dir = path.join(results, 'recordings');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).map((f) => ({ file: f, bytes: fs.statSync(path.join(dir, f)).size }));
}

function exited(child: ChildProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the child did not exit within ${ms} ms`)), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal });
    });
  });
}

async function until(what: string, ms: number, ok: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describeDocker('interrupting a containers flight', () => {
  beforeAll(() => buildImages(), 600_000);
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  // How the run ends, and who removes its containers: the stack's watchdog (it outlives the
  // process), or — when the watchdog is gone too (a killed process group, a reboot) — the reaper
  // at the next start, which finds them by label.
  const cases = [
    { signal: 'SIGINT', killWatchdog: false, instanceBase: 224 },
    { signal: 'SIGKILL', killWatchdog: false, instanceBase: 232 },
    { signal: 'SIGKILL', killWatchdog: true, instanceBase: 240 },
  ] as const;
  for (const { signal, killWatchdog, instanceBase } of cases) {
    const title = killWatchdog
      ? `${signal} mid-flight with its watchdog killed too: the next start reaps the run's containers by label; the recording so far is on disk`
      : `${signal} mid-flight: zero containers of the run remain and the recording so far is on disk`;
    it(title, async () => {
      const run = `kill-${signal.toLowerCase()}${killWatchdog ? '-nowd' : ''}-${process.pid}`;
      const runLabel = `${LABEL.run}=${run}`;
      const results = path.join(tmp, run);
      let altitude = 0;
      let phase = '';
      const progress = await listenProgress((e: ProgressEvent) => {
        if (e.kind === 'state') altitude = e.altitude;
        if (e.kind === 'phase') phase = e.phase;
      });
      const child = startFlight(run, results, instanceBase, progress.port);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      try {
        await until('in flight (hover phase, above 1 m)', 90_000, () => {
          if (child.exitCode !== null) throw new Error(`the flight ended before it could be interrupted:\n${out}`);
          return phase === 'hover' && altitude > 1;
        }, () => out);
        const ids = containersWithLabel(runLabel);
        expect(ids).toHaveLength(1);
        if (killWatchdog) {
          const pid = Number(execFileSync('docker', ['inspect', '--format', `{{index .Config.Labels "${WATCHDOG_LABEL}"}}`, ids[0]!], { encoding: 'utf8' }).trim());
          expect(pid).toBeGreaterThan(0);
          process.kill(pid, 'SIGKILL');
        }
        child.kill(signal);
        const how = await exited(child, 30_000);
        expect(how.code).not.toBe(0);
        if (killWatchdog) {
          // Nothing of the dead run cleaned up after it: its container is still there…
          await new Promise((r) => setTimeout(r, 1500));
          expect(containersWithLabel(runLabel)).toHaveLength(1);
          // …until the next start of a stack, which reaps it before bringing its own up.
          const next = await containersTarget({ stack: 'sim' }).up({
            vehicles: 1, speed: 5, seed: 1, instance: instanceBase + 4, params: {}, artifactsDir: path.join(results, 'next'), heartbeatTimeoutMs: 3000,
          });
          expect(containersWithLabel(runLabel)).toEqual([]);
          await next.down();
        } else {
          // The watchdog removes them as soon as the process is gone (SIGKILL included).
          await until('containers of the run removed', 15_000, () => containersWithLabel(runLabel).length === 0, () => out);
        }
        expect(containersWithLabel(runLabel)).toEqual([]);
        const rec = recordings(results);
        expect(rec.map((r) => path.extname(r.file))).toContain('.mcap');
        // Flushed as it grew: the flight up to the kill is in it.
        expect(Math.max(...rec.map((r) => r.bytes))).toBeGreaterThan(4096);
      } finally {
        progress.close();
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited(child, 10_000).catch(() => {});
        await reapDeadRuns();
      }
    }, 150_000);
  }
});

