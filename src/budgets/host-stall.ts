import type { StallSummary } from '../clock/host-stall.js';
import type { BudgetResult } from './evaluate.js';
import type { Sample } from './measurements.js';

const MS_PER: Partial<Record<string, number>> = { ms: 1, s: 1000 };

/**
 * The host-time span a host-clock budget's samples cover: from the earliest start (a latency
 * sample stamped at its end began `value` earlier) to the latest stamp; null without stamps.
 */
export function samplesSpan(samples: readonly Pick<Sample, 'value' | 'unit' | 'hostTimeMs'>[]): { fromMs: number; toMs: number } | null {
  let fromMs = Infinity;
  let toMs = -Infinity;
  for (const s of samples) {
    if (s.hostTimeMs === undefined) continue;
    const per = s.unit ? (MS_PER[s.unit] ?? 0) : 0;
    fromMs = Math.min(fromMs, s.hostTimeMs - Math.max(0, s.value * per));
    toMs = Math.max(toMs, s.hostTimeMs);
  }
  return Number.isFinite(fromMs) ? { fromMs, toMs } : null;
}

/**
 * A host-clock budget's result with how much the host itself stalled while its samples were
 * taken (`stallOver` reads the event-loop record); other results are returned unchanged.
 */
export function withHostStall(
  result: BudgetResult,
  samples: readonly Pick<Sample, 'value' | 'unit' | 'hostTimeMs'>[],
  stallOver: (fromMs: number, toMs: number) => StallSummary | null,
): BudgetResult {
  if (result.clock !== 'host') return result;
  const span = samplesSpan(samples);
  const stall = span && stallOver(span.fromMs, span.toMs);
  return stall ? { ...result, hostStall: stall } : result;
}
