import { hostNowMs } from '../../../src/clock/host.js';

/** How long the lockstep gate may hold vehicle time before it runs on at real time (host ms). */
const GATE_STALL_MS = 200;
/** Held at a gate with a signal: look again at least this often (the stall rule needs a tick). */
const GATE_WAIT_MAX_MS = 5;

/**
 * Tells a held scheduler that the gate's limit has moved enough to step on, so it need not poll:
 * `wait(timeoutMs, cb)` calls `cb` once it has, or after `timeoutMs`, whichever is first.
 */
export interface GateSignal {
  wait(timeoutMs: number, cb: () => void): void;
}

/** PX4_SIM_SPEED_FACTOR: 1 = real time, 10 = ten times faster, 'max' = as fast as the CPU allows. */
export type Speed = number | 'max';

/** Something the scheduler advances: vehicles (physics) and what observes them (streams, camera). */
export interface Steppable {
  /** Advance by one fixed step. */
  step(dtS: number): void;
  /** After every participant stepped: vehicle time is `timeUs` (µs since boot). */
  afterStep?(timeUs: number): void;
  /** End of a slice: flush coalesced output. */
  endSlice?(timeUs: number): void;
}

export interface SchedulerOptions {
  speed: Speed;
  /** Fixed physics step, µs of vehicle time (PX4 SIH: 250 Hz). */
  stepUs?: number;
  /** Vehicle time run between yields at 'max' speed. */
  maxSliceUs?: number;
  /** A finite speed that falls further behind than this (vehicle µs) drops the debt instead of bursting. */
  maxLagUs?: number;
  /** Errors thrown by vehicle-time timer callbacks (default: console.error). */
  onError?: (err: unknown) => void;
}

export interface SchedulerStats {
  steps: number;
  slices: number;
  /** Vehicle seconds per host second since start (or the last speed change), pauses excluded. */
  realtimeFactor: number;
  /** Vehicle time dropped because the host could not keep up with the speed factor. */
  droppedUs: number;
}

interface Timer {
  id: number;
  dueUs: number;
  everyUs: number;
  cb: () => void;
}

/**
 * Drives the simulation on a fixed step. Vehicle time advances only by steps. At a finite speed
 * vehicle time tracks speed × host elapsed (catch up in slices, sleep with setTimeout when
 * ahead); at 'max' it runs slices back to back, yielding to the event loop with setImmediate so
 * in-process clients' I/O and timers run between slices.
 */
export class SimScheduler {
  readonly stepUs: number;
  private readonly maxSliceUs: number;
  private readonly maxLagUs: number;
  private speed_: Speed;
  private timeUs_ = 0;
  private readonly parts: Steppable[] = [];
  private timers: Timer[] = [];
  private nextTimerId = 1;
  private running = false;
  private paused = true;
  private closed = false;
  private handle: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private handleIsImmediate = false;
  // Anchor of the vehicle-time ↔ host-time mapping at a finite speed.
  private anchorHostMs = 0;
  private anchorUs = 0;
  private busyStepping = false;
  private readonly stats_ = { steps: 0, slices: 0, droppedUs: 0, runHostMs: 0, runUs: 0, lastResumeHostMs: 0, lastResumeUs: 0 };
  private readonly waiters = new Set<{ untilUs: number; resolve: () => void }>();
  private readonly onError: (err: unknown) => void;
  private gate: (() => number) | null = null;
  private gateSignal: GateSignal | null = null;
  /** Bumped to disown a pending gate wait (a signal's callback cannot be cancelled). */
  private gateWaitToken = 0;
  /** While the gate holds: the host time from which vehicle time runs on at real time. */
  private realTimeFromHostMs: number | null = null;

  constructor(opts: SchedulerOptions) {
    this.speed_ = validateSpeed(opts.speed);
    this.stepUs = opts.stepUs ?? 4000;
    this.maxSliceUs = opts.maxSliceUs ?? 20_000;
    this.maxLagUs = opts.maxLagUs ?? 200_000;
    this.onError = opts.onError ?? ((err) => console.error('sim timer callback failed:', err));
  }

  /** Vehicle time, µs since boot. */
  get timeUs(): number {
    return this.timeUs_;
  }

