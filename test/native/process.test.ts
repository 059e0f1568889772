import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { pidAlive, pidGone, REPO, tmpDir } from '../hil/helpers.js';

const dir = tmpDir('native-sigint');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('native SITL processes', () => {
  it('are stopped when the parent gets SIGINT (Ctrl-C)', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'test/native/fixtures/hold-stack.ts'), dir, '61'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    parent.stdout!.on('data', (d) => (out += d));
    parent.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => parent.once('exit', (code, signal) => r({ code, signal })));
    const end = Date.now() + 30_000;
    while (!out.includes('"pids"') && Date.now() < end && parent.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    const { pids } = JSON.parse(out.split('\n').find((l) => l.includes('"pids"'))!) as { pids: number[] };
    try {
      expect(pids).toHaveLength(1);
      expect(pidAlive(pids[0]!)).toBe(true);
      parent.kill('SIGINT');
      const how = await exited;
      // The cleanup hooks ran and the signal was re-raised: the exit status still says SIGINT.
      expect(how.signal).toBe('SIGINT');
      expect(await pidGone(pids[0]!, 2000)).toBe(true);
      expect(fs.readFileSync(path.join(dir, 'sim-61.log'), 'utf8')).toContain('flightcheck sim ready');
    } finally {
      for (const pid of pids) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
      if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
    }
  }, 40_000);
});
