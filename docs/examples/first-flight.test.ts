import { describe, expect, it } from '@jest/globals';
import { landAndDisarm, reachAndHold, takeoffBand, useFlight, waitFor } from '../../fixtures/index.js';

// One stack per file, brought up before the first test; every test starts landed, disarmed, in Hold.
const flight = useFlight({
  budgets: {
    time_to_altitude: {
      metric: 'time_to_altitude', clock: 'vehicle', unit: 's', limits: { max: '10s' },
      description: 'takeoff command → within NAV_MC_ALT_RAD of MIS_TAKEOFF_ALT',
    },
  },
});

describe('first flight', () => {
  it('takes off to MIS_TAKEOFF_ALT, holds it and lands', async () => {
    const v = flight.vehicle();
    await flight.phase('arm', () => v.pilot.arm());
    await flight.phase('takeoff', () => v.pilot.takeoff());
    // The band PX4 itself calls the takeoff done in, read from the vehicle's parameters.
    const band = await takeoffBand(v);
    const held = await flight.phase('climb and hold', () =>
      reachAndHold(v.telemetry, (t) => t.altitude, band, '2s', { timeout: '30s', clock: 'vehicle', what: 'altitude', unit: 'm' }),
    );
    flight.measure('time_to_altitude', held.reached.vehicleMs! / 1000);

    // waitFor resolves with the state that met the condition.
    const hold = await waitFor(v.telemetry, (t) => t.modeName === 'Hold', { timeout: '10s', what: 'Hold after the takeoff' });
    expect(hold.snapshot.altitude).toBeGreaterThan(band.target - band.tolerance);

    await landAndDisarm(flight, v);
  });
});
