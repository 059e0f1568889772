import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { loadRig, powerDriverFor, PowerCommandFailed, RigStrategy, type PowerDriver } from '../../hil/index.js';
import { writeYaml } from './helpers.js';
import { StackDidNotComeUp } from '../../src/targets/index.js';

function fakePower(log: string[], controllable = true): PowerDriver {
  return {
    controllable,
    on: async () => void log.push('on'),
    off: async () => void log.push('off'),
    cycle: async () => void log.push('cycle'),
  };
}

describe('rig bring-up strategy', () => {
  it('goes off → powered → flight controller → companion, each step observed', async () => {
    const log: string[] = [];
    const s = new RigStrategy('r', {
      power: fakePower(log),
      flightController: { connect: async () => (log.push('connect'), 'link'), disconnect: async () => void log.push('disconnect'), describe: () => 'HEARTBEAT from sys 1' },
      companion: { ready: async () => (log.push('companion'), 'readyCommand succeeded') },
    }, { retries: 2 });
    const r = await s.bringUp();
    expect(r.connection).toBe('link');
    expect(log).toEqual(['on', 'connect', 'companion']);
    expect(r.transitions.map((t) => [t.state, t.attempt])).toEqual([['powered', 1], ['flight-controller', 1], ['companion', 1]]);
    expect(s.current).toBe('companion');
  });

  it('power-cycles and tries again when the flight controller stays silent', async () => {
    const log: string[] = [];
    let tries = 0;
    const s = new RigStrategy('r', {
      power: fakePower(log),
      flightController: {
        connect: async () => {
          log.push('connect');
          if (++tries < 2) throw new Error('no HEARTBEAT within 10000 ms');
          return 'link';
        },
        disconnect: async () => {},
        describe: () => 'ok',
      },
      companion: { ready: async () => 'skipped' },
    }, { retries: 2 });
    await s.bringUp();
    expect(log).toEqual(['on', 'connect', 'cycle', 'connect']);
    expect(s.transitions.map((t) => t.state)).toEqual(['powered', 'failed', 'power-cycle', 'flight-controller', 'companion']);
    expect(s.formatLog()).toMatch(/attempt 1 failed: flight-controller: no HEARTBEAT/);
  });

  it('gives up after the retries with the failing stage and the transition log, releasing the link of a half-up attempt', async () => {
    const log: string[] = [];
    const s = new RigStrategy('bench-1', {
      power: fakePower(log),
      flightController: { connect: async () => 'link', disconnect: async () => void log.push('disconnect'), describe: () => 'ok' },
      companion: { ready: async () => { throw new Error('ROS 2 node /drone1 not seen'); } },
    }, { retries: 1 });
    const err = (await s.bringUp().then(() => null, (e: unknown) => e)) as StackDidNotComeUp;
    expect(err).toBeInstanceOf(StackDidNotComeUp);
    expect(err.stage).toBe('companion');
    expect(err.message).toMatch(/rig "bench-1" after 2 attempts: attempt 1 \(companion\): ROS 2 node \/drone1 not seen; attempt 2 \(companion\)/);
    expect(Object.keys(err.logs)).toEqual(['rig bench-1 bring-up']);
    expect(log).toEqual(['on', 'disconnect', 'cycle', 'disconnect']);
  });

  it('without power control it says so and retries without a cycle; re-opening starts from powered', async () => {
    const log: string[] = [];
    let n = 0;
    const s = new RigStrategy('r', {
      power: fakePower(log, false),
      flightController: { connect: async () => { if (n++ === 0) throw new Error('EIO'); return 'l'; }, disconnect: async () => {}, describe: () => 'ok' },
      companion: { ready: async () => 'skipped' },
    }, { retries: 1 });
    await s.bringUp('powered');
    expect(log).toEqual([]);
    expect(s.formatLog()).toMatch(/no power control: trying again without a power cycle/);
  });
});

describe('rig power driver (the rig file\'s commands, run with execa)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flightcheck-power-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function rigWith(power: object) {
    return loadRig(writeYaml(path.join(dir, 'powered.yaml'), { name: 'powered', serial: { path: '/dev/null' }, power }));
  }

  it('runs on/off as a shell line or an argv array; cycle is off, settle, on unless given', async () => {
    const log = path.join(dir, 'power.log');
    const rig = rigWith({ on: `echo "on $FLIGHT_RIG_NAME" >> ${log}`, off: ['sh', '-c', `echo off >> ${log}`], settle: '50ms' });
    const p = powerDriverFor(rig, process.env);
    expect(p.controllable).toBe(true);
    await p.on();
    const t0 = Date.now();
    await p.cycle();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    expect(fs.readFileSync(log, 'utf8')).toBe('on powered\noff\non powered\n');
  });

  it('a failing or hanging command is an error naming the rig, the command and why', async () => {
    const hang = `sleep 5.${process.pid}`;
    const p = powerDriverFor(rigWith({ on: 'echo relay busy >&2; exit 3', off: `${hang}; true`, timeout: '200ms' }), process.env);
    await expect(p.on()).rejects.toThrow(new PowerCommandFailed('rig "powered": power on: `echo relay busy >&2; exit 3` exit code 3: relay busy'));
    const t0 = Date.now();
    await expect(p.off()).rejects.toThrow(`rig "powered": power off: \`${hang}; true\` timed out after 200 ms`);
    // The shell's child was ended with it (its process group), not left to hold the run.
    expect(Date.now() - t0).toBeLessThan(3000);
    const left = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d) && (() => {
      try {
        return fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(hang);
      } catch {
        return false;
      }
    })());
    expect(left).toEqual([]);
    expect(powerDriverFor(loadRig(writeYaml(path.join(dir, 'unpowered.yaml'), { serial: { path: '/dev/null' } }))).controllable).toBe(false);
  });
});