  get speed(): Speed {
    return this.speed_;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get stats(): SchedulerStats {
    const hostMs = this.stats_.runHostMs + (this.paused ? 0 : hostNowMs() - this.stats_.lastResumeHostMs);
    const us = this.stats_.runUs + (this.paused ? 0 : this.timeUs_ - this.stats_.lastResumeUs);
    return {
      steps: this.stats_.steps,
      slices: this.stats_.slices,
      realtimeFactor: hostMs > 0 ? us / 1000 / hostMs : 0,
      droppedUs: this.stats_.droppedUs,
    };
  }

  add(part: Steppable): () => void {
    this.parts.push(part);
    return () => {
      const i = this.parts.indexOf(part);
      if (i >= 0) this.parts.splice(i, 1);
    };
  }

  /** Starts free running at the configured speed. */
  start(): void {
    if (this.closed) throw new Error('scheduler is closed');
    this.running = true;
    this.resume();
  }

  pause(): void {
    if (this.paused) return;
    this.stats_.runHostMs += hostNowMs() - this.stats_.lastResumeHostMs;
    this.stats_.runUs += this.timeUs_ - this.stats_.lastResumeUs;
    this.paused = true;
    this.cancelHandle();
  }

  resume(): void {
    if (this.closed || !this.running || !this.paused) return;
    this.paused = false;
    this.rebase();
    this.stats_.lastResumeHostMs = hostNowMs();
    this.stats_.lastResumeUs = this.timeUs_;
    this.schedule(0);
  }

  setSpeed(speed: Speed): void {
    this.speed_ = validateSpeed(speed);
    this.rebase();
    if (!this.paused) {
      this.cancelHandle();
      this.schedule(0);
    }
  }

  /**
   * Runs exactly `vehicleMs` of vehicle time (rounded up to whole steps) as fast as possible,
   * yielding between slices, then returns to the previous state (paused or running).
   */
  async stepFor(vehicleMs: number): Promise<void> {
    if (!(vehicleMs >= 0)) throw new RangeError(`stepFor: vehicleMs must be ≥ 0, got ${vehicleMs}`);
    if (this.closed) throw new Error('scheduler is closed');
    if (this.busyStepping) throw new Error('stepFor is already running');
    const wasRunning = !this.paused;
    this.pause();
    this.busyStepping = true;
    try {
      let steps = Math.ceil((vehicleMs * 1000) / this.stepUs - 1e-9);
      const perSlice = Math.max(1, Math.floor(this.maxSliceUs / this.stepUs));
      while (steps > 0 && !this.closed) {
        const n = Math.min(steps, perSlice);
        this.runSteps(n);
        steps -= n;
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.busyStepping = false;
    }
    if (wasRunning) this.resume();
  }

  /** Resolves once vehicle time reached `timeUs` (or at once if it has); also resolves on close. */
  until(timeUs: number): Promise<void> {
    if (this.timeUs_ >= timeUs) return Promise.resolve();
    return new Promise((resolve) => this.waiters.add({ untilUs: timeUs, resolve }));
  }

  /** Calls `cb` once after `vehicleMs` of vehicle time, between steps. Returns a cancel function. */
  after(vehicleMs: number, cb: () => void): () => void {
    return this.addTimer(vehicleMs, 0, cb);
  }

  /** Calls `cb` every `vehicleMs` of vehicle time (at step granularity). Returns a cancel function. */
  every(vehicleMs: number, cb: () => void): () => void {
    if (!(vehicleMs > 0)) throw new RangeError(`every: period must be > 0 ms, got ${vehicleMs}`);
    return this.addTimer(vehicleMs, vehicleMs, cb);
  }

  /**
   * Lockstep with a client: vehicle time may not run past `limitUs()` (µs; 0 = no limit).
   * Like PX4's lockstep with its simulator, this ties the vehicle to whoever must keep up with it
   * (a test client streaming setpoints), so 'max' means as fast as the whole loop allows.
   */
  setGate(limitUs: (() => number) | null, signal: GateSignal | null = null): void {
    this.gate = limitUs;
    this.gateSignal = limitUs ? signal : null;
    this.realTimeFromHostMs = null;
  }

  /**
   * Steps that may run now under the gate (all of `wanted` when there is none). A client may
   * never see the time the gate waits for — it has not connected yet, or the datagrams it waits
   * for were lost — and the vehicle only streams while time runs, so a hold longer than
   * GATE_STALL_MS lets time go on at real time until the client catches up: never a deadlock.
   */
  private gated(wanted: number): number {
    const limit = this.gate?.() ?? 0;
    if (limit <= 0) return wanted;
    const allowed = Math.floor((limit - this.timeUs_) / this.stepUs);
    if (allowed > 0) {
      this.realTimeFromHostMs = null;
      return Math.min(wanted, allowed);
    }
    const now = hostNowMs();
    this.realTimeFromHostMs ??= now + GATE_STALL_MS;
    if (now < this.realTimeFromHostMs) return 0;
    const due = Math.min(wanted, Math.floor(((now - this.realTimeFromHostMs) * 1000) / this.stepUs));
    this.realTimeFromHostMs += (due * this.stepUs) / 1000;
    return due;
  }

  close(): void {
    if (this.closed) return;
    this.pause();
    this.closed = true;
    this.running = false;
    this.timers = [];
    for (const w of this.waiters) w.resolve();
    this.waiters.clear();
  }

  private addTimer(delayMs: number, everyMs: number, cb: () => void): () => void {
    const t: Timer = { id: this.nextTimerId++, dueUs: this.timeUs_ + Math.max(0, delayMs * 1000), everyUs: everyMs * 1000, cb };
    this.insertTimer(t);
    return () => {
      this.timers = this.timers.filter((x) => x.id !== t.id);
    };
  }

  private insertTimer(t: Timer): void {
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1]!.dueUs > t.dueUs) i--;
    this.timers.splice(i, 0, t);
  }

