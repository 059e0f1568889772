import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { loadRack, loadRig, rigSigningKey, RigConfigError } from '../../hil/index.js';
import { REPO, tmpDir, writeYaml } from './helpers.js';

const dir = tmpDir('rigcfg');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function rigFile(name: string, content: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, content);
  return f;
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('rig files', () => {
  it('reads the example rig and rack, with defaults filled in', () => {
    const rig = loadRig(path.join(REPO, 'rigs/bench-1.yaml'));
    expect(rig.name).toBe('bench-1');
    expect(rig.serial).toEqual({ usb: { vendorId: '26ac', productId: '0011', serialNumber: '0001' }, baud: 921600 });
    expect(rig.mavlink.signing).toEqual({ keyEnv: 'FLIGHT_BENCH1_SIGNING_KEY', linkId: 1 });
    expect(rig.safety.armingAllowed).toBe(false);
    expect(rig.safety.geofence?.maxAltitude).toBe(2);
    expect(rig.power?.settle).toBe(3000);
    const rack = loadRack(path.join(REPO, 'rigs/rack.yaml'));
    expect(rack.rigs.map((r) => r.name)).toEqual(['bench-1', 'bench-2']);
    expect(rack.rigs[1]!.serial.usb).toEqual({ vendorId: '10c4', productId: 'ea60', serialNumber: 'BENCH2' });
    expect(rack.rigs[1]!.power?.on).toEqual(['uhubctl', '-l', '1-1', '-p', '3', '-a', 'on']);
  });

  it('defaults: baud 921600, arming not allowed, name from the file', () => {
    const rig = loadRig(rigFile('minimal.yml', 'serial: { path: /dev/ttyACM0 }\n'));
    expect(rig.name).toBe('minimal');
    expect(rig.serial.baud).toBe(921600);
    expect(rig.safety).toEqual({ armingAllowed: false, propellersRemoved: false });
    expect(rig.mavlink).toEqual({ sysId: 1, compId: 1 });
  });

  it('reads JSON too', () => {
    const rig = loadRig(rigFile('j.json', JSON.stringify({ name: 'j', serial: { path: '/dev/ttyUSB0', baud: 57600 } })));
    expect(rig.serial.baud).toBe(57600);
  });

  it('rejects an unknown field with the file and the path', () => {
    const f = rigFile('typo.yaml', 'serial: { path: /dev/ttyACM0 }\nsafety:\n  armingAlowed: true\n');
    const err = errorOf(() => loadRig(f));
    expect(err).toBeInstanceOf(RigConfigError);
    expect(err.message).toBe(`${f}: safety: unknown field "armingAlowed" (did you mean "armingAllowed"?)`);
    expect(err.message.split('\n')).toHaveLength(1);
  });

  it('rejects a bad baud rate naming serial.baud and the allowed rates', () => {
    const f = rigFile('baud.yaml', 'serial: { path: /dev/ttyACM0, baud: 921601 }\n');
    expect(errorOf(() => loadRig(f)).message).toMatch(new RegExp(`^${f}: serial\\.baud: must be one of 9600, .*921600`));
  });

  it('rejects a rig without a device', () => {
    const f = rigFile('nodev.yaml', 'serial: { baud: 921600 }\n');
    expect(errorOf(() => loadRig(f)).message).toBe(`${f}: serial: missing device: give serial.path or serial.usb { vendorId, productId }`);
    const g = rigFile('noserial.yaml', 'name: x\n');
    expect(errorOf(() => loadRig(g)).message).toMatch(new RegExp(`^${g}: serial: `));
  });

  it('explains a USB id that YAML read as a number', () => {
    const f = rigFile('usbnum.yaml', 'serial: { usb: { vendorId: 26ac, productId: 0011 } }\n');
    expect(errorOf(() => loadRig(f)).message).toBe(`${f}: serial.usb.productId: expected 4 hex digits as a quoted string, e.g. "0011" (YAML reads 0011 as a number)`);
  });

  it('reports YAML syntax errors and unreadable files with the path', () => {
    const f = rigFile('bad.yaml', 'serial: [\n');
    expect(errorOf(() => loadRig(f)).message).toMatch(new RegExp(`^${f}: `));
    expect(errorOf(() => loadRig(path.join(dir, 'nope.yaml'))).message).toBe(`${path.join(dir, 'nope.yaml')}: cannot read: ENOENT`);
  });

  it('validates inline rigs of a rack with their index path, and rig files by their own path', () => {
    const bad = writeYaml(path.join(dir, 'rack-bad.yaml'), { rigs: [{ name: 'r1', serial: { path: '/dev/a' } }, { name: 'r2', serial: { path: '/dev/b', baud: 1 } }] });
    expect(errorOf(() => loadRack(bad)).message).toMatch(new RegExp(`^${bad}: rigs\\.1\\.serial\\.baud: must be one of`));
    const typo = rigFile('typo-rig.yaml', 'serial: { path: /dev/x, parity: none }\n');
    const rack = writeYaml(path.join(dir, 'rack-ref.yaml'), { rigs: ['typo-rig.yaml'] });
    expect(errorOf(() => loadRack(rack)).message).toBe(`${typo}: serial: unknown field "parity"`);
    const dup = writeYaml(path.join(dir, 'rack-dup.yaml'), { rigs: [{ name: 'r', serial: { path: '/dev/a' } }, { name: 'r', serial: { path: '/dev/b' } }] });
    expect(errorOf(() => loadRack(dup)).message).toMatch(/rig name "r" appears twice/);
  });

  it('reads the signing key from the environment variable the file names, never the file', () => {
    const rig = loadRig(rigFile('signed.yaml', 'serial: { path: /dev/x }\nmavlink: { signing: { keyEnv: RIG_TEST_KEY } }\n'));
    expect(() => rigSigningKey(rig, {})).toThrow(/mavlink\.signing\.keyEnv: environment variable RIG_TEST_KEY is not set/);
    const k1 = rigSigningKey(rig, { RIG_TEST_KEY: 'passphrase' })!;
    expect(k1).toHaveLength(32);
    const hex = 'ab'.repeat(32);
    expect(rigSigningKey(rig, { RIG_TEST_KEY: hex })!.toString('hex')).toBe(hex);
    expect(rigSigningKey(loadRig(rigFile('unsigned.yaml', 'serial: { path: /dev/x }\n')), {})).toBeNull();
  });
});
