import dgram from 'node:dgram';
import { parseDetectionDatagram } from '../sim/world/detections-udp.js';
import type { DetectionListener, DetectionSource } from '../sim/world/types.js';

/**
 * Detections of a simulator running in another process (the sim image): it sends one JSON datagram
 * per camera frame to 127.0.0.1:19540+i; this binds that port and hands them out like the
 * in-process sim's vehicles do (`onDetections`).
 */
export class DetectionUdpSubscriber implements DetectionSource {
  private readonly listeners = new Set<DetectionListener>();
  private socket: dgram.Socket | null = null;
  received = 0;
  malformed = 0;

  constructor(readonly port: number) {}

  async open(): Promise<this> {
    const s = dgram.createSocket('udp4');
    s.on('message', (buf) => {
      let msg;
      try {
        msg = parseDetectionDatagram(buf);
      } catch {
        this.malformed++;
        return;
      }
      this.received++;
      for (const l of this.listeners) l(msg);
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(this.port, '127.0.0.1', () => {
        s.off('error', reject);
        resolve();
      });
    }).catch((err: NodeJS.ErrnoException) => {
      s.close();
      throw new Error(`detections: cannot bind udp 127.0.0.1:${this.port}: ${err.code ?? err.message}`);
    });
    s.on('error', () => {});
    this.socket = s;
    return this;
  }

  onDetections(cb: DetectionListener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = null;
    this.listeners.clear();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
