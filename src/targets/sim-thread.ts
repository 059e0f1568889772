import { Worker } from 'node:worker_threads';
import type { SimWorldOptionsInput } from '../../sitl/sim/options.js';
import type { WorkerData, WorkerReply, WorkerRequest } from '../../sitl/sim/worker.js';
import type { DetectionMessage } from '../../sitl/sim/world/types.js';
import type { DetectionSource } from '../vehicle/detections.js';

const ENTRY = new URL('../../sitl/sim/worker-entry.mjs', import.meta.url);

/**
 * The built-in simulator on a worker thread of this process: it runs at full speed on the other
 * core, and dies with the process whatever happens. Vehicles are reached over UDP on loopback.
 */
export class SimThread {
  readonly vehicles: { index: number; sysId: number; connection: string }[] = [];
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: WorkerReply) => void>();
  private readonly detectionListeners = new Map<number, Set<(msg: DetectionMessage) => void>>();
  private exited = false;
  private readonly clientClock = new Float64Array(new SharedArrayBuffer(8));

  private constructor(options: SimWorldOptionsInput, leadMs: number) {
    const workerData: WorkerData = { options, clientClock: this.clientClock.buffer as SharedArrayBuffer, leadMs };
    this.worker = new Worker(ENTRY, { workerData, stdout: false, stderr: false });
    this.worker.on('exit', () => {
      this.exited = true;
    });
    this.worker.on('message', (reply: WorkerReply) => this.onReply(reply));
  }

  /**
   * Starts the simulator thread. Once the client reports the vehicle time it has seen
   * (`clientSaw`), the simulation runs at most `leadMs` of vehicle time ahead of it.
   */
  static async start(options: SimWorldOptionsInput, { leadMs = 100, timeoutMs = 30_000 } = {}): Promise<SimThread> {
    const t = new SimThread(options, leadMs);
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
    }).catch(async (err) => {
      await t.worker.terminate();
      throw err;
    });
    t.worker.on('error', (err) => console.error(`simulator thread: ${err.message}`));
    return t;
  }

  /** The vehicle time (ms) the slowest client has seen: the lockstep gate follows it. */
  clientSaw(vehicleMs: number): void {
    this.clientClock[0] = vehicleMs;
  }

  /** Resets vehicle `index` to a known state; resolves with the vehicle time of the reset (µs). */
  async reset(index: number): Promise<number> {
    const reply = await this.request({ type: 'reset', id: this.nextId++, index });
    return reply.type === 'reset-done' ? reply.timeUs : 0;
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

  async close(timeoutMs = 5000): Promise<void> {
    if (this.exited) return;
    const closed = this.request({ type: 'close', id: this.nextId++ });
    const timeout = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([closed, timeout]);
    await this.worker.terminate();
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
