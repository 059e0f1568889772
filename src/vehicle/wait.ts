import { z } from 'zod';
import { hostNowMs } from '../clock/host.js';
import { ClockName, Duration } from '../clock/duration.js';
import { clockFor, Deadline, parseOptions } from './clock.js';
import type { MissionItemReached, Telemetry, TelemetrySnapshot } from './telemetry.js';

/**
 * Waits on telemetry, re-evaluated on every applied message, with the timeout in a named clock.
 *
 * Safety nets so nothing hangs: the link's LinkLost rejects a pending wait at once, and a wait on
 * the vehicle clock also gives up after a host-clock cap (default 3 × timeout + 10 s): a vehicle
 * clock that stalls, or runs slower than a third of real time for the whole wait, fails with a
 * WaitTimeout that says so instead of hanging.
 */

const WaitOptionsSchema = z.object({
  /** How long to wait: ms, or a duration such as '30s'. */
  timeout: Duration,
  /** The clock `timeout` runs on: 'vehicle' (default) or 'host'. */
  clock: ClockName.default('vehicle'),
  /** What is waited for, as a time-out message names it. */
  what: z.string().min(1).default('condition'),
  /** Host-clock cap for vehicle-clock waits (ms or '90s'); default 3 × timeout + 10 s. */
  hostCap: Duration.optional(),
});
/** How long a wait may take, on which clock, and how its time-out names it. */
export type WaitOptions = z.input<typeof WaitOptionsSchema> & {
  /** Appended to a time-out message: e.g. `` (t) => `last altitude ${t.altitude} m` ``. */
  describe?: (t: Telemetry) => string;
};

/** How long something took, in both clocks. */
export interface Elapsed {
  /** Vehicle time, ms (null when no vehicle time was seen). */
  vehicleMs: number | null;
  /** Host time, ms. */
  hostMs: number;
}

/** A wait ran out: its message names what was waited for, the clock, and the last state seen. */
export class WaitTimeout extends Error {
  override name = 'WaitTimeout';
  constructor(
    message: string,
    /** What was waited for (the wait's `what`). */
    readonly what: string,
    /** The clock the time-out ran on. */
    readonly clock: ClockName,
    /** The time-out, ms. */
    readonly timeoutMs: number,
    /** How long it waited, in both clocks. */
    readonly elapsed: Elapsed,
  ) {
    super(message);
  }
}

/** A value as timeout messages show it: at most 2 decimals. */
export function formatValue(v: number | null | undefined, unit = ''): string {
  if (v === null || v === undefined || Number.isNaN(v)) return 'none';
  const s = Number.isInteger(v) ? String(v) : String(Number(v.toFixed(2)));
  return unit ? `${s} ${unit}` : s;
}

