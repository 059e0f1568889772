import { z } from 'zod';

/** The two clocks every wait, timeout and budget names (see ARCHITECTURE.md, "Two clocks"). */
export const ClockName = z.enum(['vehicle', 'host']);
export type ClockName = z.infer<typeof ClockName>;

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000 };
const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min)\s*$/;

/** Parses '250ms', '8s', '1.5s', '2min' or a plain number of milliseconds into milliseconds. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`invalid duration ${value}: expected a non-negative number of ms`);
    return value;
  }
  const m = DURATION_RE.exec(value);
  if (!m) throw new RangeError(`invalid duration "${value}": expected a number with a unit (us, ms, s, min), e.g. "250ms" or "8s"`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** A zod type for durations: accepts '250ms' / '8s' / a number of ms, yields milliseconds. */
export const Duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (Math.abs(ms) >= 1000) return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 2)}s`;
  if (Math.abs(ms) >= 10) return `${ms.toFixed(0)}ms`;
  return `${ms.toFixed(2)}ms`;
}
