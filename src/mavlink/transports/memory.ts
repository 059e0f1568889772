import { BaseTransport } from './transport.js';

/**
 * An in-process byte pipe. Delivery is asynchronous (queueMicrotask) like a socket's, so code
 * that works over memory does not depend on re-entrant delivery that real links never give.
 */
export class MemoryTransport extends BaseTransport {
  private peer: MemoryTransport | null = null;
  private open_ = false;

  private constructor(readonly description: string) {
    super();
  }

  /** Two connected ends: what one writes, the other receives. */
  static pair(name = 'memory'): [MemoryTransport, MemoryTransport] {
    const a = new MemoryTransport(`${name} (a)`);
    const b = new MemoryTransport(`${name} (b)`);
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  async open(): Promise<void> {
    this.open_ = true;
  }

  write(bytes: Buffer): void {
    const peer = this.peer;
    if (!this.open_ || !peer) return;
    const copy = Buffer.from(bytes);
    queueMicrotask(() => {
      if (peer.open_) peer.emitData(copy);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.open_ = false;
    const peer = this.peer;
    this.peer = null;
    if (peer) {
      peer.peer = null;
      peer.emitClose(new Error(`${peer.description}: peer closed`));
    }
  }
}

const registry = new Map<string, MemoryTransport>();

/** Named in-memory endpoints for memory://NAME URLs: the server side registers, the client takes it. */
export function registerMemoryEndpoint(name: string): MemoryTransport {
  const [server, client] = MemoryTransport.pair(`memory://${name}`);
  registry.set(name, client);
  return server;
}

export function takeMemoryEndpoint(name: string): MemoryTransport {
  const t = registry.get(name);
  if (!t) throw new Error(`no in-memory endpoint "${name}" is registered (memory://${name})`);
  registry.delete(name);
  return t;
}
