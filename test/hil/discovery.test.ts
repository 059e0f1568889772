import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { listSerialPorts, loadRig, resolveRigDevice, RigDeviceMissing, scanSysfs, waitForRigDevice, type PortListing } from '../../hil/index.js';
import { tmpDir, writeYaml } from './helpers.js';

const dir = tmpDir('discovery');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function rig(name: string, serial: object) {
  return loadRig(writeYaml(path.join(dir, `${name}.yaml`), { name, serial }));
}

/** A fake sysfs: ttyACM0 (a Pixhawk, CDC: the USB device is the interface's parent) and ttyUSB0 (a CP210x, two levels up). */
function fakeSysfs(name = 'sys'): string {
  const root = path.join(dir, name);
  const usb1 = path.join(root, 'devices/pci0000:00/usb1/1-1');
  const usb2 = path.join(root, 'devices/pci0000:00/usb1/1-2');
  fs.mkdirSync(path.join(usb1, '1-1:1.0'), { recursive: true });
  fs.mkdirSync(path.join(usb2, '1-2:1.0/ttyUSB0'), { recursive: true });
  for (const [d, v, p, s] of [[usb1, '26AC', '0011', 'PX4-1'], [usb2, '10c4', 'ea60', 'CP-9']] as const) {
    fs.writeFileSync(path.join(d, 'idVendor'), `${v}\n`);
    fs.writeFileSync(path.join(d, 'idProduct'), `${p}\n`);
    fs.writeFileSync(path.join(d, 'serial'), `${s}\n`);
  }
  const tty = path.join(root, 'class/tty');
  for (const [name, target] of [['ttyACM0', path.join(usb1, '1-1:1.0')], ['ttyUSB0', path.join(usb2, '1-2:1.0/ttyUSB0')], ['ttyS0', null]] as const) {
    fs.mkdirSync(path.join(tty, name), { recursive: true });
    if (target) fs.symlinkSync(target, path.join(tty, name, 'device'));
  }
  return root;
}

describe('serial discovery', () => {
  it('falls back to sysfs when udevadm is missing (serialport list throws ENOENT)', async () => {
    const sysRoot = fakeSysfs();
    const lister = async () => {
      throw Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' });
    };
    const l = await listSerialPorts({ lister, sysRoot, devRoot: '/dev' });
    expect(l.source).toBe('sysfs');
    expect(l.note).toMatch(/udevadm not found \(Debian package "udev"\)/);
    expect(l.ports).toEqual([
      { path: '/dev/ttyACM0', vendorId: '26ac', productId: '0011', serialNumber: 'PX4-1' },
      { path: '/dev/ttyUSB0', vendorId: '10c4', productId: 'ea60', serialNumber: 'CP-9' },
    ]);
    expect(scanSysfs(path.join(dir, 'no-such-sys'))).toEqual([]);
  });

  it('falls back to sysfs when udevadm fails (no udev database), saying why', async () => {
    const sysRoot = fakeSysfs('sys2');
    const l = await listSerialPorts({ lister: async () => Promise.reject(new Error('Error listing ports udevadm exited with error code: 1')), sysRoot });
    expect(l.source).toBe('sysfs');
    expect(l.note).toBe('Error listing ports udevadm exited with error code: 1: USB serial ports read from /sys/class/tty');
    expect(l.ports.map((p) => p.path)).toEqual(['/dev/ttyACM0', '/dev/ttyUSB0']);
  });

  it('does not hide other listing errors', async () => {
    await expect(listSerialPorts({ lister: async () => Promise.reject(new Error('EACCES: permission denied')) })).rejects.toThrow('EACCES');
  });

  it('matches rigs by USB vendor/product/serial number', () => {
    const listing: PortListing = {
      source: 'udev',
      ports: [
        { path: '/dev/null', vendorId: '26ac', productId: '0011', serialNumber: 'A' },
        { path: '/dev/zero', vendorId: '26ac', productId: '0011', serialNumber: 'B' },
      ],
    };
    const b = resolveRigDevice(rig('b', { usb: { vendorId: '26AC', productId: '0011', serialNumber: 'B' } }), listing);
    expect(b).toMatchObject({ path: '/dev/zero', serialNumber: 'B' });
    expect(() => resolveRigDevice(rig('any', { usb: { vendorId: '26ac', productId: '0011' } }), listing)).toThrow(/ambiguous: 2 devices match .*add serial\.usb\.serialNumber/);
  });

  it('a missing device is an error naming the rig and the device', async () => {
    const listing: PortListing = { source: 'sysfs', note: 'udevadm not found', ports: [{ path: '/dev/ttyUSB0', vendorId: '10c4', productId: 'ea60' }] };
    const err = (() => {
      try {
        resolveRigDevice(rig('bench-9', { usb: { vendorId: '26ac', productId: '0011', serialNumber: 'X1' } }), listing);
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(RigDeviceMissing);
    expect(err!.message).toMatch(/^rig "bench-9": device USB 26ac:0011 serial X1 \(Pixhawk .*\) not found — serial ports seen \(sysfs\): \/dev\/ttyUSB0 10c4:ea60; udevadm not found/);
    const byPath = rig('bench-p', { path: path.join(dir, 'ttyGone') });
    expect(() => resolveRigDevice(byPath, listing)).toThrow(`rig "bench-p": device ${path.join(dir, 'ttyGone')} not found — no such device`);
    const t0 = Date.now();
    await expect(waitForRigDevice(byPath, { timeoutMs: 150, pollMs: 20, list: async () => listing })).rejects.toBeInstanceOf(RigDeviceMissing);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('waits for a device that appears (power-on, a cable plugged back)', async () => {
    const dev = path.join(dir, 'ttyLater');
    const r = rig('later', { path: dev });
    setTimeout(() => fs.symlinkSync('/dev/null', dev), 100);
    const found = await waitForRigDevice(r, { timeoutMs: 3000, pollMs: 20, list: async () => ({ source: 'udev', ports: [] }) });
    expect(found).toEqual({ path: dev, realPath: '/dev/null' });
  });
});
