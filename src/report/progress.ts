import dgram from 'node:dgram';
import { runSettings } from '../config/run-settings.js';

/**
 * Live progress from a scenario's worker to the run's display (`flightcheck run`): small JSON
 * datagrams to the loopback port the run's settings name. Jest's reporters hear of a test only
 * when it starts and ends; a flight's phases, its height and mode, and each budget's verdict as it
 * is judged go this way. Fire-and-forget: a lost update only delays the display, and without a
 * run's display (Jest started directly) nothing is sent.
 */
export type ProgressEvent =
  | { kind: 'phase'; file: string; test: string; phase: string }
  | { kind: 'state'; file: string; test: string; altitude: number; mode: string; armed: boolean; vehicleTimeMs: number }
  | { kind: 'budget'; file: string; test: string; metric: string; outcome: string; summary: string };

let socket: dgram.Socket | null = null;

export function sendProgress(event: ProgressEvent): void {
  const port = runSettings().progressPort;
  if (!port) return;
  if (!socket) {
    socket = dgram.createSocket('udp4');
    socket.unref();
  }
  socket.send(JSON.stringify(event), port, '127.0.0.1');
}
