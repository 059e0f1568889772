import { describe, it } from '@jest/globals';
import { useFlight, waitFor } from '../fixtures/index.js';
import { vehicleNow } from '../fixtures/analysis.js';
import { takeOff } from '../fixtures/maneuvers.js';

/**
 * Failsafes provoked by MAV_CMD_INJECT_FAILURE (PX4 needs SYS_FAILURE_EN = 1). PX4 first holds for
 * COM_FAIL_ACT_T (5 s) and then takes the configured action.
 */
const flight = useFlight({
  params: { SYS_FAILURE_EN: 1, COM_LOW_BAT_ACT: 2 },
  budgets: {
    failsafe_reaction: {
      metric: 'failsafe_reaction', clock: 'vehicle', unit: 's', limits: { max: '7s' }, marginal: 0.15,
      description: 'failure injected → PX4 in its failsafe action (COM_FAIL_ACT_T 5 s + HEARTBEAT resolution)',
    },
    failsafe_landing: {
      metric: 'failsafe_landing', clock: 'vehicle', unit: 's', limits: { max: '40s' },
      description: 'failure injected → on the ground and disarmed',
    },
  },
});

describe('failsafes', () => {
  it('descends and lands when GPS is lost in flight', async () => {
    const v = flight.vehicle();
    await takeOff(flight, v, 5);
    const injected = vehicleNow(v.telemetry);
    await flight.phase('inject GPS loss', () => v.pilot.injectFailure('SENSOR_GPS', 'OFF'));
    await flight.phase('failsafe: land without position', async () => {
      await waitFor(v.telemetry, (t) => t.modeName === 'Land', { timeout: '10s', clock: 'vehicle', what: 'Land (Descend) after GPS loss' });
      flight.measure('failsafe_reaction', (vehicleNow(v.telemetry) - injected) / 1000);
    });
    await flight.phase('touchdown and disarm', () =>
      waitFor(v.telemetry, (t) => t.landedState === 'ON_GROUND' && !t.armed, { timeout: '60s', clock: 'vehicle', what: 'landed and disarmed' }),
    );
    flight.measure('failsafe_landing', (vehicleNow(v.telemetry) - injected) / 1000);
    await flight.phase('restore GPS', () => v.pilot.injectFailure('SENSOR_GPS', 'OK'));
  });

  it('lands on a battery failure when COM_LOW_BAT_ACT is Land', async () => {
    const v = flight.vehicle();
    await takeOff(flight, v, 5);
    const injected = vehicleNow(v.telemetry);
    await flight.phase('inject battery failure', () => v.pilot.injectFailure('SYSTEM_BATTERY', 'OFF'));
    await flight.phase('battery reported empty', () =>
      waitFor(v.telemetry, (t) => (t.battery?.remaining ?? 100) < 10, { timeout: '5s', clock: 'vehicle', what: 'battery remaining below 10 %' }),
    );
    await flight.phase('failsafe: land', async () => {
      await waitFor(v.telemetry, (t) => t.modeName === 'Land', { timeout: '10s', clock: 'vehicle', what: 'Land after battery failure' });
      flight.measure('failsafe_reaction', (vehicleNow(v.telemetry) - injected) / 1000);
    });
    await flight.phase('touchdown and disarm', () =>
      waitFor(v.telemetry, (t) => t.landedState === 'ON_GROUND' && !t.armed, { timeout: '60s', clock: 'vehicle', what: 'landed and disarmed' }),
    );
    flight.measure('failsafe_landing', (vehicleNow(v.telemetry) - injected) / 1000);
    await flight.phase('restore battery', () => v.pilot.injectFailure('SYSTEM_BATTERY', 'OK'));
  });
});
