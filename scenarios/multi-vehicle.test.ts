import { describe, expect, it } from '@jest/globals';
import { useFlight, waitFor } from '../fixtures/index.js';
import { reachPosition, takeOff } from '../fixtures/maneuvers.js';
import { vehicleParam } from '../fixtures/vehicle-params.js';

/** Two vehicles at once (sys ids and ports by instance, as PX4 `-i`): each flies its own plan, no cross-talk. */
const flight = useFlight({
  vehicles: 2,
  budgets: {
    station_keeping: {
      metric: 'station_keeping_error', clock: 'vehicle', unit: 'm', limits: { p95: 1.5, max: 2.5 }, minSamples: 20,
      description: 'drone1 distance from where its takeoff ended while drone2 flies 16 m away: PX4 SIH in Hold wanders ±0.7 m with its position estimate and keeps converging on the takeoff altitude; cross-talk would follow drone2',
    },
  },
});

describe('two vehicles', () => {
  it('fly at once without cross-talk', async () => {
    const [a, b] = [flight.vehicle(0), flight.vehicle(1)];
    expect(a.sysId).not.toBe(b.sysId);
    const foreign: number[] = [];
    const offA = a.link.on('*', (m) => {
      if (m.sysid !== a.sysId && m.sysid !== 255) foreign.push(m.sysid);
    });
    try {
      await flight.phase('both take off', () => Promise.all([takeOff(flight, a, 3), takeOff(flight, b, 6)]));
      const hold = { ...a.telemetry.localPosition! };
      let last = -1;
      const offHold = a.telemetry.onUpdate(() => {
        const p = a.telemetry.localPosition;
        if (!p || p.vehicleMs === last) return;
        last = p.vehicleMs;
        flight.measure('station_keeping_error', Math.hypot(p.north - hold.north, p.east - hold.east, p.down - hold.down));
      });
      try {
        await flight.phase('drone2 flies in offboard while drone1 holds', async () => {
          await b.pilot.startOffboard({ type: 'position', north: 0, east: 0, down: -6 });
          b.pilot.setSetpoint({ type: 'position', north: 15, east: -5, down: -6 });
          await reachPosition(b, 15, -5, -6);
        });
      } finally {
        offHold();
      }
      expect(a.telemetry.modeName).toBe('Hold');
      // Never outside the radius in which PX4 itself calls a position reached.
      const worst = Math.max(...flight.measurements.samples('station_keeping_error').map((s) => s.value));
      expect(worst).toBeLessThan(await vehicleParam(a, 'NAV_ACC_RAD'));
      await flight.phase('both land', () => Promise.all([a.pilot.land(), b.pilot.land()]));
      await flight.phase('both disarmed', () =>
        Promise.all([a, b].map((v) => waitFor(v.telemetry, (t) => !t.armed && t.landedState === 'ON_GROUND', { timeout: '60s', clock: 'vehicle', what: `${v.name} landed` }))),
      );
    } finally {
      offA();
    }
    expect(foreign).toEqual([]);
  });
});
