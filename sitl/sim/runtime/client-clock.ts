import type { GateSignal } from './scheduler.js';

/**
 * The vehicle clock as both sides of the lockstep know it, shared between the client's thread and
 * the simulator's: the vehicle time the client has seen (float64 ms; 0 until it has seen any), an
 * int32 version that every update of it bumps and notifies, so a simulator held at the lockstep
 * gate wakes the moment the client catches up; and the simulator's own time (float64 ms), so the
 * client can stamp events with the vehicle time they happened at.
 */
export class ClientClock implements GateSignal {
  static readonly BYTES = 24;
  private readonly ms: Float64Array;
  /** [0] the version, [1] 1 while the simulator waits for it to change. */
  private readonly ver: Int32Array;
  private readonly sim: Float64Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(ClientClock.BYTES)) {
    this.ms = new Float64Array(buffer, 0, 1);
    this.ver = new Int32Array(buffer, 8, 2);
    this.sim = new Float64Array(buffer, 16, 1);
  }

  get seenMs(): number {
    return this.ms[0]!;
  }

  /** The simulator's vehicle time (ms since boot), as of its last step. */
  get vehicleMs(): number {
    return this.sim[0]!;
  }

  /** The simulator's side: vehicle time is now `ms`. */
  stepped(ms: number): void {
    this.sim[0] = ms;
  }

  /** The client's side: it has seen vehicle time `vehicleMs`. */
  saw(vehicleMs: number): void {
    if (this.ms[0] === vehicleMs) return;
    this.ms[0] = vehicleMs;
    Atomics.add(this.ver, 0, 1);
    // Sequentially consistent: a waiter that flagged itself after this load compares the version
    // already bumped above, and does not sleep.
    if (Atomics.load(this.ver, 1) === 1) Atomics.notify(this.ver, 0);
  }

  version(): number {
    return Atomics.load(this.ver, 0);
  }

  onChange(since: number, timeoutMs: number, cb: () => void): void {
    Atomics.store(this.ver, 1, 1);
    const r = waitAsync(this.ver, 0, since, timeoutMs);
    const woken = () => {
      Atomics.store(this.ver, 1, 0);
      cb();
    };
    if (r.async) void r.value.then(woken);
    else setImmediate(woken);
  }
}

// Atomics.waitAsync (ES2024; in Node since 16) is not in the ES2023 lib this project compiles against.
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number, t: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;
