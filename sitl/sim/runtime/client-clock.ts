import type { GateSignal } from './scheduler.js';

/**
 * The vehicle time a client has seen, shared between its thread and the simulator's: a float64
 * (ms; 0 until it has seen any) and an int32 version that every update bumps and notifies, so a
 * simulator held at the lockstep gate wakes the moment the client catches up.
 */
export class ClientClock implements GateSignal {
  static readonly BYTES = 16;
  private readonly ms: Float64Array;
  private readonly ver: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(ClientClock.BYTES)) {
    this.ms = new Float64Array(buffer, 0, 1);
    this.ver = new Int32Array(buffer, 8, 1);
  }

  get seenMs(): number {
    return this.ms[0]!;
  }

  /** The client's side: it has seen vehicle time `vehicleMs`. */
  saw(vehicleMs: number): void {
    this.ms[0] = vehicleMs;
    Atomics.add(this.ver, 0, 1);
    Atomics.notify(this.ver, 0);
  }

  version(): number {
    return Atomics.load(this.ver, 0);
  }

  onChange(since: number, timeoutMs: number, cb: () => void): void {
    const r = waitAsync(this.ver, 0, since, timeoutMs);
    if (r.async) void r.value.then(cb);
    else setImmediate(cb);
  }
}

// Atomics.waitAsync (ES2024; in Node since 16) is not in the ES2023 lib this project compiles against.
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number, t: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;
