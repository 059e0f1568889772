import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { CLI, REPO, tmpDir, writeYaml } from './helpers.js';

const dir = tmpDir('rigs-cli');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function rigs(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [CLI, 'rigs', ...args], { cwd: REPO, encoding: 'utf8', timeout: 30_000, env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('flightcheck rigs', () => {
  it('lists the device a rig file names and which rig it belongs to; a missing device is an error naming rig and device', () => {
    const present = path.join(dir, 'ttyPresent');
    fs.symlinkSync('/dev/null', present);
    const rack = writeYaml(path.join(dir, 'rack.yaml'), {
      rigs: [
        { name: 'here', serial: { path: present } },
        { name: 'gone', serial: { usb: { vendorId: '26ac', productId: '0011', serialNumber: 'NOPE' } } },
      ],
    });
    const r = rigs(['--rack', rack]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${present}  → rig here`);
    expect(r.out).toContain(`✓ here: ${present} at ${present} → /dev/null`);
    expect(r.out).toContain('✗ gone: USB 26ac:0011 serial NOPE (Pixhawk (PX4 FMU, USB CDC)): missing');
    expect(r.err).toMatch(/^error: rig "gone": device USB 26ac:0011 serial NOPE .* not found — serial ports seen/m);

    const ok = rigs(['--rig', writeYaml(path.join(dir, 'one.yaml'), { serial: { path: present } }), '--json']);
    expect(ok.code).toBe(0);
    const json = JSON.parse(ok.out) as { rigs: { rig: string; found: string | null }[]; source: string };
    expect(json.rigs).toEqual([expect.objectContaining({ rig: 'one', found: `${present} → /dev/null` })]);
  }, 30_000);

  it('works without udevadm (no Debian "udev" package): ports from sysfs, and says so', () => {
    const present = path.join(dir, 'ttyNoUdev');
    fs.symlinkSync('/dev/null', present);
    const emptyPath = path.join(dir, 'empty-bin');
    fs.mkdirSync(emptyPath);
    const r = rigs(['--rig', writeYaml(path.join(dir, 'noudev.yaml'), { serial: { path: present } })], { ...process.env, PATH: emptyPath });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('serial ports (sysfs; udevadm not found (Debian package "udev"): USB serial ports read from /sys/class/tty)');
    expect(r.out).toContain(`✓ noudev: ${present} at ${present} → /dev/null`);
  }, 30_000);

  it('an invalid rig file is one line with its path (exit status 2)', () => {
    const bad = writeYaml(path.join(dir, 'bad.yaml'), { serial: { path: '/dev/x', baud: 12345 } });
    const r = rigs(['--rig', bad]);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toMatch(new RegExp(`^flightcheck rigs: ${bad}: serial\\.baud: must be one of 9600, .*$`));
  }, 30_000);
});
