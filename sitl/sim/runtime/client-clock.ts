import type { GateSignal } from './scheduler.js';

/**
 * The vehicle clock as both sides of the lockstep know it, shared between the client's thread and
 * the simulator's: the vehicle time the client has seen (float64 ms; 0 until it has seen any), so
 * the simulator can stay at most a lead ahead of it; a wake-up the client sends a waiting simulator
 * once it has seen `wakeAfterMs` more; and the simulator's own time (float64 ms), so the client can
 * stamp events with the vehicle time they happened at.
 *
 * The simulator waits blocked (Atomics.wait, at most `blockMs` at a time, then it serves its
 * sockets). A wake-up costs the client a cross-thread notify, often its core too (to the woken
 * thread): so it is sent once the client has seen `wakeAfterMs` more, not for every message.
 */
export class ClientClock implements GateSignal {
  static readonly BYTES = 32;
  /** [0] the seen time, [1] the simulator's time, [2] the seen time that wakes a waiting simulator. */
  private readonly f64: Float64Array;
  /** [0] wake-ups sent, [1] 1 while the simulator waits for one. */
  private readonly i32: Int32Array;

  constructor(
    readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(ClientClock.BYTES),
    /** The simulator's side: how far the client must catch up before a waiting simulator goes on. */
    private readonly wakeAfterMs = 50,
    /** The simulator's side: the longest it blocks its thread before it looks at its sockets and timers. */
    private readonly blockMs = 2,
  ) {
    this.f64 = new Float64Array(buffer, 0, 3);
    this.i32 = new Int32Array(buffer, 24, 2);
  }

  get seenMs(): number {
    return this.f64[0]!;
  }

  /** The simulator's vehicle time (ms since boot), as of its last step. */
  get vehicleMs(): number {
    return this.f64[1]!;
  }

  /** The simulator's side: vehicle time is now `ms`. */
  stepped(ms: number): void {
    this.f64[1] = ms;
  }

  /** The client's side: it has seen vehicle time `vehicleMs`. */
  saw(vehicleMs: number): void {
    this.f64[0] = vehicleMs;
    if (vehicleMs < this.f64[2]!) return;
    // Taking the flag makes it one wake-up per wait.
    if (Atomics.compareExchange(this.i32, 1, 1, 0) !== 1) return;
    Atomics.add(this.i32, 0, 1);
    Atomics.notify(this.i32, 0);
  }

  /**
   * The simulator's side: blocks until the client has seen `wakeAfterMs` more (or `timeoutMs`, at
   * most `blockMs`), then calls `cb` on the next turn of the event loop, so the thread's sockets are
   * served in between. Vehicle time stands still meanwhile, so nothing is late.
   */
  wait(timeoutMs: number, cb: () => void): void {
    const woken = Atomics.load(this.i32, 0);
    this.f64[2] = this.f64[0]! + this.wakeAfterMs;
    Atomics.store(this.i32, 1, 1);
    // Sequentially consistent: a client that saw enough before the flag was up is caught here; one
    // after it takes the flag and bumps the count, and the wait below returns at once.
    if (this.f64[0]! < this.f64[2]!) Atomics.wait(this.i32, 0, woken, Math.min(timeoutMs, this.blockMs));
    Atomics.store(this.i32, 1, 0);
    setImmediate(cb);
  }
}
