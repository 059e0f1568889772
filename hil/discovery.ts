import fs from 'node:fs';
import path from 'node:path';
import { describeDevice, display, type RigConfig } from './rig-config.js';

/** A serial port seen on this host, with its USB identity when it has one. */
export interface SerialPortInfo {
  path: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  manufacturer?: string;
}

export interface PortListing {
  ports: SerialPortInfo[];
  /** 'udev' (serialport's list, via udevadm) or 'sysfs' (our own scan when udevadm is missing). */
  source: 'udev' | 'sysfs';
  /** Why the fallback was used, for `flightcheck rigs` and error messages. */
  note?: string;
}

export type PortLister = () => Promise<SerialPortInfo[]>;

/** A rig's device is not attached (or not found by its USB ids). */
export class RigDeviceMissing extends Error {
  override name = 'RigDeviceMissing';
  constructor(
    readonly rig: string,
    readonly device: string,
    detail: string,
  ) {
    super(`rig "${rig}": device ${device} not found${detail ? ` — ${detail}` : ''}`);
  }
}

/** Where a rig's device was found. */
export interface ResolvedDevice {
  /** The path to open (the configured path, or the port serialport listed). */
  path: string;
  /** What the path points to now (a pty, /dev/ttyACM0 behind a by-id link); used to notice an unplug. */
  realPath: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
}

/**
 * Lists serial ports. serialport's list() shells out to `udevadm` on Linux and throws ENOENT where
 * it is not installed (minimal containers, CI images): then /sys/class/tty is read directly, which
 * gives the same USB vendor/product/serial for USB ports.
 */
export async function listSerialPorts(opts: { lister?: PortLister; sysRoot?: string; devRoot?: string } = {}): Promise<PortListing> {
  const lister = opts.lister ?? serialportList;
  try {
    return { ports: await lister(), source: 'udev' };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const missing = e.code === 'ENOENT' || /ENOENT/.test(e.message ?? '');
    // No udev database (a container without udevd) makes udevadm exit non-zero: sysfs still has the ids.
    const failed = !missing && /udevadm/.test(e.message ?? '');
    if (!missing && !failed) throw err;
    return {
      ports: scanSysfs(opts.sysRoot ?? '/sys', opts.devRoot ?? '/dev'),
      source: 'sysfs',
      note: missing
        ? 'udevadm not found (Debian package "udev"): USB serial ports read from /sys/class/tty'
        : `${e.message.split('\n')[0]}: USB serial ports read from /sys/class/tty`,
    };
  }
}

async function serialportList(): Promise<SerialPortInfo[]> {
  const { SerialPort } = await import('serialport');
  const list = await SerialPort.list();
  return list.map((p) => ({
    path: p.path,
    ...(p.vendorId ? { vendorId: p.vendorId.toLowerCase() } : {}),
    ...(p.productId ? { productId: p.productId.toLowerCase() } : {}),
    ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
    ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
  }));
}

/**
 * USB serial ports from sysfs: /sys/class/tty/<name>/device points into the USB tree; the USB
 * device directory (the first ancestor with idVendor) holds idVendor, idProduct and serial.
 */
export function scanSysfs(sysRoot = '/sys', devRoot = '/dev'): SerialPortInfo[] {
  const ttyDir = path.join(sysRoot, 'class', 'tty');
  let names: string[];
  try {
    names = fs.readdirSync(ttyDir);
  } catch {
    return [];
  }
  const out: SerialPortInfo[] = [];
  for (const name of names.sort()) {
    let dev: string;
    try {
      dev = fs.realpathSync(path.join(ttyDir, name, 'device'));
    } catch {
      continue; // virtual terminals and ptys have no device
    }
    let dir = dev;
    for (let up = 0; up < 4 && dir !== path.dirname(dir); up++, dir = path.dirname(dir)) {
      const vendor = readAttr(dir, 'idVendor');
      if (!vendor) continue;
      const product = readAttr(dir, 'idProduct');
      const serial = readAttr(dir, 'serial');
      const manufacturer = readAttr(dir, 'manufacturer');
      out.push({
        path: path.join(devRoot, name),
        vendorId: vendor.toLowerCase(),
        ...(product ? { productId: product.toLowerCase() } : {}),
        ...(serial ? { serialNumber: serial } : {}),
        ...(manufacturer ? { manufacturer } : {}),
      });
      break;
    }
  }
  return out;
}

