import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { McapIndexedReader, McapStreamReader } from '@mcap/core';
import { ROOT } from './helpers.js';

/**
 * Stopping and killing `flightcheck run` mid-flight on the sim target (speed 1, so the flight is
 * still going when the signal comes). Instances 380–399 of this suite's block.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-interrupt-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  out: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The runner in a process group of its own, as a shell starts a job. */
function startRun(results: string, instanceBase: number, extra: string[] = []): Started {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/flightcheck.js'), 'run', 'scenarios/takeoff', '--speed', '1', '--no-report', '--results', results, ...extra], {
    cwd: ROOT,
    env: { ...process.env, FLIGHT_INSTANCE_BASE: String(instanceBase), FLIGHT_RESULTS_DIR: results },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, out: () => out, exited };
}

async function until(what: string, ms: number, ok: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  zombie: boolean;
}

function processes(): Proc[] {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,stat='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .map(([pid, ppid, pgid, stat]) => ({ pid: Number(pid), ppid: Number(ppid), pgid: Number(pgid), zombie: stat!.startsWith('Z') }));
}

/** The runner and everything it started (its descendants), as the process table shows them now. */
function runProcesses(root: number): Proc[] {
  const all = processes();
  const mine = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) if (mine.has(p.ppid) && !mine.has(p.pid)) grew = mine.add(p.pid) !== null;
  }
  return all.filter((p) => mine.has(p.pid));
}

const flying = (s: Started) => /takeoff › .*: climb/.test(s.out());

describe('flightcheck run, interrupted or killed mid-flight', () => {
  it('a SIGINT mid-flight (about 3 s in) leaves a summary of this run marked interrupted, with what was cut off, not an older run\'s', async () => {
    const results = path.join(tmp, 'sigint');
    const json = path.join(tmp, 'sigint.json');
    // An older, complete run's files, as a previous run leaves them.
    fs.mkdirSync(results, { recursive: true });
    const older = { target: 'sim', passed: 14, failed: 0, skipped: 0, scenarios: [] };
    fs.writeFileSync(path.join(results, 'summary.json'), JSON.stringify(older));
    fs.writeFileSync(path.join(results, 'jest-results.json'), JSON.stringify({ success: true, numTotalTests: 14, testResults: [] }));

    const run = startRun(results, 380, ['--json', json]);
    // Once flying: the checks before the run take longer than 3 s on a cold cache.
    await until('the takeoff scenario flying', 60_000, () => flying(run), run.out);
    process.kill(run.child.pid!, 'SIGINT');
    const end = await run.exited;
    expect(end.code).toBe(130);

    for (const file of [path.join(results, 'summary.json'), json]) {
      const s = JSON.parse(fs.readFileSync(file, 'utf8'));
      expect(s).toMatchObject({ interrupted: true, interruptedBy: 'SIGINT', passed: 0 });
      expect(s.cutOff).toBeGreaterThanOrEqual(1);
      expect(s.scenarios.filter((x: { status: string }) => x.status === 'interrupted').length).toBe(s.cutOff);
    }
    expect(run.out()).toMatch(/INTERRUPTED \(SIGINT\): \d+ cut off/);
    expect(run.out()).not.toMatch(/14 passed/);
  }, 120_000);

  it('SIGKILL of the runner mid-flight: no process the run started is alive 2 s later', async () => {
    const results = path.join(tmp, 'sigkill');
    const run = startRun(results, 388);
    try {
      await until('the vehicle flying', 60_000, () => flying(run), run.out);
      const started = runProcesses(run.child.pid!);
      // The runner, Jest, and whatever Jest started (workers, esbuild).
      expect(started.length).toBeGreaterThanOrEqual(2);
      const groups = new Set(started.map((p) => p.pgid));
      process.kill(run.child.pid!, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 2000));
      const alive = processes().filter((p) => !p.zombie && (started.some((s) => s.pid === p.pid) || groups.has(p.pgid)));
      expect(alive).toEqual([]);
    } finally {
      for (const p of runProcesses(run.child.pid!)) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  }, 120_000);

  it('kill -9 of the whole run mid-flight: the MCAP so far reads with the streaming reader, the next run keeps it aside and finalizes it, the CSV has complete lines', async () => {
    const results = path.join(tmp, 'kill9');
    const run = startRun(results, 396);
    await until('the vehicle flying', 60_000, () => flying(run), run.out);
    await new Promise((r) => setTimeout(r, 1000));
    const started = runProcesses(run.child.pid!);
    for (const pgid of new Set(started.map((p) => p.pgid))) process.kill(-pgid, 'SIGKILL');
    await run.exited;

    const recordings = path.join(results, 'recordings');
    const mcap = fs.readdirSync(recordings).find((f) => f.endsWith('.mcap'))!;
    const csv = fs.readdirSync(recordings).find((f) => f.endsWith('.csv'))!;
    expect(mcap).toBeDefined();
    expect(csv).toBeDefined();
    // Nothing could close it: the standard streaming reader reads every message flushed so far.
    const bytes = fs.readFileSync(path.join(recordings, mcap));
    const reader = new McapStreamReader({ validateCrcs: true });
    reader.append(bytes);
    const topics = new Map<number, string>();
    let messages = 0;
    const seen = new Set<string>();
    for (let r; (r = reader.nextRecord()); ) {
      if (r.type === 'Channel') topics.set(r.id, r.topic);
      if (r.type === 'Message') {
        messages++;
        seen.add(topics.get(r.channelId) ?? '?');
      }
    }
    expect(messages).toBeGreaterThan(100);
    expect(seen).toContain('/mavlink/LOCAL_POSITION_NED');
    expect(seen).toContain('/phases');

    // The next run moves the dead run's files aside (never deletes them) and finalizes them.
    const next = startRun(results, 396);
    await until('the next run starting', 60_000, () => /an earlier run did not finish/.test(next.out()), next.out);
    process.kill(next.child.pid!, 'SIGINT');
    await next.exited;
    const kept = path.join(results, 'unfinished', fs.readdirSync(path.join(results, 'unfinished'))[0]!, 'recordings');
    const finalized = fs.readFileSync(path.join(kept, mcap));
    const indexed = await McapIndexedReader.Initialize({
      readable: { size: async () => BigInt(finalized.length), read: async (o: bigint, l: bigint) => finalized.subarray(Number(o), Number(o + l)) },
    });
    expect(Number(indexed.statistics!.messageCount)).toBe(messages);
    const lines = fs.readFileSync(path.join(kept, csv), 'utf8');
    expect(lines.endsWith('\n')).toBe(true);
    const rows = lines.trimEnd().split('\n');
    expect(rows.length).toBeGreaterThan(2);
    for (const row of rows) expect(row.split(',')).toHaveLength(11);
  }, 180_000);
});
