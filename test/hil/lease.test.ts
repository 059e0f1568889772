import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { leaseRig, leaseRigs, loadRack, lockFileFor, lockOwner, NoRigFree, tryLock } from '../../hil/index.js';
import { REPO, tmpDir, writeYaml } from './helpers.js';

const dir = tmpDir('lease');
const leaseDir = path.join(dir, 'leases');
const rackFile = writeYaml(path.join(dir, 'rack.yaml'), {
  name: 'test-rack',
  rigs: [
    { name: 'rig-a', serial: { path: '/dev/rig-a' } },
    { name: 'rig-b', serial: { path: '/dev/rig-b' } },
  ],
});
const workers: ChildProcess[] = [];
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Leased { pid: number; rig: string; file: string }

function worker(): { proc: ChildProcess; leased: Promise<Leased>; exited: Promise<void> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'test/hil/fixtures/lease-worker.ts'), rackFile, leaseDir], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  workers.push(proc);
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const leased = new Promise<Leased>((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as Leased);
    });
    proc.once('exit', () => reject(new Error(`worker ended without a lease: ${err}`)));
  });
  leased.catch(() => {});
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return { proc, leased, exited };
}

describe('rig leases', () => {
  it('two workers lease two different rigs; a third waits, and takes the rig of a worker that crashed', async () => {
    const a = worker();
    const b = worker();
    const [la, lb] = await Promise.all([a.leased, b.leased]);
    expect(new Set([la.rig, lb.rig])).toEqual(new Set(['rig-a', 'rig-b']));
    expect(lockOwner(la.file)?.pid).toBe(a.proc.pid);

    const c = worker();
    const waited = await Promise.race([c.leased.then(() => 'leased'), new Promise((r) => setTimeout(() => r('waiting'), 700))]);
    expect(waited).toBe('waiting');

    a.proc.kill('SIGKILL'); // a crash: no exit hook runs, the lock file stays with a dead pid
    await a.exited;
    expect(fs.existsSync(la.file)).toBe(true);
    const lc = await c.leased;
    expect(lc.rig).toBe(la.rig);
    expect(lockOwner(lc.file)?.pid).toBe(c.proc.pid);

    b.proc.stdin!.end(); // a normal end releases through the exit hook
    await b.exited;
    expect(fs.existsSync(lb.file)).toBe(false);
    c.proc.stdin!.end();
    await c.exited;
    expect(fs.existsSync(lc.file)).toBe(false);
  }, 30_000);

  it('in one process: all-or-none leasing, a named rig in use is an error, release frees it', async () => {
    const rack = loadRack(rackFile);
    const own = path.join(dir, 'own');
    const both = await leaseRigs(rack, 2, { dir: own });
    expect(both.map((l) => l.rig.name)).toEqual(['rig-a', 'rig-b']);
    await expect(leaseRigs(rack, 1, { dir: own, signal: AbortSignal.abort() })).rejects.toThrow(/no 1 free rig .*rig-a \(pid \d+\), rig-b \(pid \d+\)/);
    await expect(leaseRigs(rack, 3, { dir: own })).rejects.toBeInstanceOf(NoRigFree);
    // tryLock by the same process on a held lock: held by a live pid → refused (a lease is never taken twice).
    expect(tryLock(lockFileFor(rack.rigs[0]!, own), 'rig-a')).toBe(false);
    expect(() => leaseRig(rack.rigs[0]!, own)).toThrow(/rig "rig-a" is in use by pid \d+/);
    both[0]!.release();
    both[0]!.release();
    const again = leaseRig(rack.rigs[0]!, own);
    expect(again.rig.name).toBe('rig-a');
    again.release();
    both[1]!.release();
    expect(fs.readdirSync(own)).toEqual([]);
  });

  it('a half-written lock file is stale once it is old (a process died mid-write)', () => {
    const rack = loadRack(rackFile);
    const own = path.join(dir, 'stale');
    const file = lockFileFor(rack.rigs[1]!, own);
    fs.mkdirSync(own, { recursive: true });
    fs.writeFileSync(file, '{"pid": 12');
    expect(tryLock(file, 'rig-b')).toBe(false); // may be being written right now
    fs.utimesSync(file, new Date(Date.now() - 5000), new Date(Date.now() - 5000));
    expect(tryLock(file, 'rig-b')).toBe(true);
    expect(lockOwner(file)?.pid).toBe(process.pid);
    fs.rmSync(file);
  });
});
