import path from 'node:path';
import { columns, cut, fitLine, PROGRESS_WIDTH, SUMMARY_WIDTH } from './fit.js';
import type { ProgressEvent } from './progress.js';

/** "takeoff › climbs to 2.5 m": the file, then the test without the file's name repeated as its describe. */
export function progressName(file: string, test: string): string {
  const name = path.basename(file, '.test.ts');
  return `${name} › ${test.startsWith(`${name} `) ? test.slice(name.length + 1) : test}`;
}

/**
 * One progress line within `width`. A vehicle state leads with altitude, mode and vehicle time, so
 * they stay readable on an 80-column terminal; the scenario's name gives way first.
 */
export function formatProgress(e: ProgressEvent, phase: string | undefined, width: number): string {
  const who = progressName(e.file, e.test);
  if (e.kind === 'state') {
    const head = `  alt ${e.altitude.toFixed(1).padStart(5)} m  ${e.mode}${e.armed ? ' armed' : ''}  t=${(e.vehicleTimeMs / 1000).toFixed(1)} s  `;
    return fitLine(head, who, phase ? `: ${cut(phase, 24)}` : '', width);
  }
  if (e.kind === 'phase') return fitLine('  ', who, `: ${cut(e.phase, Math.max(20, width - 40))}`, width);
  return fitLine('  ', who, `: ${cut(`${e.metric} ${e.outcome} ${e.summary}`, Math.max(20, width - 30))}`, width);
}

/** One live line per running scenario on a terminal; phase changes and budgets only when not a terminal (CI logs). */
export class ProgressDisplay {
  private last = '';
  private readonly lastPhase = new Map<string, string>();

  constructor(
    private readonly tty: boolean,
    private readonly out: { write(s: string): unknown; columns?: number } = process.stdout,
  ) {}

  update(e: ProgressEvent): void {
    const key = `${e.file}::${e.test}`;
    if (e.kind === 'phase') this.lastPhase.set(key, e.phase);
    if (!this.tty) {
      if (e.kind !== 'state') this.out.write(`${formatProgress(e, undefined, SUMMARY_WIDTH)}\n`);
      return;
    }
    const width = Math.min(PROGRESS_WIDTH, (this.out.columns ?? PROGRESS_WIDTH) - 1);
    const line = formatProgress(e, this.lastPhase.get(key), width);
    this.out.write(`\r\x1b[2K${line}`);
    this.last = line;
  }

  end(): void {
    if (this.tty && columns(this.last) > 0) this.out.write('\r\x1b[2K');
  }
}
