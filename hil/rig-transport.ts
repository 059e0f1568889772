import fs from 'node:fs';
import type { SerialPort } from 'serialport';
import { BaseTransport } from '../src/mavlink/transports/transport.js';

export interface RigTransportOptions {
  /** The path to open (a by-id link, /dev/ttyACM0, a pty link). */
  path: string;
  baudRate: number;
  /** How often to check that the device is still there (host clock). */
  watchMs?: number;
}

/**
 * A rig's serial port. Besides serialport's own 'close'/'error' (which a USB unplug raises on most
 * drivers), it watches the device node: a pty whose other end vanished, or a USB device removed
 * while no read was pending, raises nothing on the open descriptor, so the link would only notice
 * after its HEARTBEAT timeout. The watch notices within `watchMs` that the path is gone or now
 * points at another device, and ends the transport (the link then fails with LinkLost).
 */
export class RigSerialTransport extends BaseTransport {
  private port: SerialPort | null = null;
  private watch: NodeJS.Timeout | null = null;
  private openedRealPath: string | null = null;

  constructor(private readonly opts: RigTransportOptions) {
    super();
  }

  get description(): string {
    return `serial ${this.opts.path} @ ${this.opts.baudRate}`;
  }

  async open(): Promise<void> {
    const { path, baudRate } = this.opts;
    this.openedRealPath = realPathOrNull(path);
    if (!this.openedRealPath) throw new Error(`cannot open serial ${path}: no such device`);
    const { SerialPort } = await import('serialport'); // on first use (serial.ts says why)
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(new Error(`cannot open serial ${path}: ${err.message}`)) : resolve())),
    );
    port.on('data', (chunk: Buffer) => this.emitData(chunk));
    port.on('error', (err) => this.end(this.explain(err)));
    port.on('close', (err?: Error) => this.end(this.explain(err ?? new Error(`serial ${path} closed`))));
    this.port = port;
    this.watch = setInterval(() => this.checkDevice(), this.opts.watchMs ?? 200);
    this.watch.unref();
  }

  private checkDevice(): void {
    const now = realPathOrNull(this.opts.path);
    if (now === this.openedRealPath) return;
    this.end(new Error(now === null ? `serial device ${this.opts.path} vanished (unplugged?)` : `serial device ${this.opts.path} now points at ${now}, not ${this.openedRealPath} (re-plugged)`));
  }

  /** A read/write error on a device that is gone says so (the errno alone, e.g. EBADF or EIO, does not). */
  private explain(err: Error): Error {
    const now = realPathOrNull(this.opts.path);
    if (now === this.openedRealPath) return err;
    return new Error(`serial device ${this.opts.path} vanished (unplugged?): ${err.message}`, { cause: err });
  }

  private end(err: Error): void {
    this.stopWatch();
    this.emitClose(err);
    // The descriptor of a vanished device is useless; release it so a returning device can be opened.
    const p = this.port;
    this.port = null;
    if (p?.isOpen) p.close(() => {});
  }

  write(bytes: Buffer): void {
    if (this.port?.isOpen) this.port.write(bytes);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.stopWatch();
    const p = this.port;
    this.port = null;
    if (p?.isOpen) await new Promise<void>((resolve) => p.close(() => resolve()));
  }

  private stopWatch(): void {
    if (this.watch) clearInterval(this.watch);
    this.watch = null;
  }
}

function realPathOrNull(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}
