import { SerialPort } from 'serialport';
import { BaseTransport } from './transport.js';

/** A serial device (a Pixhawk's USB CDC port, a telemetry radio, or one end of a socat pty pair). */
export class SerialTransport extends BaseTransport {
  private port: SerialPort | null = null;

  constructor(private readonly path: string, private readonly baudRate: number) {
    super();
  }

  get description(): string {
    return `serial ${this.path} @ ${this.baudRate}`;
  }

  async open(): Promise<void> {
    const port = new SerialPort({ path: this.path, baudRate: this.baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(new Error(`cannot open serial ${this.path}: ${err.message}`)) : resolve())),
    );
    port.on('data', (chunk: Buffer) => this.emitData(chunk));
    port.on('error', (err) => this.emitClose(err));
    // 'close' without our close() = the device went away (unplugged, pty closed).
    port.on('close', (err?: Error) => this.emitClose(err ?? new Error(`serial ${this.path} closed`)));
    this.port = port;
  }

  write(bytes: Buffer): void {
    if (this.port?.isOpen) this.port.write(bytes);
  }

  async close(): Promise<void> {
    this.closing = true;
    const p = this.port;
    this.port = null;
    if (p?.isOpen) await new Promise<void>((resolve) => p.close(() => resolve()));
  }
}
