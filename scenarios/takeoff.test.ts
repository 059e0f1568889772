import { describe, it } from '@jest/globals';
import { useFlight, reachAndHold } from '../fixtures/index.js';
import { maxSince, vehicleNow } from '../fixtures/analysis.js';

/** PX4 default MIS_TAKEOFF_ALT. */
const TAKEOFF_ALT = 2.5;

const flight = useFlight({
  budgets: {
    command_ack: {
      metric: 'command_ack_latency', clock: 'host', unit: 'ms',
      limits: { p50: '50ms', max: '200ms' }, marginal: 0.2, minSamples: 2,
      description: 'COMMAND_LONG sent → COMMAND_ACK received',
    },
    time_to_altitude: {
      metric: 'time_to_altitude', clock: 'vehicle', unit: 's',
      limits: { max: '8s' }, marginal: 0.15,
      description: 'arm → within 0.3 m of the takeoff altitude (spool-up, ramp and climb)',
    },
    overshoot: {
      metric: 'altitude_overshoot', clock: 'vehicle', unit: 'm',
      limits: { max: 0.5 }, marginal: 0.2,
      description: 'highest altitude above the takeoff altitude while climbing and holding',
    },
  },
});

describe('takeoff', () => {
  it('climbs to MIS_TAKEOFF_ALT and holds it in Hold', async () => {
    const { pilot, telemetry } = flight.vehicle();
    const armedAt = await flight.phase('arm', async () => {
      await pilot.arm();
      return vehicleNow(telemetry);
    });
    await flight.phase('takeoff command', () => pilot.takeoff());
    const climbFrom = vehicleNow(telemetry);
    const held = await flight.phase('climb and hold', () =>
      reachAndHold(telemetry, (t) => t.altitude, { target: TAKEOFF_ALT, tolerance: 0.3 }, '3s', {
        timeout: '20s', clock: 'vehicle', what: 'altitude', unit: 'm',
      }),
    );
    await flight.phase('settle in Hold', () =>
      reachAndHold(telemetry, (t) => (t.modeName === 'Hold' ? 1 : 0), { min: 1, max: 1 }, '1s', { timeout: '10s', clock: 'vehicle', what: 'Hold mode' }),
    );
    flight.measure('time_to_altitude', (climbFrom + held.reached.vehicleMs! - armedAt) / 1000);
    flight.measure('altitude_overshoot', Math.max(0, maxSince(telemetry, 'z', armedAt, -1) - TAKEOFF_ALT));
  });

  it('takes off to a commanded altitude', async () => {
    const { pilot, telemetry } = flight.vehicle();
    await flight.phase('arm', () => pilot.arm());
    await flight.phase('takeoff to 5 m', () => pilot.takeoff(5));
    await flight.phase('climb and hold', () =>
      reachAndHold(telemetry, (t) => t.altitude, { target: 5, tolerance: 0.3 }, '3s', { timeout: '20s', clock: 'vehicle', what: 'altitude', unit: 'm' }),
    );
  });
});
