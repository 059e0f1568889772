import pRetry from 'p-retry';
import { hostNowMs } from '../src/clock/host.js';
import { StackDidNotComeUp } from '../src/targets/target.js';
import type { CompanionDriver } from './companion.js';
import type { PowerDriver } from './power.js';

/**
 * The states a rig is brought through (labgrid's strategy): each is entered only when it is seen
 * (the device node, a HEARTBEAT, the companion's node), never after a sleep.
 */
export type RigState = 'off' | 'powered' | 'flight-controller' | 'companion';

export interface RigTransition {
  /** The state entered, or the stage that failed. */
  state: RigState | 'failed' | 'power-cycle';
  attempt: number;
  /** Host clock, ms since bring-up started. */
  atMs: number;
  note: string;
}

/** Opens the flight controller's link and sees it talk; `disconnect` releases it after a failed attempt. */
export interface FlightControllerDriver<C> {
  connect(signal?: AbortSignal): Promise<C>;
  disconnect(connection: C): Promise<void>;
  /** One line for the transition log, e.g. the device and the heartbeat seen. */
  describe(connection: C): string;
}

export interface RigDrivers<C> {
  power: PowerDriver;
  flightController: FlightControllerDriver<C>;
  companion: CompanionDriver;
}

export interface BringUpResult<C> {
  connection: C;
  companion: string;
  transitions: RigTransition[];
}

const NEXT: Record<RigState, RigState | null> = { off: 'powered', powered: 'flight-controller', 'flight-controller': 'companion', companion: null };

/**
 * Brings a rig from `from` (off, or powered when re-opening after an unplug) to companion-ready.
 * A failed attempt power-cycles the rig (when it has power control) and starts again from
 * powered, at most `retries` times; the error names the stage and carries the transition log.
 */
export class RigStrategy<C> {
  readonly transitions: RigTransition[] = [];
  private state: RigState = 'off';
  private readonly t0 = hostNowMs();

  constructor(
    readonly rigName: string,
    private readonly drivers: RigDrivers<C>,
    private readonly opts: { retries: number; signal?: AbortSignal },
  ) {}

  get current(): RigState {
    return this.state;
  }

  async bringUp(from: RigState = 'off'): Promise<BringUpResult<C>> {
    this.state = from;
    let attempt = 0;
    const errors: string[] = [];
    let failedStage: RigState = from;
    try {
      const result = await pRetry(
        async () => {
          attempt++;
          return this.attempt(attempt, (stage) => (failedStage = stage));
        },
        {
          retries: this.opts.retries,
          minTimeout: 0,
          factor: 1,
          randomize: false,
          ...(this.opts.signal ? { signal: this.opts.signal } : {}),
          onFailedAttempt: async ({ error, retriesLeft }) => {
            errors.push(`attempt ${attempt} (${NEXT[failedStage] ?? failedStage}): ${error.message.split('\n')[0]}`);
            this.log('failed', attempt, `${NEXT[failedStage] ?? failedStage}: ${error.message.split('\n')[0]}`);
            if (retriesLeft === 0) return;
            if (this.drivers.power.controllable) {
              await this.drivers.power.cycle(this.opts.signal);
              this.log('power-cycle', attempt, 'power cycled before the next attempt');
            } else {
              this.log('power-cycle', attempt, 'no power control: trying again without a power cycle');
            }
            this.state = 'powered';
          },
        },
      );
      return { ...result, transitions: this.transitions };
    } catch (err) {
      throw new StackDidNotComeUp(
        NEXT[failedStage] ?? failedStage,
        `rig "${this.rigName}" after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${errors.join('; ') || (err as Error).message}`,
        { [`rig ${this.rigName} bring-up`]: this.formatLog() },
        { cause: err },
      );
    }
  }

  private async attempt(attempt: number, stage: (s: RigState) => void): Promise<Omit<BringUpResult<C>, 'transitions'>> {
    const signal = this.opts.signal;
    if (this.state === 'off') {
      stage('off');
      await this.drivers.power.on(signal);
      this.enter('powered', attempt, this.drivers.power.controllable ? 'power on command succeeded' : 'no power control in the rig file: assumed powered');
    }
    stage('powered');
    const connection = await this.drivers.flightController.connect(signal);
    this.enter('flight-controller', attempt, this.drivers.flightController.describe(connection));
    try {
      stage('flight-controller');
      const note = await this.drivers.companion.ready(signal);
      this.enter('companion', attempt, note);
      return { connection, companion: note };
    } catch (err) {
      await this.drivers.flightController.disconnect(connection).catch(() => {});
      this.state = 'powered';
      throw err;
    }
  }

  private enter(state: RigState, attempt: number, note: string): void {
    this.state = state;
    this.log(state, attempt, note);
  }

  private log(state: RigTransition['state'], attempt: number, note: string): void {
    this.transitions.push({ state, attempt, atMs: Math.round(hostNowMs() - this.t0), note });
  }

  /** The transition log as text (attached to failures and to the stack's logs). */
  formatLog(): string {
    return this.transitions.map((t) => `+${(t.atMs / 1000).toFixed(2)}s attempt ${t.attempt} ${t.state}: ${t.note}`).join('\n');
  }
}
