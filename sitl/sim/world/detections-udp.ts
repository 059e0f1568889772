import dgram from 'node:dgram';
import type { DetectionMessage } from './types.js';

/**
 * Publishes detections as one JSON datagram each to 127.0.0.1:<port>, so another process (a test
 * run against a standalone `flightcheck sim`) can subscribe by binding that port.
 */
export class DetectionUdpPublisher {
  private socket: dgram.Socket | null = dgram.createSocket('udp4');
  sent = 0;

  constructor() {
    // Nobody listening is normal: datagrams to a closed loopback port are simply dropped.
    this.socket!.on('error', () => {});
  }

  publish(msg: DetectionMessage, port: number): void {
    if (!this.socket) return;
    this.socket.send(JSON.stringify(msg), port, '127.0.0.1');
    this.sent++;
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

/** Parses a detections datagram back into a message (for subscribers in other processes). */
export function parseDetectionDatagram(buf: Buffer): DetectionMessage {
  return JSON.parse(buf.toString('utf8')) as DetectionMessage;
}
