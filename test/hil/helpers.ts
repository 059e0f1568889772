import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

export const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const CLI = path.join(REPO, 'bin', 'flightcheck.js');

export function hasSocat(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `flightcheck-${prefix}-`));
}

/** A child process we started, stopped by its pid. */
export interface Child {
  pid: number;
  proc: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  exited: Promise<number | null>;
}

function track(proc: ChildProcess): Child {
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve(proc.exitCode);
    else proc.once('exit', (code) => resolve(code));
  });
  return {
    pid: proc.pid!,
    proc,
    output: () => out,
    exited,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      try {
        process.kill(proc.pid!, signal);
      } catch {
        return;
      }
      const t = setTimeout(() => {
        try {
          process.kill(proc.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

async function until(what: string, ok: () => boolean, timeoutMs: number, child?: Child): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (child && (child.proc.exitCode !== null || child.proc.signalCode !== null)) throw new Error(`${what}: the process ended: ${child.output()}`);
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms${child ? `: ${child.output()}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The processes that stand in for a rig's hardware (socat as its USB serial line, the simulator as
 * its Pixhawk) run at a raised priority, every thread of them (started under `nice`, so the I/O
 * threads a process makes later inherit it): a rig is a machine of its own, so the load on the
 * test host should take its CPU time from the test, not from the rig's stand-in. It cannot help
 * the kernel's tty worker that carries the pty's bytes: with load in the test's own session that
 * worker stalls for seconds (bench/lib/load.ts). Raising it needs root (CAP_SYS_NICE); elsewhere
 * `nice` says so in the process's output and runs it unchanged.
 */
function spawnAsHardware(command: string, args: string[], opts: SpawnOptions): ChildProcess {
  return spawn('nice', ['-n', '-10', command, ...args], opts);
}

/** A real serial line: a socat pty pair with links `a` and `b`. */
export async function startPtyPair(dir: string, names = ['a', 'b']): Promise<Child & { a: string; b: string }> {
  const a = path.join(dir, names[0]!);
  const b = path.join(dir, names[1]!);
  const proc = spawnAsHardware('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const child = track(proc);
  await until('socat pty pair', () => fs.existsSync(a) && fs.existsSync(b), 5000, child);
  return Object.assign(child, { a, b });
}

/** `flightcheck sim` on a serial device, like a Pixhawk on USB; resolves once it says it is ready. */
export async function startSimOnSerial(device: string, opts: { speed?: number; signingKeyEnv?: string; env?: NodeJS.ProcessEnv; baud?: number; instance?: number } = {}): Promise<Child> {
  // --instance sets the sys id (instance + 1), like a Pixhawk's MAV_SYS_ID.
  const args = [CLI, 'sim', '--serial', `${device}:${opts.baud ?? 921600}`, '--speed', String(opts.speed ?? 1), '--instance', String(opts.instance ?? 0)];
  if (opts.signingKeyEnv) args.push('--signing-key-env', opts.signingKeyEnv);
  const proc = spawnAsHardware(process.execPath, args, { cwd: REPO, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const child = track(proc);
  await until('flightcheck sim ready', () => child.output().includes('ready'), 20_000, child);
  return child;
}

export function writeYaml(file: string, value: unknown): string {
  fs.writeFileSync(file, stringify(value));
  return file;
}

/** Runs Jest itself (as `flightcheck run` does) with the given worker count: the rack runs need 2 workers on a 2-core machine. */
export function runJest(patterns: string[], workers: number, env: NodeJS.ProcessEnv, jsonFile: string, timeoutMs = 180_000): Promise<{ code: number | null; output: string }> {
  const jestBin = path.join(REPO, 'node_modules', 'jest', 'bin', 'jest.js');
  const proc = spawn(process.execPath, ['--experimental-vm-modules', jestBin, `--maxWorkers=${workers}`, '--json', `--outputFile=${jsonFile}`, '--testPathPatterns', ...patterns], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child = track(proc);
  const timer = setTimeout(() => void child.stop('SIGINT'), timeoutMs);
  return child.exited.then((code) => {
    clearTimeout(timer);
    return { code, output: child.output() };
  });
}

/** Runs `flightcheck run` in a child process; resolves with its exit code and output. */
export function runFlightcheck(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 180_000): Promise<{ code: number | null; output: string; child: Child }> {
  const proc = spawn(process.execPath, [CLI, 'run', '--no-report', ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const child = track(proc);
  const timer = setTimeout(() => void child.stop('SIGINT'), timeoutMs);
  return child.exited.then((code) => {
    clearTimeout(timer);
    return { code, output: child.output(), child };
  });
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits up to `withinMs` for the process to be gone; true once it is. */
export async function pidGone(pid: number, withinMs: number): Promise<boolean> {
  const end = Date.now() + withinMs;
  while (Date.now() < end) {
    if (!pidAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !pidAlive(pid);
}
