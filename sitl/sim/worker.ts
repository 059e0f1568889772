import type { MessagePort } from 'node:worker_threads';
import type { SimWorldOptionsInput } from './options.js';
import type { Speed } from './runtime/scheduler.js';
import { SimWorld } from './world.js';
import { ClientClock } from './runtime/client-clock.js';

/** Requests the sim target sends to its simulator thread. */
export type WorkerRequest =
  | { type: 'start'; world: WorldStart }
  | { type: 'reset'; id: number; index: number }
  | { type: 'idle' }
  | { type: 'speed'; id: number; speed: Speed }
  | { type: 'detections'; index: number; on: boolean }
  | { type: 'close'; id: number };

/** What the simulator thread answers. */
export type WorkerReply =
  | { type: 'ready'; vehicles: { index: number; sysId: number; connection: string }[] }
  | { type: 'failed'; error: string }
  | { type: 'reset-done'; id: number; timeUs: number }
  | { type: 'detections'; index: number; msg: unknown }
  | { type: 'speed-set'; id: number }
  | { type: 'closed'; id: number };

export interface WorldStart {
  options: SimWorldOptionsInput;
  /**
   * Lockstep with the client (see runtime/client-clock.ts): the latest vehicle time the client has seen; the
   * simulation runs at most `leadMs` ahead of it (see SimScheduler.setGate).
   */
  clientClock?: SharedArrayBuffer;
  leadMs?: number;
}

/**
 * The simulator thread: hosts one SimWorld at a time, started, driven and closed by messages.
 * After a close the thread waits for the next start, so a stack can reuse a thread whose modules
 * are already loaded (loading them costs more than starting a world). Vehicles talk MAVLink over
 * UDP on loopback exactly as in-process.
 */
export function hostSimWorlds(port: MessagePort | null): void {
  if (!port) throw new Error('hostSimWorlds runs in a worker thread');
  const post = (reply: WorkerReply) => port.postMessage(reply);
  let world: SimWorld | null = null;
  let speed: Speed = 'max';
  const detectionSubs = new Map<number, () => void>();

  port.on('message', async (req: WorkerRequest) => {
    switch (req.type) {
      case 'start':
        if (world) {
          post({ type: 'failed', error: 'this simulator thread already runs a world' });
          break;
        }
        try {
          world = await startWorld(req.world);
          speed = world.scheduler.speed;
        } catch (err) {
          post({ type: 'failed', error: (err as Error).message });
          break;
        }
        post({ type: 'ready', vehicles: world.vehicles.map((v) => ({ index: v.index, sysId: v.sysId, connection: v.connection })) });
        break;
      case 'reset':
        if (!world) break;
        world.setSpeed(speed);
        world.reset(req.index);
        post({ type: 'reset-done', id: req.id, timeUs: world.timeUs });
        break;
      case 'idle':
        // Nothing is asserted until the next reset: real time (or slower, as configured) costs
        // next to nothing, where 'max' would keep both cores busy for a vehicle nobody watches.
        if (world && (speed === 'max' || speed > 1)) world.setSpeed(1);
        break;
      case 'speed':
        // For a while (a measurement that needs an unsaturated host): the next reset restores `speed`.
        world?.setSpeed(req.speed);
        post({ type: 'speed-set', id: req.id });
        break;
      case 'detections': {
        detectionSubs.get(req.index)?.();
        detectionSubs.delete(req.index);
        if (req.on && world) detectionSubs.set(req.index, world.vehicle(req.index).onDetections((msg) => post({ type: 'detections', index: req.index, msg })));
        break;
      }
      case 'close':
        for (const off of detectionSubs.values()) off();
        detectionSubs.clear();
        await world?.close();
        world = null;
        post({ type: 'closed', id: req.id });
        break;
    }
  });
}

async function startWorld(start: WorldStart): Promise<SimWorld> {
  const world = await SimWorld.start({ ...start.options, onError: (err) => console.error(err) });
  if (start.clientClock) {
    const leadMs = start.leadMs ?? 100;
    // Woken when the client is half a lead behind: it still has the other half to read meanwhile.
    const clock = new ClientClock(start.clientClock, leadMs / 2);
    const leadUs = leadMs * 1000;
    // Gated from the start: until the client has seen anything the vehicle waits at `lead`, then
    // runs at real time (the scheduler's stall rule) — no burst of vehicle time nobody reads.
    world.scheduler.setGate(() => clock.seenMs * 1000 + leadUs, clock);
    world.scheduler.add({ step() {}, afterStep: (timeUs) => clock.stepped(timeUs / 1000) });
  }
  return world;
}
