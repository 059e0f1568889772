import { spawn } from 'node:child_process';

/**
 * A CPU load generator: one process whose threads spin, one per requested core. It checks its
 * parent now and then and ends when the parent is gone, so a killed bench leaves no spinner. The
 * parent's pid comes as an argument: read at start, a parent killed that early would go unseen.
 */
const SPINNER = `
const { Worker, isMainThread, workerData } = require('node:worker_threads');
const parent = isMainThread ? Number(process.argv[3]) : workerData;
if (isMainThread) for (let i = 1; i < Number(process.argv[1]); i++) new Worker(process.argv[2], { eval: true, workerData: parent });
for (let n = 0; ; n++) if ((n & 0xfffff) === 0 && process.ppid !== parent) process.exit(0);
`;

export interface CpuLoad {
  pid: number;
  stop(): void;
}

/**
 * Starts `threads` spinning threads. `ownSession`: in a session of its own (setsid), as another
 * job on a shared machine or CI runner is. On Linux with autogroup scheduling (the default) a
 * session is a scheduling group: load inside the test's own session competes with the test's
 * processes as their sibling, and there the kernel left its tty worker (which moves every byte
 * through a pty, a USB serial port too) unscheduled for up to 2.7 s, measured with ftrace, which
 * no user-space priority changes. Load from another session leaves it at most ~0.2 s.
 */
export function startCpuLoad(threads: number, opts: { ownSession: boolean }): CpuLoad {
  const child = spawn(process.execPath, ['-e', SPINNER, String(threads), SPINNER, String(process.pid)], { stdio: 'ignore', detached: opts.ownSession });
  child.unref();
  const pid = child.pid!;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  process.once('exit', stop);
  return { pid, stop };
}
