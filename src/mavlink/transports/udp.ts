import dgram from 'node:dgram';
import { BaseTransport } from './transport.js';

export interface UdpOptions {
  /** Address and port to bind; port 0 = ephemeral. */
  bindHost: string;
  bindPort: number;
  /** Where to send before anyone has written to us (PX4's fixed remote port; udpout's target). */
  remote?: { host: string; port: number };
  /**
   * Whom to answer: `true` = whoever sent last (MAVSDK's udp://:14540 server mode), `'first'` =
   * the first sender and then only it (PX4's mavlink_receiver keeps its first partner), `false` =
   * only `remote`.
   */
  followSender: boolean | 'first';
}

export class UdpTransport extends BaseTransport {
  private socket: dgram.Socket | null = null;
  private remote: { host: string; port: number } | null;
  private partnered = false;
  /** Writes made while no peer is known: a server that has not heard anyone yet. */
  unroutable = 0;

  constructor(private readonly opts: UdpOptions) {
    super();
    this.remote = opts.remote ?? null;
  }

  get description(): string {
    const addr = this.socket?.address();
    const local = addr ? `${addr.address}:${addr.port}` : `${this.opts.bindHost}:${this.opts.bindPort}`;
    return `udp ${local} ⇄ ${this.remote ? `${this.remote.host}:${this.remote.port}` : '(first sender)'}`;
  }

  get localPort(): number {
    return this.socket?.address().port ?? this.opts.bindPort;
  }

  get peer(): { host: string; port: number } | null {
    return this.remote;
  }

  async open(): Promise<void> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    this.socket = socket;
    socket.on('message', (msg, rinfo) => {
      const follow = this.opts.followSender === true || (this.opts.followSender === 'first' && !this.partnered);
      if (follow && (this.remote?.port !== rinfo.port || this.remote.host !== rinfo.address)) {
        this.remote = { host: rinfo.address, port: rinfo.port };
      }
      this.partnered = true;
      this.emitData(msg);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.opts.bindPort, this.opts.bindHost, () => {
        socket.off('error', reject);
        socket.on('error', (err) => this.emitClose(err));
        resolve();
      });
    }).catch((err: NodeJS.ErrnoException) => {
      socket.close();
      this.socket = null;
      throw new Error(`cannot bind udp ${this.opts.bindHost}:${this.opts.bindPort}: ${err.code ?? err.message}`);
    });
  }

  write(bytes: Buffer): void {
    if (!this.socket || !this.remote) {
      this.unroutable++;
      return;
    }
    this.socket.send(bytes, this.remote.port, this.remote.host);
  }

  async close(): Promise<void> {
    this.closing = true;
    const s = this.socket;
    this.socket = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
