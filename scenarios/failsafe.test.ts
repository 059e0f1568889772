import { describe, expect, it } from '@jest/globals';
import { needs, useFlight, waitFor } from '../fixtures/index.js';
import { vehicleNow } from '../fixtures/analysis.js';
import { takeOff } from '../fixtures/maneuvers.js';

/**
 * Failsafes: by MAV_CMD_INJECT_FAILURE (PX4 needs SYS_FAILURE_EN = 1) where the target acts on the
 * unit — GPS loss on the built-in simulator (PX4 SIH ignores it), a battery failure through PX4's
 * battery simulator everywhere — and data-link loss by cutting the link, which every target
 * honours. PX4 first holds for COM_FAIL_ACT_T (5 s) and then takes the configured action.
 * Offboard loss is in offboard.test.ts.
 */
const flight = useFlight({
  // NAV_DLL_ACT 3: Land when the GCS link is lost for COM_DL_LOSS_T (its minimum, 5 s).
  params: { SYS_FAILURE_EN: 1, COM_LOW_BAT_ACT: 2, NAV_DLL_ACT: 3, COM_DL_LOSS_T: 5 },
  budgets: {
    failsafe_reaction: {
      metric: 'failsafe_reaction', clock: 'vehicle', unit: 's', limits: { max: '10s' }, marginal: 0.1,
      description:
        'failure injected → PX4 in its failsafe action: the failure registering (GPS: EKF2_NOAID_TOUT 5 s of dead reckoning; battery: the battery library’s 1 s voltage filter falling below BAT_CRIT_THR, under 2.7 s) + COM_FAIL_ACT_T 5 s Hold where it applies + HEARTBEAT resolution',
    },
    datalink_reaction: {
      metric: 'datalink_reaction', clock: 'vehicle', unit: 's', limits: { max: '15s' }, marginal: 0.1,
      description: 'uplink cut → PX4 in Land: its GCS heartbeat timeout (2.5–3.75 s) + COM_DL_LOSS_T 5 s + COM_FAIL_ACT_T 5 s + HEARTBEAT resolution',
    },
    failsafe_landing: {
      metric: 'failsafe_landing', clock: 'vehicle', unit: 's', limits: { max: '40s' },
      description: 'failure injected (or link cut) → on the ground and disarmed',
    },
  },
});

/** PX4's GCS heartbeat timeout (telemetry_status HEARTBEAT_TIMEOUT_US) plus its re-check period. */
const GCS_HEARTBEAT_TIMEOUT_S = 2.5 + 1.25;

describe('failsafes', () => {
  it('descends and lands when GPS is lost in flight', needs({ failureInjection: ['SENSOR_GPS'] }, async () => {
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
  }));

  it('lands on a battery failure when COM_LOW_BAT_ACT is Land', needs({ failureInjection: ['SYSTEM_BATTERY'] }, async () => {
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
  }));

  it('lands when the data link is lost (NAV_DLL_ACT Land after COM_DL_LOSS_T)', async () => {
    const v = flight.vehicle();
    // The vehicle's own timings, read from it: the test judges PX4's behaviour against them.
    const lossS = await v.pilot.params.get('COM_DL_LOSS_T');
    const holdS = await v.pilot.params.get('COM_FAIL_ACT_T');
    expect(await v.pilot.params.get('NAV_DLL_ACT')).toBe(3);
    await takeOff(flight, v, 5);
    // PX4 ends a takeoff in Hold; on a loaded host the altitude can be held before the mode shows.
    await waitFor(v.telemetry, (t) => t.modeName === 'Hold', { timeout: '10s', clock: 'vehicle', what: 'Hold after the takeoff' });
    const cut = await flight.phase('cut the uplink: nothing reaches the vehicle, telemetry still arrives', async () => {
      const restore = flight.cutLink(v, 'up');
      return { restore, at: vehicleNow(v.telemetry) };
    });
    const reaction = await flight.phase('failsafe: Land after COM_DL_LOSS_T and COM_FAIL_ACT_T', async () => {
      // Until then PX4 keeps holding where it was (a failsafe Hold first, for COM_FAIL_ACT_T).
      await waitFor(
        v.telemetry,
        (t) => {
          if (!t.armed || (t.modeName !== 'Hold' && t.modeName !== 'Land')) throw new Error(`left Hold for ${t.modeName ?? '?'}${t.armed ? '' : ', disarmed'} before Land`);
          return t.modeName === 'Land';
        },
        { timeout: (lossS + holdS + GCS_HEARTBEAT_TIMEOUT_S + 10) * 1000, clock: 'vehicle', what: 'Land after the data link was cut' },
      );
      return (vehicleNow(v.telemetry) - cut.at) / 1000;
    });
    flight.measure('datalink_reaction', reaction);
    // Not before PX4's own timeouts ran out, and not much after (its heartbeat timeout, one HEARTBEAT period).
    expect(reaction).toBeGreaterThanOrEqual(lossS + holdS);
    expect(reaction).toBeLessThanOrEqual(lossS + holdS + GCS_HEARTBEAT_TIMEOUT_S + 1.5);
    await flight.phase('touchdown and disarm', () =>
      waitFor(v.telemetry, (t) => t.landedState === 'ON_GROUND' && !t.armed, { timeout: '60s', clock: 'vehicle', what: 'landed and disarmed' }),
    );
    flight.measure('failsafe_landing', (vehicleNow(v.telemetry) - cut.at) / 1000);
    expect(v.link.counters.cutUp).toBeGreaterThan(0);
    await flight.phase('restore the link', async () => {
      cut.restore();
      // PX4 hears the GCS again: the link answers commands (a parameter read) once more.
      expect(await v.pilot.params.get('NAV_DLL_ACT')).toBe(3);
    });
  });
});
