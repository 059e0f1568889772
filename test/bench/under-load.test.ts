import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { pidGone } from '../hil/helpers.js';

const root = path.resolve(import.meta.dirname, '../..');
const BENCH = path.join(root, 'bin/bench.js');

interface Proc {
  pid: number;
  ppid: number;
  session: number;
  threads: number;
}

function stat(pid: string): Proc {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { pid: Number(pid), ppid: Number(f[1]), session: Number(f[3]), threads: Number(f[17]) };
}

/** The load generator's processes (bench/lib/load.ts): their command line carries its source. */
function spinners(): Proc[] {
  const out: Proc[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes("require('node:worker_threads')") && cmd.includes('process.ppid !== parent')) out.push(stat(d));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** Runs the bench; while it runs, samples the spinners it started. */
function underLoad(args: string[]): Promise<{ code: number | null; stdout: string; seen: Proc[]; pid: number }> {
  const before = new Set(spinners().map((s) => s.pid));
  const child = spawn(process.execPath, [BENCH, 'under-load', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
  const seen = new Map<number, Proc>();
  const watch = setInterval(() => spinners().filter((s) => !before.has(s.pid)).forEach((s) => seen.set(s.pid, s)), 50);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearInterval(watch);
      resolve({ code, stdout, seen: [...seen.values()], pid: child.pid! });
    });
  });
}

// The command under load: reports its session after a second (the spinners are up by then), exits with argv[1].
const PROBE = `setTimeout(() => { const f = require('node:fs').readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' '); console.log('PROBE session ' + f[3]); process.exit(Number(process.argv[1])); }, 1000)`;

const onLinux = process.platform === 'linux' ? describe : describe.skip;

onLinux('npm run bench -- under-load', () => {
  it('runs the command beside spinning threads in a session of their own, passes its exit code on, and stops them', async () => {
    const r = await underLoad(['--threads', '2', '--', process.execPath, '-e', PROBE, '3']);
    expect(r.code).toBe(3);
    const json = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(json).toMatchObject({ bench: 'under-load', threads: 2, session: 'own', exitCode: 3, pass: { 'the command exits 0 with every core loaded': false } });
    const session = Number(/PROBE session (\d+)/.exec(r.stdout)![1]);
    // One process, its own session leader, with a second spinning thread (plus node's own threads).
    expect(r.seen).toHaveLength(1);
    const [load] = r.seen;
    expect(load!.session).toBe(load!.pid);
    expect(load!.session).not.toBe(session);
    expect(load!.threads).toBeGreaterThan(2);
    expect(await pidGone(load!.pid, 2000)).toBe(true);
  }, 30_000);

  it('--same-session puts the load in the command\'s session; exit 0 passes', async () => {
    const r = await underLoad(['--same-session', '--threads', '1', '--', process.execPath, '-e', PROBE, '0']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ session: 'same', exitCode: 0, pass: { 'the command exits 0 with every core loaded': true } });
    const session = Number(/PROBE session (\d+)/.exec(r.stdout)![1]);
    expect(r.seen.map((s) => s.session)).toEqual([session]);
  }, 30_000);

  it('leaves no spinner behind when it is killed', async () => {
    const before = new Set(spinners().map((s) => s.pid));
    const child = spawn(process.execPath, [BENCH, 'under-load', '--threads', '1', '--', 'sleep', '3'], { cwd: root, stdio: 'ignore' });
    let load: Proc | undefined;
    const end = Date.now() + 10_000;
    while (!load && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      load = spinners().find((s) => !before.has(s.pid));
    }
    expect(load).toBeDefined();
    // SIGKILL its parent (the bench itself, under bin/bench.js): no handler runs, the spinner notices.
    // Only ever that process: the child of the bin/bench.js this test started.
    expect(stat(String(load!.ppid)).ppid).toBe(child.pid);
    process.kill(load!.ppid, 'SIGKILL');
    expect(await pidGone(load!.pid, 3000)).toBe(true);
    child.kill('SIGKILL');
  }, 30_000);

  it('refuses bad options in one line before starting anything', async () => {
    const r = await underLoad(['--threads', '0', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stdout.trim()).toMatch(/^under-load: --threads: expected a whole number ≥ 1, got 0 \(usage: .*\)$/);
    expect(r.seen).toEqual([]);
  }, 30_000);
});
