import net from 'node:net';
import { BaseTransport } from './transport.js';

export class TcpTransport extends BaseTransport {
  private socket: net.Socket | null = null;

  constructor(private readonly host: string, private readonly port: number) {
    super();
  }

  get description(): string {
    return `tcp ${this.host}:${this.port}`;
  }

  async open(): Promise<void> {
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (err: NodeJS.ErrnoException) =>
        reject(new Error(`cannot connect tcp ${this.host}:${this.port}: ${err.code ?? err.message}`)),
      );
    });
    socket.removeAllListeners('error');
    socket.on('data', (chunk) => this.emitData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => this.emitClose(new Error(`tcp ${this.host}:${this.port}: ${err.code ?? err.message}`, { cause: err })));
    socket.on('close', () => this.emitClose(new Error(`tcp ${this.host}:${this.port} closed by the peer`)));
    this.socket = socket;
  }

  write(bytes: Buffer): void {
    if (this.socket?.writable) this.socket.write(bytes);
  }

  async close(): Promise<void> {
    this.closing = true;
    const s = this.socket;
    this.socket = null;
    if (s && !s.destroyed) {
      // A graceful end, but never waiting on a peer that does not read.
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => s.destroy(), 1000);
        s.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        s.end(() => s.destroy());
      });
    }
  }
}
