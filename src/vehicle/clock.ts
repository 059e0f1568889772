import { z } from 'zod';
import { common } from 'node-mavlink';
import { hostNowMs } from '../clock/host.js';
import { ClockName, Duration, formatMs } from '../clock/duration.js';
import type { Link } from '../mavlink/link.js';
import type { Telemetry } from './telemetry.js';

/** A clock to read: the vehicle's (from telemetry) or the host's. `now()` is null while unknown. */
export interface ClockView {
  readonly name: ClockName;
  now(): number | null;
}

/** The vehicle clock: the latest vehicle time telemetry has seen (ms since boot, advancing with the sim's speed). */
export class VehicleClock implements ClockView {
  readonly name = 'vehicle' as const;
  constructor(private readonly telemetry: Telemetry) {}
  now(): number | null {
    return this.telemetry.vehicleTimeMs;
  }
}

export const hostClock: ClockView = { name: 'host', now: hostNowMs };

export function clockFor(telemetry: Telemetry, name: ClockName): ClockView {
  return name === 'host' ? hostClock : new VehicleClock(telemetry);
}

/** `{ timeout: '10s', clock: 'vehicle' }` as options accept it; the clock defaults to the vehicle's. */
export const TimeoutOptions = z.object({
  timeout: Duration,
  clock: ClockName.default('vehicle'),
});
export type TimeoutOptionsInput = z.input<typeof TimeoutOptions>;

export class InvalidOptionsError extends Error {
  override name = 'InvalidOptionsError';
}

/** Parses options with a zod schema; a bad value throws naming where (e.g. `waitFor: timeout: invalid duration "fast"`). */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InvalidOptionsError(`${where}: ${issue.path.join('.') || 'options'}: ${issue.message}`);
  }
  return r.data;
}

/**
 * A deadline in a named clock. On the vehicle clock the start is the vehicle time when the
 * deadline was made, or — if no vehicle time was seen yet — the first vehicle time seen later.
 */
export class Deadline {
  private start: number | null;
  readonly hostStart = hostNowMs();

  constructor(
    readonly clock: ClockView,
    readonly timeoutMs: number,
  ) {
    this.start = clock.now();
  }

  /** Time since the start in this clock (0 while the clock is unknown). */
  elapsed(): number {
    const now = this.clock.now();
    if (now === null) return 0;
    if (this.start === null) this.start = now;
    return now - this.start;
  }

  remaining(): number {
    return this.timeoutMs - this.elapsed();
  }

  expired(): boolean {
    return this.elapsed() >= this.timeoutMs;
  }

  hostElapsed(): number {
    return hostNowMs() - this.hostStart;
  }

  describe(): string {
    return `${formatMs(this.timeoutMs)} (${this.clock.name} clock)`;
  }
}

export function deadlineFor(telemetry: Telemetry, opts: TimeoutOptionsInput): Deadline {
  const o = parseOptions(TimeoutOptions, opts, 'deadline');
  return new Deadline(clockFor(telemetry, o.clock), o.timeout);
}

// ---- TIMESYNC offset -----------------------------------------------------------------------

export interface ClockOffset {
  /** vehicle − host, ms: vehicleMs ≈ hostMs + offsetMs (vehicle time = its boot clock). */
  offsetMs: number;
  /** Half the best round trip: the offset is within ±uncertaintyMs of the truth, if the path is symmetric. */
  uncertaintyMs: number;
  roundTripMs: { min: number; median: number; max: number };
  /** Replies used / requests sent. */
  samples: number;
  sent: number;
}

export const ClockOffsetOptions = z.object({
  samples: z.number().int().min(1).max(1000).default(10),
  /** Between requests (host clock). */
  intervalMs: z.number().min(0).default(20),
  /** How long to wait for replies after the last request (host clock). */
  replyTimeoutMs: z.number().positive().default(1000),
  /** The vehicle to sync with (TIMESYNC v2 may be targeted; 0 = broadcast). */
  targetSysId: z.number().int().min(0).max(255).default(0),
  targetCompId: z.number().int().min(0).max(255).default(0),
});
export type ClockOffsetOptions = z.input<typeof ClockOffsetOptions>;

export class ClockSyncError extends Error {
  override name = 'ClockSyncError';
}

/**
 * Estimates the vehicle − host clock offset with MAVLink TIMESYNC: each request carries our time
 * in ts1 (ns) with tc1 = 0; the vehicle echoes ts1 and puts its own time (ns since boot) in tc1.
 * The reply with the shortest round trip gives the best estimate:
 * offset = ((tc1 − ts1) + (tc1 − now)) / 2, uncertainty = round trip / 2.
 */
export async function estimateClockOffset(link: Link, options: ClockOffsetOptions = {}): Promise<ClockOffset> {
  const o = parseOptions(ClockOffsetOptions, options, 'estimateClockOffset');
  // ts1 identifies a request; the precise send time is kept here rather than trusted from the echo.
  const sentAt = new Map<bigint, number>();
  const results: { rtt: number; offset: number }[] = [];
  let lastSent = 0n;
  let done: () => void = () => {};
  const allIn = new Promise<void>((resolve) => (done = resolve));

  const off = link.on(common.TimeSync, (msg) => {
    const d = msg.data;
    if (d.tc1 === 0n) return; // someone else's request
    if (o.targetSysId !== 0 && msg.sysid !== o.targetSysId) return;
    const t0 = sentAt.get(d.ts1);
    if (t0 === undefined) return;
    sentAt.delete(d.ts1);
    const t1 = msg.hostTimeMs;
    const vehicleMs = Number(d.tc1) / 1e6;
    results.push({ rtt: t1 - t0, offset: (vehicleMs - t0 + (vehicleMs - t1)) / 2 });
    if (results.length >= o.samples) done();
  });
  const lost = new Promise<never>((_, reject) => {
    const unsub = link.onLost((err) => reject(err));
    void allIn.finally(unsub);
  });
  try {
    let sent = 0;
    const sending = (async () => {
      for (let i = 0; i < o.samples && results.length < o.samples; i++) {
        const now = hostNowMs();
        let ts1 = BigInt(Math.round(now * 1e6));
        if (ts1 <= lastSent) ts1 = lastSent + 1n;
        lastSent = ts1;
        const req = new common.TimeSync();
        req.tc1 = 0n;
        req.ts1 = ts1;
        req.targetSystem = o.targetSysId;
        req.targetComponent = o.targetCompId;
        sentAt.set(ts1, now);
        link.send(req);
        sent++;
        if (o.intervalMs > 0) await new Promise((r) => setTimeout(r, o.intervalMs));
      }
    })();
    await sending;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([allIn, lost, new Promise<void>((r) => (timer = setTimeout(r, o.replyTimeoutMs)))]);
    clearTimeout(timer);
    done();
    if (results.length === 0) throw new ClockSyncError(`estimateClockOffset: no TIMESYNC reply to ${sent} requests within ${formatMs(o.replyTimeoutMs)} (host clock) on ${link.name}`);
    const rtts = results.map((r) => r.rtt).sort((a, b) => a - b);
    const best = results.reduce((a, b) => (b.rtt < a.rtt ? b : a));
    return {
      offsetMs: best.offset,
      uncertaintyMs: best.rtt / 2,
      roundTripMs: { min: rtts[0]!, median: rtts[Math.floor(rtts.length / 2)]!, max: rtts[rtts.length - 1]! },
      samples: results.length,
      sent,
    };
  } finally {
    off();
    done();
  }
}
