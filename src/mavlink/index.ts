import { Link, type LinkOptions } from './link.js';
import { parseLinkFaults, transportFor, withFaults, type LinkFaults } from './transports/index.js';
import { parseConnectionUrl } from './url.js';

export { Link, DEFAULT_HEARTBEAT_TIMEOUT_MS, type LinkOptions, type LinkCounters, type Message, common, minimal } from './link.js';
export { LinkLost } from './errors.js';
export { parseConnectionUrl, formatConnection, ConnectionSpec, ConnectionUrlError, BAUD_RATES } from './url.js';
export { FrameSplitter, FrameEncoder, ReceivedFrame, decodePayload, signingKey, signatureMatches, crcX25, type Frame, type DecoderCounters } from './codec.js';
export { REGISTRY, messageName } from './registry.js';
export * from './transports/index.js';

export { decodeMessage } from './decode.js';
export { seededRandom } from './random.js';

export interface ConnectOptions extends LinkOptions {
  /** netem-like faults between us and the vehicle (latency, jitter, loss, duplication, reordering). */
  linkFaults?: LinkFaults;
}

/** Opens a link from a connection URL (udp://:14540, udpout://…, tcp://…, serial://…, memory://…). */
export async function connect(url: string, opts: ConnectOptions = {}): Promise<Link> {
  const spec = parseConnectionUrl(url);
  const { linkFaults, ...linkOpts } = opts;
  if (linkFaults) parseLinkFaults(linkFaults); // reject bad faults before taking any endpoint
  const transport = linkFaults ? withFaults(transportFor(spec), linkFaults) : transportFor(spec);
  return new Link(transport, { name: url, ...linkOpts }).open();
}
