import type { Worker } from 'node:worker_threads';
import { returnThread, takeThread } from '../../src/lifecycle/warm-threads.js';
import { simWorkerEntry } from './bundle.js';
import type { SimWorldOptionsInput } from './options.js';
import { ClientClock } from './runtime/client-clock.js';
import type { WorkerReply, WorkerRequest, WorldStart } from './worker.js';
import type { Speed } from './runtime/scheduler.js';
import type { DetectionMessage } from './world/types.js';
import type { DetectionSource } from '../../src/vehicle/detections.js';

/**
 * The built-in simulator on a worker thread of this process: it runs at full speed on the other
 * core, and dies with the process whatever happens. Vehicles are reached over UDP on loopback.
 * A stack that goes down cleanly hands its thread, simulator loaded, to the next one.
 */
export class SimThread {
  readonly vehicles: { index: number; sysId: number; connection: string }[] = [];
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: WorkerReply) => void>();
  private readonly detectionListeners = new Map<number, Set<(msg: DetectionMessage) => void>>();
  /** The thread ended, or went back to the pool: nothing more is sent to it from here. */
  private exited = false;
  private readonly clientClock = new ClientClock();

  private constructor() {
    this.worker = takeThread('sim', simWorkerEntry);
    this.worker.on('exit', () => {
      this.exited = true;
    });
    this.worker.on('message', (reply: WorkerReply) => this.onReply(reply));
  }

  /**
   * Starts a world on a simulator thread (a warm one when there is one). Once the client reports
   * the vehicle time it has seen (`clientSaw`), the simulation runs at most `leadMs` of vehicle
   * time ahead of it.
   */
  static async start(options: SimWorldOptionsInput, { leadMs = 100, timeoutMs = 30_000 } = {}): Promise<SimThread> {
    const t = new SimThread();
    const world: WorldStart = { options, clientClock: t.clientClock.buffer, leadMs };
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the simulator thread did not start within ${timeoutMs} ms`)), timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      t.worker.once('error', fail);
      t.worker.once('exit', (code) => fail(new Error(`the simulator thread exited (${code}) before it was ready`)));
      t.worker.on('message', function ready(reply: WorkerReply) {
        if (reply.type === 'failed') fail(new Error(reply.error));
        if (reply.type !== 'ready') return;
        clearTimeout(timer);
        t.worker.off('message', ready);
        t.worker.removeAllListeners('error');
        t.vehicles.push(...reply.vehicles);
        resolve();
      });
      t.post({ type: 'start', world });
    }).catch(async (err) => {
      t.exited = true;
      await t.worker.terminate();
      throw err;
    });
    t.worker.on('error', (err) => console.error(`simulator thread: ${err.message}`));
    return t;
  }

  /** The worker thread's id (a warm thread keeps its id from one stack to the next). */
  get threadId(): number {
    return this.worker.threadId;
  }

  /** The vehicle time (ms) the slowest client has seen: the lockstep gate follows it. */
  clientSaw(vehicleMs: number): void {
    this.clientClock.saw(vehicleMs);
  }

  /** The simulator's vehicle time (ms since boot) as of its latest step. */
  get vehicleTimeMs(): number {
    return this.clientClock.vehicleMs;
  }

  /** Resets vehicle `index` to a known state; resolves with the vehicle time of the reset (µs). */
  async reset(index: number): Promise<number> {
    const reply = await this.request({ type: 'reset', id: this.nextId++, index });
    return reply.type === 'reset-done' ? reply.timeUs : 0;
  }

  /** Until the next reset nothing is being asserted: the world runs at real time meanwhile. */
  idle(): void {
    this.post({ type: 'idle' });
  }

  /** Runs the world at `speed` until the next reset (which restores the speed it started with). */
  async setSpeed(speed: Speed): Promise<void> {
    await this.request({ type: 'speed', id: this.nextId++, speed });
  }

  /** Vehicle `index`'s detector, as a detection source (the worker sends frames only while someone listens). */
  detections(index: number): DetectionSource<DetectionMessage> {
    return {
      onDetections: (cb) => {
        let set = this.detectionListeners.get(index);
        if (!set) this.detectionListeners.set(index, (set = new Set()));
        if (set.size === 0) this.post({ type: 'detections', index, on: true });
        set.add(cb);
        return () => {
          set.delete(cb);
          if (set.size === 0) this.post({ type: 'detections', index, on: false });
        };
      },
    };
  }

  /** Closes the world; the thread goes back to the pool when it closed cleanly, else it is ended. */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.exited) return;
    const closed = this.request({ type: 'close', id: this.nextId++ }).then(() => true);
    const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
    const clean = await Promise.race([closed, timeout]);
    if (this.exited) return;
    this.exited = true;
    if (clean) returnThread('sim', this.worker);
    else await this.worker.terminate();
  }

  private post(req: WorkerRequest): void {
    if (!this.exited) this.worker.postMessage(req);
  }

  private request(req: WorkerRequest & { id: number }): Promise<WorkerReply> {
    if (this.exited) return Promise.reject(new Error('the simulator thread has exited'));
    return new Promise((resolve) => {
      this.pending.set(req.id, resolve);
      this.post(req);
    });
  }

  private onReply(reply: WorkerReply): void {
    if (reply.type === 'detections') {
      for (const cb of this.detectionListeners.get(reply.index) ?? []) cb(reply.msg as DetectionMessage);
      return;
    }
    if ('id' in reply) {
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    }
  }
}
