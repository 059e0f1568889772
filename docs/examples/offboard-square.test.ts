import { describe, expect, it } from '@jest/globals';
import { horizontalDistance, reachPosition, takeOff, useFlight, waitFor } from '../../fixtures/index.js';

const ALT = 5;

const flight = useFlight({
  // Set before the first test, confirmed by the vehicle: offboard loss → Hold after 1 s.
  params: { COM_OF_LOSS_T: 1, COM_OBL_RC_ACT: 5 },
  budgets: {
    corner_error: {
      metric: 'corner_error', clock: 'vehicle', unit: 'm', limits: { max: 0.5 }, minSamples: 4,
      description: 'horizontal distance from each corner once the vehicle holds there',
    },
  },
});

describe('offboard square', () => {
  it('flies a 10 m square on position setpoints', async () => {
    const v = flight.vehicle();
    await takeOff(flight, v, ALT);
    // Setpoints and localPosition share one frame: local NED metres from PX4's EKF origin.
    const start = { ...v.telemetry.localPosition! };
    await flight.phase('enter offboard', () => v.pilot.startOffboard({ type: 'position', north: start.north, east: start.east, down: start.down }));
    for (const [n, e] of [[10, 0], [10, 10], [0, 10], [0, 0]] as const) {
      const [north, east] = [start.north + n, start.east + e];
      await flight.phase(`corner (${n}, ${e})`, async () => {
        v.pilot.setSetpoint({ type: 'position', north, east, down: start.down });
        await reachPosition(v, north, east, start.down, { tolerance: 0.5, holdFor: '1s' });
      });
      flight.measure('corner_error', horizontalDistance(v.telemetry, north, east));
    }
    // Stop streaming: PX4 leaves Offboard for Hold after COM_OF_LOSS_T.
    await v.pilot.stopOffboard();
    const left = await flight.phase('offboard loss', () =>
      waitFor(v.telemetry, (t) => t.modeName === 'Hold', { timeout: '5s', what: 'Hold after the stream stopped' }),
    );
    // Still flying: Hold keeps the vehicle where the stream left it.
    expect(left.snapshot.mode?.armed).toBe(true);
  });
});
