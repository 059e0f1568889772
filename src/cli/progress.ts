import dgram from 'node:dgram';

/**
 * Live progress from Jest workers to the `flightcheck run` process: small JSON datagrams on
 * loopback (FLIGHT_PROGRESS_PORT). Fire-and-forget: a lost update only delays the display.
 */
export type ProgressEvent =
  | { kind: 'phase'; file: string; test: string; phase: string }
  | { kind: 'state'; file: string; test: string; altitude: number; mode: string; armed: boolean; vehicleTimeMs: number }
  | { kind: 'budget'; file: string; test: string; metric: string; outcome: string; summary: string };

let socket: dgram.Socket | null = null;

export function sendProgress(event: ProgressEvent): void {
  const port = Number(process.env.FLIGHT_PROGRESS_PORT);
  if (!port) return;
  if (!socket) {
    socket = dgram.createSocket('udp4');
    socket.unref();
  }
  socket.send(JSON.stringify(event), port, '127.0.0.1');
}

export async function listenProgress(onEvent: (e: ProgressEvent) => void): Promise<{ port: number; close(): void }> {
  const server = dgram.createSocket('udp4');
  server.on('message', (msg) => {
    try {
      onEvent(JSON.parse(msg.toString('utf8')) as ProgressEvent);
    } catch {
      // a malformed datagram is ignored: progress is best effort
    }
  });
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  return { port: server.address().port, close: () => server.close() };
}
