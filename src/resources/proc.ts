import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { ResourceReading, ResourceSource } from './types.js';

let ticks: number | null = null;
/** How often a process source looks for new descendants (host ms). */
const TREE_RESCAN_MS = 5000;

/** Clock ticks per second of /proc's CPU times (sysconf _SC_CLK_TCK; 100 on Linux in practice). */
function clockTicks(): number {
  if (ticks !== null) return ticks;
  try {
    ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 }).trim()) || 100;
  } catch {
    ticks = 100;
  }
  return ticks;
}

interface Stat {
  ppid: number;
  state: string;
  /** utime + stime + cutime + cstime, in ticks: its own and its waited-for children's. */
  cpuTicks: number;
  startTicks: string;
}

/**
 * /proc/<pid>/stat. Read synchronously: /proc files come from the kernel, not a disk, and a scan
 * of every process through the thread pool took 20 ms idle and over a second on a loaded host.
 */
function readStat(pid: number): Stat | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

function parseStat(text: string): Stat {
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state): field n is f[n - 3].
  const n = (i: number) => Number(f[i - 3]);
  return { state: f[0]!, ppid: n(4), cpuTicks: n(14) + n(15) + n(16) + n(17), startTicks: f[22 - 3]! };
}

function readRssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0; // kernel threads and zombies have none
  } catch {
    return 0;
  }
}

/** The descendants of `root` (this kernel may lack /proc/<pid>/task/<tid>/children: one pass over /proc). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const s = readStat(Number(d));
    if (!s) continue;
    const list = children.get(s.ppid);
    if (list) list.push(Number(d));
    else children.set(s.ppid, [Number(d)]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/**
 * A process and its descendants on this host: CPU time summed over the tree (utime + stime, with
 * the times of children already reaped, so a short-lived helper is not lost) and RSS summed over
 * it. Null once the process is gone, a zombie, or its pid reused by another process.
 */
export function processSource(pid: number, component: string, vehicle = 0): ResourceSource {
  // Taken now, so a pid reused before the first read is not taken for the process (null: already gone).
  const startTicks = readStat(pid)?.startTicks ?? null;
  // The tree is found by a pass over all of /proc (milliseconds, more on a loaded host, and it
  // blocks the test process's event loop): done again only every TREE_RESCAN_MS. A child that
  // comes and goes in between still counts once reaped, through its parent's cutime/cstime.
  let children: number[] = [];
  let scannedAt = -Infinity;
  return {
    component,
    vehicle,
    detail: `pid ${pid}`,
    async read(): Promise<ResourceReading | null> {
      const root = readStat(pid);
      if (!root || root.state === 'Z' || root.state === 'X') return null;
      if (startTicks === null || root.startTicks !== startTicks) return null;
      const now = performance.now();
      if (now - scannedAt >= TREE_RESCAN_MS) {
        children = descendants(pid);
        scannedAt = now;
      }
      const tree = [pid, ...children];
      let cpuTicks = 0;
      let rss = 0;
      for (const p of tree) {
        const s = p === pid ? root : readStat(p);
        if (!s) continue;
        cpuTicks += s.cpuTicks;
        rss += readRssBytes(p);
      }
      return { cpuSeconds: cpuTicks / clockTicks(), memoryBytes: rss, memoryLimitBytes: null };
    },
  };
}