/** A duration as timeout messages show it: '3s', '2.5s', '250ms'. */
export function formatDuration(ms: number): string {
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(2))}s`;
  if (ms >= 10) return `${Math.round(ms)}ms`;
  return `${Number(ms.toFixed(1))}ms`;
}

interface Step<T> {
  /** Evaluate; return a result to finish, undefined to keep waiting. May throw to fail. */
  evaluate(): T | undefined;
  /** The error on timeout; `stalled` is set when the host cap, not the named clock, ran out. */
  timeout(elapsed: Elapsed, stalled: string | null): Error;
}

interface ParsedWait {
  timeout: number;
  clock: ClockName;
  hostCap?: number | undefined;
}

/** The machinery shared by waitFor and reachAndHold. */
function runWait<T>(telemetry: Telemetry, o: ParsedWait, makeStep: (deadline: Deadline, elapsed: () => Elapsed) => Step<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const lost = telemetry.lost;
    if (lost) {
      reject(lost);
      return;
    }
    const deadline = new Deadline(clockFor(telemetry, o.clock), o.timeout);
    const vehicleStart = telemetry.vehicleTimeMs;
    const hostStart = hostNowMs();
    const elapsed = (): Elapsed => {
      const v = telemetry.vehicleTimeMs;
      return { vehicleMs: v === null ? null : v - (vehicleStart ?? v), hostMs: hostNowMs() - hostStart };
    };
    const step = makeStep(deadline, elapsed);
    const cleanups: (() => void)[] = [];
    let settled = false;
    const finish = (err: unknown, value?: T) => {
      if (settled) return;
      settled = true;
      for (const c of cleanups) c();
      if (err) reject(err);
      else resolve(value as T);
    };
    const check = (): void => {
      if (settled) return;
      let result: T | undefined;
      try {
        // A sample past the deadline does not count: the condition held too late.
        if (deadline.elapsed() > o.timeout) return finish(step.timeout(elapsed(), null));
        result = step.evaluate();
      } catch (e) {
        return finish(e);
      }
      if (result !== undefined) finish(null, result);
    };

    cleanups.push(telemetry.onUpdate(check));
    cleanups.push(telemetry.onLost((err) => finish(err)));
    if (o.clock === 'host') {
      const t = setTimeout(() => {
        try {
          const result = step.evaluate();
          if (result !== undefined) return finish(null, result);
          finish(step.timeout(elapsed(), null));
        } catch (e) {
          finish(e);
        }
      }, o.timeout);
      cleanups.push(() => clearTimeout(t));
    } else {
      const cap = o.hostCap ?? 3 * o.timeout + 10_000;
      const t = setTimeout(() => {
        const e = elapsed();
        const why =
          e.vehicleMs === null
            ? `no vehicle time received in ${formatDuration(e.hostMs)} of host time`
            : `vehicle clock advanced only ${formatDuration(e.vehicleMs)} in ${formatDuration(e.hostMs)} of host time (host cap ${formatDuration(cap)})`;
        finish(step.timeout(e, why));
      }, cap);
      cleanups.push(() => clearTimeout(t));
    }
    check();
  });
}

/** What a wait met: the time it took, and the vehicle's state at the update that met it. */
export interface WaitResult extends Elapsed {
  /** A copy of the telemetry state when the condition held (the live object moves on). */
  snapshot: TelemetrySnapshot;
}

/**
 * Resolves once `predicate(telemetry)` is true (checked now and after every telemetry update),
 * with the time it took in both clocks and the state that met it; rejects with WaitTimeout, or
 * the link's LinkLost.
 */
export async function waitFor(telemetry: Telemetry, predicate: (t: Telemetry) => boolean, options: WaitOptions): Promise<WaitResult> {
  const o = parseOptions(WaitOptionsSchema, options, 'waitFor');
  return runWait(telemetry, o, (_deadline, elapsed) => ({
    evaluate: () => (predicate(telemetry) ? { ...elapsed(), snapshot: telemetry.snapshot() } : undefined),
    timeout: (e, stalled) => {
      let msg = `${o.what} not reached within ${formatDuration(o.timeout)} (${o.clock} clock)`;
      if (stalled) msg += ` — ${stalled}`;
      if (options.describe) msg += `: ${options.describe(telemetry)}`;
      return new WaitTimeout(msg, o.what, o.clock, o.timeout, e);
    },
  }));
}

// ---- reach and hold ---------------------------------------------------------------------------

const Finite = z.number().refine(Number.isFinite, 'must be a finite number');
/** An acceptance band: `{ target, tolerance }` or `{ min, max }`. */
export const Band = z.union([
  z.object({ target: Finite, tolerance: Finite.refine((t) => t >= 0, 'must be ≥ 0') }).strict(),
  z
    .object({ min: z.number(), max: z.number() })
    .strict()
    .refine((b) => b.min <= b.max, { message: 'min must be ≤ max', path: ['min'] }),
]);
export type Band = z.infer<typeof Band>;

const HoldOptionsSchema = WaitOptionsSchema.extend({
  /** What the value is, as a time-out message names it (e.g. 'altitude'). */
  what: z.string().min(1).default('value'),
  /** Unit shown in messages, e.g. 'm'. */
  unit: z.string().default(''),
});
/** A wait's options, and the value's unit for the messages. */
export type HoldOptions = z.input<typeof HoldOptionsSchema>;

/** A hold that succeeded: when the value entered the band and when the hold completed. */
export interface HoldResult {
  /** From the start of the wait until the hold completed. */
  elapsed: Elapsed;
  /** From the start of the wait until the value entered the band for the hold that succeeded. */
  reached: Elapsed;
  /** The value when the hold completed. */
  value: number;
}

function bandLimits(b: Band): { min: number; max: number } {
  return 'target' in b ? { min: b.target - b.tolerance, max: b.target + b.tolerance } : b;
}

function formatBand(b: Band, unit: string): string {
  const u = unit ? ` ${unit}` : '';
  return 'target' in b ? `${formatValue(b.target)}±${formatValue(b.tolerance)}${u}` : `[${formatValue(b.min)}, ${formatValue(b.max)}]${u}`;
}

/**
 * ArduPilot's wait_and_maintain: the value must enter the band and stay in it for `holdFor`
 * (named clock); leaving the band restarts the hold. Values that are null/NaN are skipped.
 * On timeout: WaitTimeout naming the last value, the closest approach and the longest hold.
 */
export async function reachAndHold(
  telemetry: Telemetry,
  getValue: (t: Telemetry) => number | null | undefined,
  band: Band,
  holdFor: string | number,
  options: HoldOptions,
): Promise<HoldResult> {
  const o = parseOptions(HoldOptionsSchema, options, 'reachAndHold');
  const b = parseOptions(Band, band, 'reachAndHold: band');
  const holdMs = parseOptions(Duration, holdFor, 'reachAndHold: holdFor');
  const { min, max } = bandLimits(b);
  const clock = clockFor(telemetry, o.clock);

  let last: number | null = null;
  let closest: number | null = null;
  let closestDist = Infinity;
  let holdStart: number | null = null;
  let reached: Elapsed | null = null;
  let longest = 0;

  return runWait(telemetry, o, (_deadline, elapsed) => ({
    evaluate: () => {
      const v = getValue(telemetry);
      const now = clock.now();
      if (v === null || v === undefined || Number.isNaN(v) || now === null) return undefined;
      last = v;
      const dist = v < min ? min - v : v > max ? v - max : 0;
      if (dist < closestDist) {
        closestDist = dist;
        closest = v;
      }
      if (dist > 0) {
        holdStart = null;
        return undefined;
      }
      if (holdStart === null) {
        holdStart = now;
        reached = elapsed();
      }
      const held = now - holdStart;
      if (held > longest) longest = held;
      return held >= holdMs ? { elapsed: elapsed(), reached: reached!, value: v } : undefined;
    },
    timeout: (e, stalled) => {
      const msg =
        `${o.what} did not reach and hold ${formatBand(b, o.unit)} for ${formatDuration(holdMs)} within ${formatDuration(o.timeout)} (${o.clock} clock): ` +
        `last ${formatValue(last, o.unit)}, closest ${formatValue(closest, o.unit)}, longest hold ${(longest / 1000).toFixed(1)}s` +
        (stalled ? ` — ${stalled}` : '');
      return new WaitTimeout(msg, o.what, o.clock, o.timeout, e);
    },
  }));
}

/**
 * Waits until the vehicle reports mission item `seq` reached (MISSION_ITEM_REACHED) since the
 * plan was uploaded; resolves with the report (its vehicle time is when the item was reached).
 */
export async function waitForMissionItem(
  telemetry: Telemetry,
  seq: number,
  options: Omit<WaitOptions, 'what' | 'describe'> & { what?: string },
): Promise<MissionItemReached> {
  if (!Number.isInteger(seq) || seq < 0) throw new RangeError(`waitForMissionItem: seq must be an integer ≥ 0, got ${seq}`);
  const find = () => telemetry.missionItemsReached.find((r) => r.seq === seq);
  await waitFor(telemetry, () => find() !== undefined, {
    ...options,
    what: options.what ?? `mission item ${seq} reached`,
    describe: (t) => {
      const m = t.mission;
      const reached = t.missionItemsReached.map((r) => r.seq).join(', ') || 'none';
      return `mode ${t.modeName ?? 'unknown'}, current item ${m ? `${m.seq} of ${m.total} (${m.state})` : 'unknown (no MISSION_CURRENT)'}, items reached: ${reached}`;
    },
  });
  return { ...find()! };
}
