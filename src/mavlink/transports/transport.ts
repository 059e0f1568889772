/**
 * A byte pipe under a MAVLink link. Transports know nothing of MAVLink; the link frames,
 * decodes and counts. Writes are fire-and-forget (a datagram or a stream write): a lost
 * write is what the link's retries and counters are for.
 */
export interface Transport {
  /** Human-readable endpoint, e.g. "udp://0.0.0.0:14540 ⇄ 127.0.0.1:14580". */
  readonly description: string;
  open(): Promise<void>;
  write(bytes: Buffer): void;
  onData(cb: (chunk: Buffer) => void): void;
  /** Called once when the transport ends on its own (device unplugged, peer closed); not on close(). */
  onClose(cb: (err?: Error) => void): void;
  close(): Promise<void>;
}

/** Shared listener plumbing so each transport only moves bytes. */
export abstract class BaseTransport implements Transport {
  abstract readonly description: string;
  private dataCbs: ((chunk: Buffer) => void)[] = [];
  private closeCbs: ((err?: Error) => void)[] = [];
  private ended = false;
  protected closing = false;

  abstract open(): Promise<void>;
  abstract write(bytes: Buffer): void;
  abstract close(): Promise<void>;

  onData(cb: (chunk: Buffer) => void): void {
    this.dataCbs.push(cb);
  }
  onClose(cb: (err?: Error) => void): void {
    this.closeCbs.push(cb);
  }
  protected emitData(chunk: Buffer): void {
    for (const cb of this.dataCbs) cb(chunk);
  }
  protected emitClose(err?: Error): void {
    if (this.ended || this.closing) return;
    this.ended = true;
    for (const cb of this.closeCbs) cb(err);
  }
}
