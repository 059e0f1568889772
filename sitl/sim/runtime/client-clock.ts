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
  private readonly ver: Int32Array;
  private readonly sim: Float64Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(ClientClock.BYTES)) {
    this.ms = new Float64Array(buffer, 0, 1);
    this.ver = new Int32Array(buffer, 8, 1);
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
