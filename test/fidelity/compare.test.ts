/**
 * The fidelity comparison's judging logic, on hand-made flight records (stand-ins for recorded
 * runs): a mark within the allowance passes, past it fails with the numbers, a mode change is
 * judged no finer than HEARTBEAT's 1 Hz, sequences must match, and too few runs is a failure.
 */
import { describe, expect, it } from '@jest/globals';
import { commonSequence, compareRuns, eventsIn, type FlightRun } from '../../src/fidelity/compare.js';
import type { MarkSource } from '../../src/fidelity/manoeuvres.js';

/** A stand-in run: one phase starting at 10 s with one mark `markS` seconds in, a climb trace, modes and ACKs. */
function standIn(target: string, run: number, markS: number, opts: { source?: MarkSource; modes?: string[]; acks?: string[] } = {}): FlightRun {
  const start = 10_000;
  const modes = opts.modes ?? ['Hold', 'Hold (armed)', 'Takeoff (armed)', 'Hold (armed)'];
  const acks = opts.acks ?? ['MAV_CMD_COMPONENT_ARM_DISARM ACCEPTED', 'MAV_CMD_NAV_TAKEOFF ACCEPTED'];
  const samples = Array.from({ length: 100 }, (_, i) => ({ t: start + i * 100, alt: Math.min(2.5, (i * 100) / 1000 / markS * 2), north: 0, east: 0, speed: 0, climb: 1, yaw: 0 }));
  return {
    target, run,
    phases: [{ name: 'takeoff', start, end: start + 10_000, marks: { 'climb to 2.0 m': start + markS * 1000 }, sources: { 'climb to 2.0 m': opts.source ?? 'position' }, values: { 'peak climb': { value: 1.3, unit: 'm/s' } }, events: { modes: [1, modes.length], acks: [0, acks.length] } }],
    samples,
    modes: modes.map((text, i) => ({ t: start - 500 + i * 1000, text })),
    acks: acks.map((text, i) => ({ t: start + 100 + i * 100, text })),
  };
}

const runs = (target: string, marks: number[], opts?: Parameters<typeof standIn>[3]) => marks.map((m, i) => standIn(target, i, m, opts));
const PX4 = [7.4, 7.6, 7.5, 7.8, 7.7];