  private rebase(): void {
    this.anchorHostMs = hostNowMs();
    this.anchorUs = this.timeUs_;
  }

  private cancelHandle(): void {
    this.gateWaitToken++;
    if (!this.handle) return;
    if (this.handleIsImmediate) clearImmediate(this.handle as NodeJS.Immediate);
    else clearTimeout(this.handle as NodeJS.Timeout);
    this.handle = null;
  }

  private schedule(delayMs: number): void {
    if (this.paused || this.closed) return;
    if (delayMs <= 0) {
      this.handleIsImmediate = true;
      this.handle = setImmediate(() => this.tick());
    } else {
      this.handleIsImmediate = false;
      this.handle = setTimeout(() => this.tick(), delayMs);
    }
  }

  /**
   * Held at the gate: with a signal, step on as soon as it says the limit has moved enough (a 1 ms
   * poll would cap a client that answers in 0.1 ms at a tenth of its pace); without, look again
   * in 1 ms.
   */
  private waitAtGate(): void {
    const signal = this.gateSignal;
    if (!signal) {
      this.schedule(1);
      return;
    }
    const token = ++this.gateWaitToken;
    signal.wait(GATE_WAIT_MAX_MS, () => {
      if (token === this.gateWaitToken) this.tick();
    });
  }

  private tick(): void {
    this.handle = null;
    if (this.paused || this.closed) return;
    if (this.speed_ === 'max') {
      const n = this.gated(Math.max(1, Math.floor(this.maxSliceUs / this.stepUs)));
      if (n > 0) {
        this.runSteps(n);
        this.schedule(0);
      } else this.waitAtGate();
      return;
    }
    const factor = this.speed_;
    let targetUs = this.anchorUs + (hostNowMs() - this.anchorHostMs) * 1000 * factor;
    if (targetUs - this.timeUs_ > this.maxLagUs) {
      // The host cannot keep up: slow down (as lockstep would) instead of bursting to catch up.
      const drop = targetUs - this.timeUs_ - this.maxLagUs;
      this.stats_.droppedUs += drop;
      this.anchorUs -= drop;
      targetUs -= drop;
    }
    const due = Math.floor((targetUs - this.timeUs_) / this.stepUs);
    if (due > 0) {
      // Bound a slice so I/O is served while catching up.
      const perSlice = Math.max(1, Math.floor(Math.max(this.maxSliceUs, 4 * this.stepUs * factor) / this.stepUs));
      const n = this.gated(Math.min(due, perSlice));
      if (n === 0) {
        // Held at the gate: the debt grows and is dropped past maxLag, as when the host is slow.
        this.waitAtGate();
        return;
      }
      this.runSteps(n);
      if (due > n) {
        this.schedule(0);
        return;
      }
    }
    // Sleep until the next step is due in host time.
    const nextUs = this.timeUs_ + this.stepUs;
    const waitMs = (nextUs - targetUs) / 1000 / factor;
    this.schedule(Math.max(1, waitMs));
  }

  private runSteps(n: number): void {
    const dtS = this.stepUs / 1e6;
    const parts = this.parts;
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < parts.length; i++) parts[i]!.step(dtS);
      this.timeUs_ += this.stepUs;
      const t = this.timeUs_;
      for (let i = 0; i < parts.length; i++) parts[i]!.afterStep?.(t);
      this.runTimers();
    }
    this.stats_.steps += n;
    this.stats_.slices++;
    const t = this.timeUs_;
    for (let i = 0; i < parts.length; i++) parts[i]!.endSlice?.(t);
    if (this.waiters.size > 0) {
      for (const w of this.waiters) {
        if (t >= w.untilUs) {
          this.waiters.delete(w);
          w.resolve();
        }
      }
    }
  }

  private runTimers(): void {
    while (this.timers.length > 0 && this.timers[0]!.dueUs <= this.timeUs_) {
      const t = this.timers.shift()!;
      if (t.everyUs > 0) {
        t.dueUs += t.everyUs;
        if (t.dueUs <= this.timeUs_) t.dueUs = this.timeUs_ + t.everyUs;
        this.insertTimer(t);
      }
      try {
        t.cb();
      } catch (err) {
        // A client callback must not stop the simulation.
        this.onError(err);
      }
    }
  }
}

function validateSpeed(speed: Speed): Speed {
  if (speed === 'max') return speed;
  if (typeof speed !== 'number' || !Number.isFinite(speed) || speed <= 0) {
    throw new RangeError(`speed: must be a positive number or 'max', got ${String(speed)}`);
  }
  return speed;
}
