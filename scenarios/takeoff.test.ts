import { describe, it } from '@jest/globals';
import { useFlight, reachAndHold } from '../fixtures/index.js';
import { maxAltitudeSince, vehicleNow } from '../fixtures/analysis.js';
import { takeoffBand } from '../fixtures/vehicle-params.js';

/**
 * Takeoff as PX4 flies it: spool-up (COM_SPOOLUP_TIME), a takeoff ramp (MPC_TKO_RAMP_T), a climb
 * at up to MPC_TKO_SPEED, and Hold once within NAV_MC_ALT_RAD of the target. Target and
 * tolerance are the vehicle's own parameters, read at run time.
 */
const flight = useFlight({
  budgets: {
    command_ack: {
      metric: 'command_ack_latency', clock: 'system', unit: 'ms',
      limits: { p50: '100ms', max: '200ms' }, marginal: 0.2, minSamples: 2,
      // The built-in simulator answers within its step, but its vehicle time runs up to 100 ms
      // ahead of the client (lockstep lead) while a command is on its way.
      description: 'COMMAND_LONG sent → COMMAND_ACK: real PX4 on the host clock; a simulated vehicle its own answering time on the vehicle clock',
    },
    time_to_altitude: {
      metric: 'time_to_altitude', clock: 'vehicle', unit: 's',
      limits: { max: '8s' }, marginal: 0.15,
      description: 'armed → within NAV_MC_ALT_RAD of MIS_TAKEOFF_ALT (PX4 SIH: 4.5–6 s of spool-up, ramp and climb)',
    },
    overshoot: {
      metric: 'altitude_overshoot', clock: 'vehicle', unit: 'm',
      limits: { max: 0.5 }, marginal: 0.2,
      description: 'highest altitude above the takeoff altitude while climbing and holding',
    },
    // The stack itself, where the target runs it as processes or containers (judged there, and
    // said to be not judged on the built-in simulator). Limits from PX4 v1.16 SITL and the XRCE
    // agent v2.4 measured on a loaded 2-core x86 host, with the margin each description gives.
    px4_memory: {
      metric: 'memory_mib:px4', clock: 'host', unit: 'MiB', limits: { max: 16 },
      description: 'PX4 SITL\'s resident memory (measured 8.6–8.9 MiB as a process, 4–5 MiB as a container\'s working set): twice that is a leak',
    },
    px4_cpu: {
      metric: 'cpu_percent:px4', clock: 'host', unit: '%', limits: { p95: 90 },
      description: 'PX4 SITL\'s CPU (100 = one core) at the run\'s speed factor: 18–26 % at 1×, 47–61 % at 4×; past 90 % it cannot keep its lockstep pace',
    },
    agent_memory: {
      metric: 'memory_mib:xrce-agent', clock: 'host', unit: 'MiB', limits: { max: 32 },
      description: 'the Micro XRCE-DDS agent\'s working set (measured 12.1–12.2 MiB with PX4\'s topics; DroneOS reports 32 MiB on its Pi, within its 128 MB limit)',
    },
    px4_ready: {
      metric: 'ready_s:px4', clock: 'host', unit: 's', limits: { max: '10s' },
      description: 'PX4 started → its first HEARTBEAT (measured 1.1–2.2 s)',
    },
    agent_ready: {
      metric: 'ready_s:xrce-agent', clock: 'host', unit: 's', limits: { max: '10s' },
      description: 'agent started → its "session established" line with PX4 (DroneOS waits for it before drone_core)',
    },
  },
});

describe('takeoff', () => {
  it('climbs to MIS_TAKEOFF_ALT and holds it in Hold', async () => {
    const { pilot, telemetry } = flight.vehicle();
    const band = await takeoffBand(flight.vehicle());
    const armedAt = await flight.phase('arm', async () => {
      await pilot.arm();
      return vehicleNow(telemetry);
    });
    await flight.phase('takeoff command', () => pilot.takeoff());
    const climbFrom = vehicleNow(telemetry);
    const held = await flight.phase(`climb to ${band.target}±${band.tolerance.toFixed(2)} m and hold`, () =>
      reachAndHold(telemetry, (t) => t.altitude, band, '3s', {
        timeout: '20s', clock: 'vehicle', what: 'altitude', unit: 'm',
      }),
    );
    await flight.phase('settle in Hold', () =>
      reachAndHold(telemetry, (t) => (t.modeName === 'Hold' ? 1 : 0), { min: 1, max: 1 }, '1s', { timeout: '10s', clock: 'vehicle', what: 'Hold mode' }),
    );
    flight.measure('time_to_altitude', (climbFrom + held.reached.vehicleMs! - armedAt) / 1000);
    flight.measure('altitude_overshoot', Math.max(0, maxAltitudeSince(telemetry, armedAt) - band.target));
  });

  it('takes off to a commanded altitude', async () => {
    const v = flight.vehicle();
    const band = await takeoffBand(v, 5);
    await flight.phase('arm', () => v.pilot.arm());
    await flight.phase('takeoff to 5 m', () => v.pilot.takeoff(5));
    await flight.phase('climb and hold', () =>
      reachAndHold(v.telemetry, (t) => t.altitude, band, '3s', { timeout: '20s', clock: 'vehicle', what: 'altitude', unit: 'm' }),
    );
  });
});
