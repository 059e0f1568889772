import { Link, type LinkOptions } from './link.js';
import { transportFor } from './transports/index.js';
import { parseConnectionUrl } from './url.js';

export { Link, type LinkOptions, type LinkCounters, type Message, common, minimal } from './link.js';
export { LinkLost } from './errors.js';
export { parseConnectionUrl, formatConnection, ConnectionSpec, ConnectionUrlError, BAUD_RATES } from './url.js';
export { FrameSplitter, FrameEncoder, decodePayload, signingKey, signatureMatches, crcX25, type Frame, type DecoderCounters } from './codec.js';
export { REGISTRY, messageName } from './registry.js';
export * from './transports/index.js';

/** Opens a link from a connection URL (udp://:14540, udpout://…, tcp://…, serial://…, memory://…). */
export async function connect(url: string, opts: LinkOptions = {}): Promise<Link> {
  const spec = parseConnectionUrl(url);
  return new Link(transportFor(spec), { name: url, ...opts }).open();
}
