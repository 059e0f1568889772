import { realpathSync, statSync } from 'node:fs';
import type { SerialPort } from 'serialport';
import { BaseTransport } from './transport.js';

/** How often the device node is checked for having gone away (host clock). */
const PRESENCE_CHECK_MS = 250;

/** A serial device (a Pixhawk's USB CDC port, a telemetry radio, or one end of a socat pty pair). */
export class SerialTransport extends BaseTransport {
  private port: SerialPort | null = null;
  private presenceTimer: NodeJS.Timeout | null = null;

  constructor(private readonly path: string, private readonly baudRate: number) {
    super();
  }

  get description(): string {
    return `serial ${this.path} @ ${this.baudRate}`;
  }

  async open(): Promise<void> {
    // Loaded on first use: the native binding costs every process that never opens a serial line.
    const { SerialPort } = await import('serialport');
    const port = new SerialPort({ path: this.path, baudRate: this.baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(new Error(`cannot open serial ${this.path}: ${err.message}`)) : resolve())),
    );
    port.on('data', (chunk: Buffer) => this.emitData(chunk));
    port.on('error', (err) => this.lose(new Error(`serial ${this.path}: ${err.message}`, { cause: err })));
    // 'close' without our close() = the device went away (unplugged, pty closed).
    port.on('close', (err?: Error) => this.lose(new Error(`serial ${this.path} closed${err ? `: ${err.message}` : ''}`, err ? { cause: err } : undefined)));
    this.port = port;
    this.watchPresence();
  }

  /**
   * A hung-up tty (an unplugged USB adapter, a pty whose other end died) does not always make the
   * serial binding report an error: reads just return nothing. The device node disappearing does
   * tell, so it is checked periodically.
   */
  private watchPresence(): void {
    let real: string;
    let rdev: number;
    try {
      real = realpathSync(this.path);
      rdev = statSync(real).rdev;
    } catch {
      return;
    }
    this.presenceTimer = setInterval(() => {
      const st = statSync(real, { throwIfNoEntry: false });
      if (!st || st.rdev !== rdev) this.lose(new Error(`serial ${this.path}: device gone (${real} no longer exists)`));
    }, PRESENCE_CHECK_MS).unref();
  }

  private lose(err: Error): void {
    this.stopWatching();
    this.emitClose(err);
    // Release the port so the binding stops reading a dead descriptor.
    const p = this.port;
    this.port = null;
    if (p?.isOpen) p.close(() => undefined);
  }

  private stopWatching(): void {
    if (this.presenceTimer) clearInterval(this.presenceTimer);
    this.presenceTimer = null;
  }

  write(bytes: Buffer): void {
    if (this.port?.isOpen) this.port.write(bytes);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.stopWatching();
    const p = this.port;
    this.port = null;
    if (p?.isOpen) await new Promise<void>((resolve) => p.close(() => resolve()));
  }
}
