import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from '@jest/globals';
import { processSource } from '../../src/resources/index.js';
import { startChild, type Child } from './children.js';

const MIB = 1024 * 1024;
const children: Child[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) await c.kill();
});

async function child(kind: Parameters<typeof startChild>[0], viaShell = false): Promise<Child> {
  const c = await startChild(kind, viaShell);
  children.push(c);
  return c;
}

describe('processSource', () => {
  it('reads the resident memory a process holds', async () => {
    const c = await child('allocate');
    const r = await processSource(c.pid, 'test').read();
    expect(r).not.toBeNull();
    // 50 MiB of touched pages plus node itself (about 40 MiB).
    expect(r!.memoryBytes).toBeGreaterThan(50 * MIB);
    expect(r!.memoryBytes).toBeLessThan(400 * MIB);
    expect(r!.memoryLimitBytes).toBeNull();
    // What ps says (also from /proc, by another reader).
    const psKiB = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(c.pid)], { encoding: 'utf8' }).trim());
    expect(Math.abs(r!.memoryBytes / 1024 - psKiB) / psKiB).toBeLessThan(0.05);
  });

  it('counts the descendants of the process: a shell whose child holds the memory and burns the CPU', async () => {
    const mem = await child('allocate', true);
    const busy = await child('busy', true);
    const shellOnly = await processSource(mem.pid, 'test').read();
    expect(shellOnly!.memoryBytes).toBeGreaterThan(50 * MIB);
    const src = processSource(busy.pid, 'test');
    const a = await src.read();
    await new Promise((r) => setTimeout(r, 1000));
    const b = await src.read();
    // A busy core for 1 s is 1 s of CPU; a loaded 2-core machine gives it less, never nothing.
    expect(b!.cpuSeconds - a!.cpuSeconds).toBeGreaterThan(0.3);
    expect(b!.cpuSeconds - a!.cpuSeconds).toBeLessThan(1.5);
  });

  it('reads null once the process is gone, and keeps saying so', async () => {
    const c = await child('idle');
    const src = processSource(c.pid, 'px4', 2);
    expect(await src.read()).not.toBeNull();
    await c.kill();
    expect(await src.read()).toBeNull();
    expect(await src.read()).toBeNull();
    expect([src.component, src.vehicle]).toEqual(['px4', 2]);
  });

  it('reads null for a pid that never was', async () => {
    expect(await processSource(2 ** 22 + 7, 'test').read()).toBeNull();
  });
});
