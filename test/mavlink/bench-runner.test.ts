import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { measureIngest } from '../../bench/ingest.js';

const root = path.resolve(import.meta.dirname, '../..');
const runBench = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin/bench.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

describe('bin/bench.js', () => {
  it.each([['nope'], ['../package'], ['lib/px4-stream'], ['']])('rejects %j with one line listing the available benches', (name) => {
    const r = runBench(name);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^bench: (unknown bench ".*"|no bench named); available: .*\bingest\b/);
    expect(r.stdout).toBe('');
  });

  it('with no name, says so and lists the benches', () => {
    const r = runBench();
    expect(r.status).toBe(2);
    // Every bench/*.ts, by name.
    const names = fs.readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '')).sort();
    expect(r.stderr).toMatch(new RegExp(`^bench: no bench named; available: ${names.join(', ')} `));
  });

  it('runs a bench whose last stdout line is its JSON figures', () => {
    const r = runBench('ingest', '3000');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    const json = JSON.parse(lines.at(-1)!);
    expect(json).toMatchObject({ bench: 'ingest', frames: 3000 });
  }, 60_000);
});

describe('the ingest measurement (shape only: speed is the bench\'s business)', () => {
  it('measures both paths on the same frames', async () => {
    const r = await measureIngest({ frames: 2000, repetitions: 1 });
    expect(r).toEqual({
      bench: 'ingest',
      rawMsgPerSec: expect.any(Number),
      linkMsgPerSec: expect.any(Number),
      ratio: expect.any(Number),
      frames: 2000,
      datagrams: expect.any(Number),
      bytes: expect.any(Number),
      repetitions: 1,
      consumer: 'Telemetry (state + series)',
      pass: expect.any(Boolean),
    });
    expect(r.rawMsgPerSec).toBeGreaterThan(0);
    expect(r.linkMsgPerSec).toBeGreaterThan(0);
    expect(r.ratio).toBeCloseTo(r.linkMsgPerSec / r.rawMsgPerSec, 2);
  });
});
