import dgram from 'node:dgram';
import type { ProgressEvent } from '../report/progress.js';

export type { ProgressEvent };

/** The run's end of live progress: a loopback UDP port the workers send to (src/report/progress.ts). */
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
