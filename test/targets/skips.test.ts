import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { flightcheck } from '../cli/helpers.js';

/**
 * Capability-based skips, end to end through `flightcheck run` on real targets: a test or a file
 * whose need the target lacks is skipped — not failed, not passed — with the reason in the
 * terminal summary, in summary.json and in the Allure result; what the target provides, and what
 * nobody declared, runs as before.
 */

interface Summary {
  passed: number;
  failed: number;
  skipped: number;
  scenarios: { file: string; scenario: string; status: string; skipReason: string | null }[];
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function tmp(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** The Allure results of the run: test name → status and status message. */
function allureResults(results: string): Map<string, { status: string; message?: string }> {
  const dir = path.join(results, 'allure-results');
  const out = new Map<string, { status: string; message?: string }>();
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('-result.json'))) {
    const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { name: string; status: string; statusDetails?: { message?: string } };
    out.set(r.name, { status: r.status, ...(r.statusDetails?.message ? { message: r.statusDetails.message } : {}) });
  }
  return out;
}

const byTitle = (s: Summary, end: string) => {
  const found = s.scenarios.find((x) => x.scenario.endsWith(end));
  if (!found) throw new Error(`no scenario ending "${end}" in ${s.scenarios.map((x) => x.scenario).join(' | ')}`);
  return found;
};

describe('capability-based skips (flightcheck run)', () => {
  it('on the sim: a missing capability skips with its reason; present and undeclared ones run; a file whose need is missing never comes up', async () => {
    const results = tmp('fc-skips-');
    const marker = path.join(results, 'file-needs-ran');
    const r = await flightcheck(['run', 'test/targets/fixtures', '--results', results, '--no-report'], { FLIGHT_NEEDS_FIXTURE: '1', FLIGHT_NEEDS_MARKER: marker }, 180_000);
    const out = `${r.stdout}\n${r.stderr}`;
    expect({ code: r.code, out }).toMatchObject({ code: 0 });

    const droneCore = /^sim \(built-in simulator\) runs no drone_core: the built-in simulator speaks MAVLink only/;
    const ros2 = /^sim \(built-in simulator\) has no ROS 2: the built-in simulator speaks MAVLink only/;
    // The terminal: each skipped row is followed by its reason on a line of its own.
    const lines = r.stdout.split('\n');
    const reasonAfter = (title: string) => lines[lines.findIndex((l) => l.includes(title)) + 1]?.trim() ?? '';
    expect(reasonAfter('is skipped where drone_core is missing').replace(/^skipped: /, '')).toMatch(droneCore);
    expect(reasonAfter('talks to ROS 2 again').replace(/^skipped: /, '')).toMatch(ros2);
    expect(r.stdout).toMatch(/3 passed, 0 failed, 3 skipped/);

    const summary = JSON.parse(fs.readFileSync(path.join(results, 'summary.json'), 'utf8')) as Summary;
    expect(summary).toMatchObject({ passed: 3, failed: 0, skipped: 3 });
    expect(byTitle(summary, 'runs as before when it declares no needs')).toMatchObject({ status: 'passed', skipReason: null });
    expect(byTitle(summary, 'runs where its failure unit is injectable: GPS off, the fix is lost')).toMatchObject({ status: 'passed', skipReason: null });
    expect(byTitle(summary, 'runs where detections are provided')).toMatchObject({ status: 'passed', skipReason: null });
    const skipped = byTitle(summary, 'is skipped where drone_core is missing');
    expect(skipped.status).toBe('pending');
    expect(skipped.skipReason).toMatch(droneCore);
    for (const title of ['talks to ROS 2', 'talks to ROS 2 again']) {
      const s = byTitle(summary, `a file that needs ROS 2 ${title}`);
      expect(s.status).toBe('pending');
      expect(s.skipReason).toMatch(ros2);
    }
    // The skipped file's own hooks did not run, and no stack was brought up for it.
    expect(fs.existsSync(marker)).toBe(false);
    expect(fs.existsSync(path.join(results, 'recordings'))).toBe(true);
    expect(fs.readdirSync(path.join(results, 'recordings')).filter((f) => f.startsWith('file-needs'))).toEqual([]);

    // The report: a skipped result whose status details carry the reason.
    const allure = allureResults(results);
    expect(allure.get('is skipped where drone_core is missing')).toEqual({ status: 'skipped', message: `skipped: ${skipped.skipReason}` });
    expect(allure.get('talks to ROS 2')?.status).toBe('skipped');
    expect(allure.get('talks to ROS 2')?.message).toMatch(/^skipped: sim \(built-in simulator\) has no ROS 2/);
    expect(allure.get('runs as before when it declares no needs')?.status).toBe('passed');
  }, 200_000);

  it('on native PX4 SITL: the detection scenario is skipped for want of detections before PX4 is started', async () => {
    const results = tmp('fc-skips-native-');
    // A PX4 build directory whose bin/px4 leaves a mark if anything starts it.
    const px4Dir = tmp('fc-skips-px4-');
    const started = path.join(px4Dir, 'started');
    fs.mkdirSync(path.join(px4Dir, 'bin'));
    fs.mkdirSync(path.join(px4Dir, 'etc', 'init.d-posix'), { recursive: true });
    fs.writeFileSync(path.join(px4Dir, 'bin', 'px4'), `#!/bin/sh\ntouch '${started}'\nexit 1\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(px4Dir, 'etc', 'init.d-posix', 'rcS'), '');
    const r = await flightcheck(['run', 'scenarios/detection', '--target', 'native', '--speed', '1', '--results', results, '--no-report'], { FLIGHT_PX4_DIR: px4Dir, FLIGHT_NATIVE: 'px4' }, 120_000);
    const summary = JSON.parse(fs.readFileSync(path.join(results, 'summary.json'), 'utf8')) as Summary;
    expect({ passed: summary.passed, failed: summary.failed, skipped: summary.skipped, out: r.stdout }).toMatchObject({ passed: 0, failed: 0, skipped: 2 });
    for (const s of summary.scenarios) {
      expect(s.status).toBe('pending');
      expect(s.skipReason).toMatch(/^native \(PX4 SITL SIH\) provides no detections: PX4 SITL has no camera or detector/);
    }
    expect(r.stdout).toMatch(/skipped: native \(PX4 SITL SIH\) provides no detections/);
    expect(fs.existsSync(started)).toBe(false);
  }, 150_000);
});
