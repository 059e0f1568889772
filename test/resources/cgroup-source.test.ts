import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { cgroupSource } from '../../src/resources/index.js';

/**
 * The cgroup layouts the engine may use, as files laid out as the kernel does (the real v1 tree is
 * read in test/containers/resources.test.ts; this host has no v2 to read).
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flightcheck-cgroup-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const ID = 'ab'.repeat(32);

function write(dir: string, files: Record<string, string>): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
}

describe('cgroupSource', () => {
  it('reads cgroup v1 (cgroupfs driver): cpuacct.usage in ns, usage less inactive files, no limit as none', async () => {
    const r1 = path.join(root, 'v1');
    write(path.join(r1, 'memory/docker', ID), {
      'memory.usage_in_bytes': `${100 * 2 ** 20}\n`,
      'memory.limit_in_bytes': '9223372036854771712\n',
      'memory.stat': `cache 1000\ninactive_file 5\ntotal_inactive_file ${20 * 2 ** 20}\n`,
    });
    write(path.join(r1, 'cpuacct/docker', ID), { 'cpuacct.usage': '2500000000\n' });
    const src = cgroupSource(ID, 'xrce-agent', 1, { root: r1 });
    expect(await src.read()).toEqual({ cpuSeconds: 2.5, memoryBytes: 80 * 2 ** 20, memoryLimitBytes: null });
    expect(src.detail).toMatch(/cgroup v1/);
    fs.writeFileSync(path.join(r1, 'memory/docker', ID, 'memory.limit_in_bytes'), `${256 * 2 ** 20}\n`);
    expect((await src.read())!.memoryLimitBytes).toBe(256 * 2 ** 20);
    // The cgroup goes with the container.
    fs.rmSync(path.join(r1, 'memory/docker', ID), { recursive: true });
    expect(await src.read()).toBeNull();
  });

  it('reads cgroup v2 (systemd driver): cpu.stat usage_usec, memory.current less inactive_file, memory.max', async () => {
    const r2 = path.join(root, 'v2');
    const dir = path.join(r2, `system.slice/docker-${ID}.scope`);
    write(dir, { 'memory.current': `${64 * 2 ** 20}\n`, 'memory.max': 'max\n', 'memory.stat': `anon 1\ninactive_file ${4 * 2 ** 20}\n`, 'cpu.stat': 'usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n' });
    const src = cgroupSource(ID, 'drone_core', 0, { root: r2 });
    expect(await src.read()).toEqual({ cpuSeconds: 1.5, memoryBytes: 60 * 2 ** 20, memoryLimitBytes: null });
    fs.writeFileSync(path.join(dir, 'memory.max'), `${512 * 2 ** 20}\n`);
    expect((await src.read())!.memoryLimitBytes).toBe(512 * 2 ** 20);
  });

  it('reads cgroup v2 (cgroupfs driver: docker/<id>)', async () => {
    const r3 = path.join(root, 'v2-cgroupfs');
    write(path.join(r3, 'docker', ID), { 'memory.current': '1048576\n', 'memory.max': '2097152\n', 'cpu.stat': 'usage_usec 10\n' });
    expect(await cgroupSource(ID, 'px4', 0, { root: r3 }).read()).toEqual({ cpuSeconds: 1e-5, memoryBytes: 1048576, memoryLimitBytes: 2097152 });
  });

  it('reads null for a container without a cgroup here, and says where it looked', async () => {
    const src = cgroupSource(ID, 'px4', 0, { root: path.join(root, 'none') });
    expect(await src.read()).toBeNull();
    expect(src.detail).toMatch(/no cgroup docker\/<id> or system\.slice/);
  });
});