function readAttr(dir: string, name: string): string | null {
  try {
    return fs.readFileSync(path.join(dir, name), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** Does a listed port match a rig's device description? */
export function portMatchesRig(port: SerialPortInfo, rig: RigConfig): boolean {
  const s = rig.serial;
  if (s.path) return samePath(port.path, s.path);
  const u = s.usb!;
  return port.vendorId === u.vendorId && port.productId === u.productId && (!u.serialNumber || port.serialNumber === u.serialNumber);
}

/** Finds a rig's device now, or throws RigDeviceMissing naming the rig and the device. */
export function resolveRigDevice(rig: RigConfig, listing: PortListing): ResolvedDevice {
  const s = rig.serial;
  const device = describeDevice(s);
  if (s.path) {
    let realPath: string;
    try {
      realPath = fs.realpathSync(s.path);
    } catch {
      throw new RigDeviceMissing(rig.name, device, `no such device (rig file ${display(rig.file)})`);
    }
    const info = listing.ports.find((p) => samePath(p.path, realPath));
    return { path: s.path, realPath, ...identity(info) };
  }
  const matches = listing.ports.filter((p) => portMatchesRig(p, rig));
  if (matches.length === 0) {
    const seen = listing.ports.map((p) => `${p.path}${p.vendorId ? ` ${p.vendorId}:${p.productId ?? '?'}${p.serialNumber ? ` ${p.serialNumber}` : ''}` : ''}`);
    throw new RigDeviceMissing(
      rig.name,
      device,
      `serial ports seen (${listing.source}): ${seen.length ? seen.join(', ') : 'none'}${listing.note ? `; ${listing.note}` : ''} (rig file ${display(rig.file)})`,
    );
  }
  if (matches.length > 1) {
    throw new RigDeviceMissing(
      rig.name,
      device,
      `ambiguous: ${matches.length} devices match (${matches.map((m) => `${m.path} serial ${m.serialNumber ?? '?'}`).join(', ')}); add serial.usb.serialNumber to ${display(rig.file)}`,
    );
  }
  const m = matches[0]!;
  let realPath = m.path;
  try {
    realPath = fs.realpathSync(m.path);
  } catch {
    throw new RigDeviceMissing(rig.name, device, `listed as ${m.path} but the device node is gone`);
  }
  return { path: m.path, realPath, ...identity(m) };
}

function identity(p: SerialPortInfo | undefined): Pick<ResolvedDevice, 'vendorId' | 'productId' | 'serialNumber'> {
  if (!p) return {};
  return {
    ...(p.vendorId ? { vendorId: p.vendorId } : {}),
    ...(p.productId ? { productId: p.productId } : {}),
    ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
  };
}

function samePath(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return false;
  }
}

/**
 * Waits until a rig's device is present (after power-on, or when an unplugged cable returns),
 * polling every `pollMs`; throws the last RigDeviceMissing when `timeoutMs` runs out.
 */
export async function waitForRigDevice(
  rig: RigConfig,
  opts: { timeoutMs: number; pollMs?: number; signal?: AbortSignal; list?: () => Promise<PortListing> },
): Promise<ResolvedDevice> {
  const list = opts.list ?? (() => listSerialPorts());
  const until = Date.now() + opts.timeoutMs;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      // A configured path that is not there yet needs no (slower) port listing to say so.
      const absent = rig.serial.path !== undefined && !fs.existsSync(rig.serial.path);
      return resolveRigDevice(rig, absent ? { ports: [], source: 'udev' } : await list());
    } catch (err) {
      if (!(err instanceof RigDeviceMissing) || Date.now() >= until || err.message.includes('ambiguous')) throw err;
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
  }
}
