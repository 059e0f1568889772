import type { MessagePort } from 'node:worker_threads';
import type { SimWorldOptionsInput } from './options.js';
import { SimWorld } from './world.js';

/** Requests the sim target sends to its simulator thread. */
export type WorkerRequest =
  | { type: 'reset'; id: number; index: number }
  | { type: 'detections'; index: number; on: boolean }
  | { type: 'close'; id: number };

/** What the simulator thread answers. */
export type WorkerReply =
  | { type: 'ready'; vehicles: { index: number; sysId: number; connection: string }[] }
  | { type: 'failed'; error: string }
  | { type: 'reset-done'; id: number; timeUs: number }
  | { type: 'detections'; index: number; msg: unknown }
  | { type: 'closed'; id: number };

export interface WorkerData {
  options: SimWorldOptionsInput;
  /**
   * Lockstep with the client: element 0 is the latest vehicle time (ms) the client has seen, 0
   * until it has seen any; the simulation runs at most `leadMs` ahead of it (see SimScheduler.setGate).
   */
  clientClock?: SharedArrayBuffer;
  leadMs?: number;
}

/**
 * The simulator thread: a SimWorld with the given (plain, cloneable) options, driven by
 * messages. Vehicles talk MAVLink over UDP on loopback exactly as in-process.
 */
export async function serveSimWorld(data: WorkerData, port: MessagePort | null): Promise<void> {
  if (!port) throw new Error('serveSimWorld runs in a worker thread');
  const post = (reply: WorkerReply) => port.postMessage(reply);
  let world: SimWorld;
  try {
    world = await SimWorld.start({ ...data.options, onError: (err) => console.error(err) });
  } catch (err) {
    post({ type: 'failed', error: (err as Error).message });
    return;
  }
  if (data.clientClock) {
    const seen = new Float64Array(data.clientClock);
    const leadUs = (data.leadMs ?? 100) * 1000;
    // Gated from the start: until the client has seen anything the vehicle waits at `lead`, then
    // runs at real time (the scheduler's stall rule) — no burst of vehicle time nobody reads.
    world.scheduler.setGate(() => seen[0]! * 1000 + leadUs);
  }
  const detectionSubs = new Map<number, () => void>();
  port.on('message', async (req: WorkerRequest) => {
    switch (req.type) {
      case 'reset':
        world.reset(req.index);
        post({ type: 'reset-done', id: req.id, timeUs: world.timeUs });
        break;
      case 'detections': {
        detectionSubs.get(req.index)?.();
        detectionSubs.delete(req.index);
        if (req.on) detectionSubs.set(req.index, world.vehicle(req.index).onDetections((msg) => post({ type: 'detections', index: req.index, msg })));
        break;
      }
      case 'close':
        await world.close();
        post({ type: 'closed', id: req.id });
        port.close();
        break;
    }
  });
  post({ type: 'ready', vehicles: world.vehicles.map((v) => ({ index: v.index, sysId: v.sysId, connection: v.connection })) });
}