describe('compareRuns', () => {
  it('passes a candidate whose median is within 15 % of the reference', () => {
    const c = compareRuns(runs('native', PX4), runs('sim', [7.0, 7.1, 7.0, 7.2, 6.9]));
    expect(c.marks[0]).toMatchObject({ phase: 'takeoff', mark: 'climb to 2.0 m', refMedian: 7.6, candMedian: 7.0, verdict: 'pass' });
    expect(c.failures).toEqual([]);
    expect(c.sequences.every((q) => q.verdict === 'pass')).toBe(true);
  });

  it('fails one past 15 %, naming both medians', () => {
    const c = compareRuns(runs('native', PX4), runs('sim', [4.8, 4.9, 4.8, 4.7, 4.9]));
    expect(c.marks[0]!.verdict).toBe('fail');
    expect(c.failures).toEqual([expect.stringMatching(/^takeoff › climb to 2\.0 m: sim 4\.80 s against native 7\.60 s \(−37 %; allowed ±1\.14 s\)$/)]);
  });

  it('judges a mark seen in HEARTBEAT no finer than its 1 s period', () => {
    const ref = runs('native', [2.0, 2.1, 2.0, 1.9, 2.0], { source: 'mode' });
    expect(compareRuns(ref, runs('sim', [2.9, 2.8, 2.9, 2.9, 3.0], { source: 'mode' })).failures).toEqual([]);
    expect(compareRuns(ref, runs('sim', [3.2, 3.1, 3.2, 3.3, 3.1], { source: 'mode' })).marks[0]!.verdict).toBe('fail');
  });

  it('fails when the mode or ACK sequences differ', () => {
    const c = compareRuns(
      runs('native', PX4, { acks: ['MAV_CMD_DO_SET_MODE ACCEPTED', 'MAV_CMD_DO_SET_MODE TEMPORARILY_REJECTED'] }),
      runs('sim', PX4, { acks: ['MAV_CMD_DO_SET_MODE ACCEPTED'] }),
    );
    expect(c.failures).toEqual([
      'takeoff › ACK sequence: sim [MAV_CMD_DO_SET_MODE ACCEPTED] against native [MAV_CMD_DO_SET_MODE ACCEPTED → MAV_CMD_DO_SET_MODE TEMPORARILY_REJECTED]',
    ]);
    const m = compareRuns(runs('native', PX4), runs('sim', PX4, { modes: ['Hold', 'Hold (armed)', 'Hold'] }));
    expect(m.failures).toEqual(['takeoff › mode sequence: sim [Hold → Hold (armed) → Hold] against native [Hold → Hold (armed) → Takeoff (armed) → Hold (armed)]']);
  });

  it('fails with too few runs, and names a run that failed', () => {
    const cand = runs('sim', [7.5, 7.5, 7.5, 7.5]);
    cand.push({ ...standIn('sim', 4, 7.5), phases: [], error: 'drone1: ready to arm not reached within 60s' });
    const c = compareRuns(runs('native', PX4), cand);
    expect(c.failures).toEqual([
      'a run failed: sim run 4: drone1: ready to arm not reached within 60s',
      'takeoff › climb to 2.0 m: too few runs reached it to judge (native 5, sim 4; at least 5 each)',
    ]);
  });

  it('reports a listed known gap without failing, a closed one as closed, and a stale key as a failure', () => {
    const ref = runs('native', PX4);
    const slow = runs('sim', [4.8, 4.9, 4.8, 4.7, 4.9]);
    const gap = { 'takeoff › climb to 2.0 m': 'no spool-up modelled yet' };
    const admitted = compareRuns(ref, slow, { durationShare: 0.15, minRuns: 5, knownGaps: gap });
    expect(admitted.marks[0]!.verdict).toBe('known gap');
    expect(admitted.failures).toEqual([]);
    const closed = compareRuns(ref, runs('sim', PX4), { durationShare: 0.15, minRuns: 5, knownGaps: gap });
    expect(closed.closedGaps).toEqual(['takeoff › climb to 2.0 m']);
    expect(closed.marks[0]!.verdict).toBe('pass');
    const stale = compareRuns(ref, runs('sim', PX4), { durationShare: 0.15, minRuns: 5, knownGaps: { 'landing › flare': 'gone' } });
    expect(stale.failures).toEqual(['known gap "landing › flare" names nothing this comparison measured: take it off the list']);
  });

  it('measures how far the time-aligned traces are apart', () => {
    const same = compareRuns(runs('native', PX4), runs('sim', PX4));
    expect(same.traces[0]!.altitudeRmsM).toBe(0);
    const slower = compareRuns(runs('native', PX4), runs('sim', [9, 9, 9, 9, 9]));
    expect(slower.traces[0]!.altitudeRmsM).toBeGreaterThan(0.1);
  });
});

describe('sequences', () => {
  it('collapse retries and start with the state a phase began in', () => {
    const ev = [{ t: 500, text: 'Hold' }, { t: 1200, text: 'Offboard' }, { t: 1300, text: 'Offboard' }, { t: 3000, text: 'Land' }];
    expect(eventsIn(ev, [1, 3], true)).toEqual(['Hold', 'Offboard']);
    expect(eventsIn(ev, [1, 3])).toEqual(['Offboard']);
    expect(eventsIn(ev, [0, 4], true)).toEqual(['Hold', 'Offboard', 'Land']);
  });
  it('take the one most runs showed, with its share', () => {
    expect(commonSequence([['a', 'b'], ['a'], ['a', 'b']])).toEqual({ sequence: ['a', 'b'], share: '2 of 3' });
  });
});
