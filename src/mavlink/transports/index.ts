import type { ConnectionSpec } from '../url.js';
import { MemoryTransport, takeMemoryEndpoint } from './memory.js';
import { SerialTransport } from './serial.js';
import { TcpTransport } from './tcp.js';
import type { Transport } from './transport.js';
import { UdpTransport } from './udp.js';

export type { Transport } from './transport.js';
export { BaseTransport } from './transport.js';
export { UdpTransport, type UdpOptions } from './udp.js';
export { TcpTransport } from './tcp.js';
export { SerialTransport } from './serial.js';
export { MemoryTransport, registerMemoryEndpoint, takeMemoryEndpoint } from './memory.js';
export { withFaults, parseLinkFaults, FaultyTransport, FaultSpec, FaultSpecError, LinkFaults, type FaultStats } from './faults.js';

/** The client-side transport for a parsed connection URL. */
export function transportFor(spec: ConnectionSpec): Transport {
  switch (spec.kind) {
    case 'udp':
      return new UdpTransport({ bindHost: spec.host, bindPort: spec.port, followSender: true });
    case 'udpout':
      return new UdpTransport({ bindHost: '0.0.0.0', bindPort: 0, remote: { host: spec.host, port: spec.port }, followSender: false });
    case 'tcp':
      return new TcpTransport(spec.host, spec.port);
    case 'serial':
      return new SerialTransport(spec.path, spec.baudRate);
    case 'memory':
      return takeMemoryEndpoint(spec.name);
  }
}
