import { z } from 'zod';

/**
 * Connection URLs, MAVSDK-style:
 *   udp://:14540              bind (all interfaces... here: the host given or 0.0.0.0) and answer the last sender
 *   udp://127.0.0.1:14540     bind that address
 *   udpout://127.0.0.1:14580  send to that address from an ephemeral port; replies come back to it
 *   tcp://127.0.0.1:5760      connect as a TCP client
 *   serial:///dev/ttyACM0:921600   a serial device and its baud rate
 *   memory://NAME             an in-process pair (tests, the in-process simulator)
 */
const PORT_RANGE = 'must be a port number 1..65535';
const Port = z.coerce.number({ error: PORT_RANGE }).int(PORT_RANGE).min(1, PORT_RANGE).max(65535, PORT_RANGE);
// The UDP transport is IPv4 (udp4), so hosts are names or IPv4 addresses.
const Host = z.string().min(1, 'missing (e.g. 127.0.0.1)').regex(/^[A-Za-z0-9.-]+$/, 'not a host name or IPv4 address');
export const BAUD_RATES = [9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, 921600, 1000000, 1500000, 2000000, 3000000] as const;

export const ConnectionSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('udp'), host: Host, port: Port }).strict(),
  z.object({ kind: z.literal('udpout'), host: Host, port: Port }).strict(),
  z.object({ kind: z.literal('tcp'), host: Host, port: Port }).strict(),
  z
    .object({
      kind: z.literal('serial'),
      path: z.string().startsWith('/', 'must be an absolute device path'),
      baudRate: z.coerce
        .number()
        .int()
        .refine((b) => (BAUD_RATES as readonly number[]).includes(b), { message: `must be one of ${BAUD_RATES.join(', ')}` }),
    })
    .strict(),
  z.object({ kind: z.literal('memory'), name: z.string().min(1, 'missing (e.g. memory://sim)') }).strict(),
]);
export type ConnectionSpec = z.infer<typeof ConnectionSpec>;

export class ConnectionUrlError extends Error {
  override name = 'ConnectionUrlError';
}

/** Parses a connection URL into a validated spec; a bad URL is one line naming what is wrong. */
export function parseConnectionUrl(url: string): ConnectionSpec {
  const m = /^([a-z]+):\/\/(.*)$/.exec(url.trim());
  if (!m) throw new ConnectionUrlError(`invalid connection URL "${url}": expected scheme://…, e.g. udp://:14540, udpout://127.0.0.1:14580, tcp://127.0.0.1:5760, serial:///dev/ttyACM0:921600`);
  const [, scheme, rest] = m as unknown as [string, string, string];
  let raw: Record<string, unknown>;
  switch (scheme) {
    case 'udp':
    case 'udpout':
    case 'tcp': {
      const hp = /^(.*):([^:]*)$/.exec(rest);
      if (!hp) throw new ConnectionUrlError(`invalid connection URL "${url}": port: missing (expected ${scheme}://host:port)`);
      const host = hp[1] === '' ? (scheme === 'udp' ? '0.0.0.0' : '') : hp[1]!;
      raw = { kind: scheme, host, port: hp[2] };
      break;
    }
    case 'serial': {
      const sp = /^(.*):([^:/]*)$/.exec(rest);
      raw = sp ? { kind: 'serial', path: sp[1], baudRate: sp[2] } : { kind: 'serial', path: rest, baudRate: 921600 };
      break;
    }
    case 'memory':
      raw = { kind: 'memory', name: rest };
      break;
    default:
      throw new ConnectionUrlError(`invalid connection URL "${url}": unknown scheme "${scheme}" (use udp, udpout, tcp, serial or memory)`);
  }
  const parsed = ConnectionSpec.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConnectionUrlError(`invalid connection URL "${url}": ${issue.path.join('.') || 'url'}: ${issue.message}`);
  }
  return parsed.data;
}

export function formatConnection(spec: ConnectionSpec): string {
  switch (spec.kind) {
    case 'serial':
      return `serial://${spec.path}:${spec.baudRate}`;
    case 'memory':
      return `memory://${spec.name}`;
    default:
      return `${spec.kind}://${spec.host}:${spec.port}`;
  }
}
