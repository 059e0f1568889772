import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ResourceReading, ResourceSource } from './types.js';

/** Where a container's cgroup files are, once found. */
type CgroupFiles =
  | { version: 1; memory: string; cpuacct: string }
  | { version: 2; dir: string };

/** cgroup v1 writes "no limit" as the largest page-aligned number (9223372036854771712). */
const V1_UNLIMITED = 2 ** 60;

/**
 * The cgroup of a Docker container, by the engine's naming: cgroupfs driver `docker/<id>`, systemd
 * driver `system.slice/docker-<id>.scope`; v1 has one tree per controller, v2 one unified tree.
 */
function findCgroup(id: string, root: string): CgroupFiles | null {
  const names = [`docker/${id}`, `system.slice/docker-${id}.scope`];
  for (const name of names) {
    const memory = path.join(root, 'memory', name);
    if (!existsSync(path.join(memory, 'memory.usage_in_bytes'))) continue;
    const cpuacct = ['cpuacct', 'cpu,cpuacct'].map((c) => path.join(root, c, name)).find((d) => existsSync(path.join(d, 'cpuacct.usage')));
    if (cpuacct) return { version: 1, memory, cpuacct };
  }
  for (const name of names) {
    const dir = path.join(root, name);
    if (existsSync(path.join(dir, 'memory.current')) && existsSync(path.join(dir, 'cpu.stat'))) return { version: 2, dir };
  }
  return null;
}

/** `key value` lines (memory.stat, cpu.stat) → the value of `key`, or null. */
function statValue(text: string, key: string): number | null {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

/** Read synchronously: cgroup files come from the kernel, and the thread pool is slow on a loaded host. */
const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');

function readV1(f: { memory: string; cpuacct: string }): ResourceReading {
  const [usage, limit, stat, cpuNs] = [read(f.memory, 'memory.usage_in_bytes'), read(f.memory, 'memory.limit_in_bytes'), read(f.memory, 'memory.stat'), read(f.cpuacct, 'cpuacct.usage')];
  const limitBytes = Number(limit.trim());
  return {
    cpuSeconds: Number(cpuNs.trim()) / 1e9,
    memoryBytes: workingSet(Number(usage.trim()), statValue(stat, 'total_inactive_file')),
    memoryLimitBytes: limitBytes >= V1_UNLIMITED ? null : limitBytes,
  };
}

function readV2(dir: string): ResourceReading {
  const stat = existsSync(path.join(dir, 'memory.stat')) ? read(dir, 'memory.stat') : '';
  const [current, max, cpu] = [read(dir, 'memory.current'), read(dir, 'memory.max'), read(dir, 'cpu.stat')];
  const usec = statValue(cpu, 'usage_usec');
  if (usec === null) throw new Error(`${dir}/cpu.stat has no usage_usec`);
  return {
    cpuSeconds: usec / 1e6,
    memoryBytes: workingSet(Number(current.trim()), statValue(stat, 'inactive_file')),
    memoryLimitBytes: max.trim() === 'max' ? null : Number(max.trim()),
  };
}

/**
 * Usage less the page cache the kernel may drop at once (inactive files), as `docker stats` and
 * the kubelet count it: what a memory limit is up against, not what files the container read.
 */
function workingSet(usage: number, inactiveFile: number | null): number {
  return Math.max(0, usage - (inactiveFile ?? 0));
}

/**
 * A Docker container's cgroup, read from its files (cheap: no `docker stats`): CPU time from
 * cpuacct.usage (v1) or cpu.stat usage_usec (v2), memory as the working set, the memory limit.
 * Which layout the host has (v1 or v2, cgroupfs or systemd driver) is probed at the first read;
 * null when no cgroup of the container is found there, and once the container is gone.
 */
export function cgroupSource(containerId: string, component: string, vehicle = 0, options: { root?: string } = {}): ResourceSource {
  const root = options.root ?? '/sys/fs/cgroup';
  let files: CgroupFiles | null = null;
  const short = containerId.slice(0, 12);
  const source = {
    component,
    vehicle,
    detail: `container ${short} (no cgroup docker/<id> or system.slice/docker-<id>.scope under ${root}, v1 or v2)`,
    async read(): Promise<ResourceReading | null> {
      if (!files) {
        files = findCgroup(containerId, root);
        if (!files) return null;
        source.detail = `container ${short} (cgroup v${files.version})`;
      }
      try {
        return files.version === 1 ? readV1(files) : readV2(files.dir);
      } catch (err) {
        // The cgroup goes with its container.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
  };
  return source;
}
