import { spawn, type ChildProcess } from 'node:child_process';

/** Child node processes doing known work, for the resource readers to measure. */
const SCRIPTS = {
  /** Holds 50 MiB, every page touched (resident), then idles. */
  allocate: 'const b = Buffer.alloc(50 * 1024 * 1024, 1); console.log("ready"); setInterval(() => b[0]++, 1000);',
  /** One core busy; every 100 ms it says how much CPU it has used: "cpu <host ms> <µs>". */
  busy: 'console.log("ready"); let next = 0; for (;;) { const t = performance.timeOrigin + performance.now(); if (t >= next) { const u = process.cpuUsage(); console.log("cpu " + t + " " + (u.user + u.system)); next = t + 100; } }',
  /** Asleep. */
  idle: 'console.log("ready"); setInterval(() => {}, 1000);',
} as const;

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** What it printed. */
  output(): string;
  kill(): Promise<void>;
}

/**
 * Starts `kind`; with `viaShell`, under `sh -c` so it is a grandchild (what a tree reading must
 * find). Resolves once it printed "ready".
 */
export async function startChild(kind: keyof typeof SCRIPTS, viaShell = false): Promise<Child> {
  const node = process.execPath;
  const proc = viaShell
    ? // A process group of its own, so the shell and its child go together.
      spawn('sh', ['-c', `"$0" -e '${SCRIPTS[kind]}'; :`, node], { stdio: ['ignore', 'pipe', 'inherit'], detached: true })
    : spawn(node, ['-e', SCRIPTS[kind]], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('ready')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`child ${kind} exited (${code}) before it was ready`)));
  });
  return {
    proc,
    pid: proc.pid!,
    output: () => out,
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      if (viaShell) process.kill(-proc.pid!, 'SIGKILL');
      else proc.kill('SIGKILL');
      await exited;
    },
  };
}
