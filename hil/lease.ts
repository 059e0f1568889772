import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeDevice, type RackConfig, type RigConfig } from './rig-config.js';

/**
 * Rig leases: one exclusive lock file per rig, holding the owner's pid (and its start time, so a
 * recycled pid is not mistaken for the owner). A lease is released by its owner, by the exit hook
 * of its process, or — when the process was killed outright — found stale by the next process
 * that wants the rig, because the pid in it is dead.
 */

export interface Lease {
  rig: RigConfig;
  file: string;
  /** Removes the lock if it is still ours. Safe to call twice. */
  release(): void;
}

interface LockOwner {
  pid: number;
  /** /proc/<pid>/stat start time (clock ticks since boot), when readable. */
  start: string | null;
  host: string;
  rig: string;
  since: string;
}

export class NoRigFree extends Error {
  override name = 'NoRigFree';
}

export function defaultLeaseDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLIGHT_LEASE_DIR ?? path.join(os.tmpdir(), 'flightcheck-leases');
}

/** The lock file of a rig: named by the rig and its device, so two rack files naming one device share it. */
export function lockFileFor(rig: RigConfig, dir: string): string {
  const device = describeDevice(rig.serial);
  const h = crypto.createHash('sha1').update(device).digest('hex').slice(0, 10);
  return path.join(dir, `${rig.name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${h}.lock`);
}

/** Takes one rig's lock if it is free (or stale); false when someone alive holds it. */
export function tryLock(file: string, rig: string): boolean {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const me: LockOwner = { pid: process.pid, start: processStart(process.pid), host: os.hostname(), rig, since: new Date().toISOString() };
  for (let round = 0; round < 3; round++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const text = readOrNull(file);
    if (text === null) continue; // released meanwhile: try again
    if (ownerAlive(text, file)) return false;
    // Stale. Move it aside atomically so that of two processes reclaiming it only one succeeds,
    // then check that what we moved is the stale lock and not a fresh one taken meanwhile.
    const aside = `${file}.stale-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
    try {
      fs.renameSync(file, aside);
    } catch {
      continue;
    }
    const moved = readOrNull(aside);
    if (moved !== null && moved !== text && ownerAlive(moved, aside)) {
      // We moved someone's fresh lock: put it back (link fails if a third process locked meanwhile).
      try {
        fs.linkSync(aside, file);
      } catch {
        /* the rig is taken either way */
      }
      fs.rmSync(aside, { force: true });
      return false;
    }
    fs.rmSync(aside, { force: true });
  }
  return false;
}

/** Who holds a lock file, or null when it is free or stale. */
export function lockOwner(file: string): LockOwner | null {
  const text = readOrNull(file);
  if (text === null || !ownerAlive(text, file)) return null;
  return JSON.parse(text) as LockOwner;
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function ownerAlive(text: string, file: string): boolean {
  let owner: LockOwner;
  try {
    owner = JSON.parse(text) as LockOwner;
  } catch {
    // Being written right now, or half-written by a process that died mid-write: stale once old.
    try {
      return Date.now() - fs.statSync(file).mtimeMs < 2000;
    } catch {
      return false;
    }
  }
  if (owner.host !== os.hostname()) return true; // another machine's lock (shared dir): never steal
  if (!pidAlive(owner.pid)) return false;
  const start = processStart(owner.pid);
  return owner.start === null || start === null || start === owner.start;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime) counted after the ")" that ends the command name.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

const held = new Set<string>();
let exitHook = false;

function holdUntilExit(file: string): void {
  held.add(file);
  if (exitHook) return;
  exitHook = true;
  // Synchronous: runs on a plain exit and after the cleanup hooks re-raise a signal.
  process.on('exit', () => {
    for (const f of held) releaseFile(f);
  });
}

function releaseFile(file: string): void {
  held.delete(file);
  const text = readOrNull(file);
  if (text === null) return;
  try {
    if ((JSON.parse(text) as LockOwner).pid !== process.pid) return;
  } catch {
    return;
  }
  fs.rmSync(file, { force: true });
}

/** Leases one given rig (the `--rig FILE` case), failing at once when another live process holds it. */
export function leaseRig(rig: RigConfig, dir = defaultLeaseDir()): Lease {
  const file = lockFileFor(rig, dir);
  if (!tryLock(file, rig.name)) {
    const o = lockOwner(file);
    throw new NoRigFree(`rig "${rig.name}" is in use${o ? ` by pid ${o.pid} since ${o.since}` : ''} (lease ${file})`);
  }
  holdUntilExit(file);
  return { rig, file, release: () => releaseFile(file) };
}

/**
 * Leases `count` rigs of a rack, all or none: free rigs are taken in rack order; if not enough
 * are free, what was taken is given back and it tries again every `pollMs` until `signal` aborts.
 */
export async function leaseRigs(
  rack: RackConfig,
  count: number,
  opts: { dir?: string; signal?: AbortSignal; pollMs?: number } = {},
): Promise<Lease[]> {
  if (count > rack.rigs.length) throw new NoRigFree(`rack "${rack.name}" has ${rack.rigs.length} rig${rack.rigs.length === 1 ? '' : 's'}; ${count} asked for`);
  const dir = opts.dir ?? rack.leaseDir ?? defaultLeaseDir();
  for (;;) {
    const taken: Lease[] = [];
    for (const rig of rack.rigs) {
      if (taken.length === count) break;
      const file = lockFileFor(rig, dir);
      if (tryLock(file, rig.name)) {
        holdUntilExit(file);
        taken.push({ rig, file, release: () => releaseFile(file) });
      }
    }
    if (taken.length === count) return taken;
    for (const l of taken) l.release();
    if (opts.signal?.aborted) {
      const busy = rack.rigs.map((r) => {
        const o = lockOwner(lockFileFor(r, dir));
        return `${r.name}${o ? ` (pid ${o.pid})` : ''}`;
      });
      throw new NoRigFree(`rack "${rack.name}": no ${count} free rig${count === 1 ? '' : 's'} before the bring-up limit; rigs: ${busy.join(', ')} (leases in ${dir})`);
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
  }
}
