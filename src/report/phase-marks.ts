/**
 * Flight phases drawn on a time-series chart, so a reviewer sees which phase a feature of the
 * curve belongs to: a shaded band per phase, coloured and named in a legend ("3 leg to (10, 0)"),
 * a dashed rule where each phase starts, and the phase's number at the top of the chart.
 */

/** One phase on a chart's time axis, in the chart's own unit (seconds since the chart's zero). */
export interface PhaseSpan {
  name: string;
  start: number;
  /** Where the phase ended; an unfinished one runs to the end of the data. */
  end: number | null;
}

/** The field the band colours are encoded on (a chart with colours of its own resolves them apart). */
const PHASE_FIELD = 'phase';

/** Pixels between two phase numbers at the top, below which the later one is left to the legend. */
const MIN_LABEL_GAP_PX = 14;

/**
 * The layers to put under a chart's own (bands first, so the data draws over them), clipped to
 * `[from, to]`, the time span the chart shows: a phase that only touches it (the reset, ending
 * where a flight plot begins) is left out; one that takes no time is a rule. `widthPx` is the
 * chart's width, to keep the numbers at the top from overlapping. Empty when no phase falls in
 * the span.
 */
export function phaseLayers(phases: readonly PhaseSpan[], from: number, to: number, widthPx: number): object[] {
  const shown = phases
    .filter((p) => (p.end === p.start ? p.start >= from && p.start <= to : Math.min(p.end ?? to, to) > Math.max(p.start, from)))
    .map((p) => ({ name: p.name, start: Math.max(p.start, from), end: Math.min(p.end ?? to, to) }));
  if (shown.length === 0) return [];
  // Numbered as shown: a phase before the chart's span (the reset, on a flight plot) takes no number.
  const rows = shown.map((p, i) => ({ ...p, n: i + 1, [PHASE_FIELD]: `${i + 1} ${p.name}` }));
  const minGap = ((to - from) / Math.max(1, widthPx)) * MIN_LABEL_GAP_PX;
  const numbered: typeof rows = [];
  for (const r of rows) if (numbered.length === 0 || r.start - numbered[numbered.length - 1]!.start >= minGap) numbered.push(r);
  const x = { field: 'start', type: 'quantitative' };
  return [
    {
      data: { values: rows },
      mark: { type: 'rect', opacity: 0.14 },
      encoding: {
        x,
        x2: { field: 'end' },
        color: {
          field: PHASE_FIELD,
          type: 'nominal',
          // Phase order, not alphabetical ("10 land" after "9 …"); from the data, so that every
          // chart with phases has one shape and the renderer keeps its View (plot-thread.mjs).
          sort: null,
          scale: { scheme: 'tableau10' },
          legend: { title: 'phase', orient: 'bottom', direction: 'vertical', columns: 2, labelLimit: 400, symbolOpacity: 0.5 },
        },
        tooltip: [{ field: PHASE_FIELD, type: 'nominal' }, { field: 'start', type: 'quantitative', format: '.2f' }, { field: 'end', type: 'quantitative', format: '.2f' }],
      },
    },
    {
      data: { values: rows },
      mark: { type: 'rule', color: '#777', strokeWidth: 1, strokeDash: [3, 3] },
      encoding: { x },
    },
    {
      data: { values: numbered },
      mark: { type: 'text', color: '#444', fontSize: 10, align: 'left', baseline: 'top', dx: 2, y: 2 },
      encoding: { x, text: { field: 'n', type: 'nominal' } },
    },
  ];
}
