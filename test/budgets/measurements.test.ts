import { Measurements, type Sample } from '../../src/budgets/index.js';

describe('Measurements', () => {
  it('keeps samples by metric with their metadata, in recording order', () => {
    const m = new Measurements();
    m.record('ack', 12, { clock: 'host', hostTimeMs: 1000, uncertaintyMs: 0.8, vehicle: 'drone1', note: 'arm' });
    m.record('takeoff_time', 6.1, { clock: 'vehicle', vehicleTimeMs: 5000 });
    m.record('ack', 15);

    expect(m.metrics()).toEqual(['ack', 'takeoff_time']);
    expect(m.values('ack')).toEqual([12, 15]);
    expect(m.samples('ack')[0]).toEqual({
      metric: 'ack', value: 12, seq: 0, clock: 'host', hostTimeMs: 1000, uncertaintyMs: 0.8, vehicle: 'drone1', note: 'arm',
    });
    expect(m.all().map((s) => [s.metric, s.seq])).toEqual([['ack', 0], ['takeoff_time', 1], ['ack', 2]]);
    expect(m.size).toBe(3);
    expect(m.samples('unknown')).toEqual([]);
  });

  it('hands out copies, so callers cannot alter the record', () => {
    const m = new Measurements();
    m.record('ack', 1);
    m.samples('ack').push({ metric: 'ack', value: 99, seq: 9 });
    expect(m.values('ack')).toEqual([1]);
  });

  it('streams each sample to listeners as it is recorded, until unsubscribed', () => {
    const m = new Measurements();
    const seen: Sample[] = [];
    const off = m.onSample((s) => seen.push(s));
    m.record('a', 1, { clock: 'host' });
    m.record('b', 2);
    off();
    m.record('a', 3);
    expect(seen.map((s) => [s.metric, s.value, s.clock])).toEqual([['a', 1, 'host'], ['b', 2, undefined]]);
  });

  it('delivers to every listener and keeps the sample when one listener throws', () => {
    const m = new Measurements();
    const seen: number[] = [];
    m.onSample(() => {
      throw new Error('disk full');
    });
    m.onSample((s) => seen.push(s.value));
    expect(() => m.record('a', 1)).toThrow('disk full');
    expect(seen).toEqual([1]);
    expect(m.values('a')).toEqual([1]);
  });

  it('metadata cannot overwrite the metric or value', () => {
    const m = new Measurements();
    const s = m.record('a', 1, { value: 5, metric: 'b' } as never);
    expect([s.metric, s.value]).toEqual(['a', 1]);
  });

  it('rejects bad samples, naming the metric', () => {
    const m = new Measurements();
    expect(() => m.record('', 1)).toThrow(/non-empty/);
    expect(() => m.record('ack', NaN)).toThrow('ack: sample value NaN is not a finite number');
    expect(() => m.record('ack', Infinity)).toThrow(/ack: sample value Infinity/);
    expect(() => m.record('ack', 1, { uncertaintyMs: -1 })).toThrow(/ack: uncertaintyMs -1/);
    expect(m.size).toBe(0);
  });
});
