import { describe, it } from '@jest/globals';
import { reachAndHold, useFlight, waitFor } from '../fixtures/index.js';
import { vehicleNow } from '../fixtures/analysis.js';
import { crossTrackErrors, firstResponse, reachPosition, takeOff } from '../fixtures/maneuvers.js';
import type { NedPoint, Vehicle } from '../src/vehicle/index.js';

const ALT = 5;
const SIDE = 10;
/** A silence in PX4's position stream as long as setpoint_to_motion's own limit (vehicle ms). */
const STREAM_STALL_MS = 500;

const flight = useFlight({
  // COM_OBL_RC_ACT 5: offboard loss → Hold. The default (Position) needs RC sticks: without them
  // PX4 v1.16 descends and lands while showing Position, which a companion-computer setup never wants.
  params: { COM_OF_LOSS_T: 1, COM_OBL_RC_ACT: 5 },
  budgets: {
    tracking_error: {
      metric: 'tracking_error', clock: 'vehicle', unit: 'm', limits: { p95: 1.5, max: 2.5 }, marginal: 0.2, minSamples: 50,
      description: 'distance from the straight path between consecutive offboard setpoints',
    },
    setpoint_to_motion: {
      metric: 'setpoint_to_motion', clock: 'vehicle', unit: 'ms', limits: { p50: '350ms', max: '500ms' }, marginal: 0.2, minSamples: 4,
      description: 'new setpoint sent → velocity toward it exceeds 0.3 m/s, from the vehicle time estimated at the send (latest stamp + host time since × the clock rate), 6 setpoints; a sample during which PX4 sent no position for 500 ms (starved by the host) is recorded, not judged; PX4 v1.16 SIH: p50 225–245 ms at speed 1 and 4',
    },
    mode_switch: {
      metric: 'offboard_switch_time', clock: 'vehicle', unit: 'ms', limits: { max: '1.2s' },
      description: 'DO_SET_MODE OFFBOARD sent → HEARTBEAT reports Offboard (HEARTBEAT is 1 Hz)',
    },
    offboard_loss: {
      metric: 'offboard_loss_exit', clock: 'vehicle', unit: 's', limits: { min: { atLeast: '1s' }, max: '2.2s' },
      description: 'setpoints stop → HEARTBEAT no longer Offboard: COM_OF_LOSS_T (1 s) + up to one HEARTBEAT period + 0.2 s',
    },
  },
});

/**
 * One setpoint_to_motion sample. Where PX4's position stream fell silent for as long as the
 * budget's limit while it was taken, its MAVLink threads went unscheduled on a loaded host (the
 * simulation ran on) and the sample measures the host: recorded and said, not judged.
 */
async function measureResponse(v: Vehicle, direction: NedPoint): Promise<void> {
  const r = await firstResponse(v, direction);
  if (r.streamGapMs < STREAM_STALL_MS) return flight.measure('setpoint_to_motion', r.ms);
  flight.record('setpoint_to_motion_host_stalled', r.ms, { note: `PX4 sent no position for ${r.streamGapMs} ms of vehicle time` });
  process.stderr.write(`offboard: setpoint_to_motion ${r.ms} ms not judged: PX4 sent no position for ${r.streamGapMs} ms of vehicle time while it was measured (its MAVLink threads starved by the host)\n`);
}

describe('offboard control', () => {
  it('switches to offboard only with a live setpoint stream', async () => {
    const v = flight.vehicle();
    await takeOff(flight, v);
    await flight.phase('offboard without setpoints is refused', async () => {
      const refused = await v.pilot.setMode('Offboard').then(
        () => null,
        (err: Error) => err,
      );
      if (!refused) throw new Error('PX4 accepted OFFBOARD without a setpoint stream');
      if (refused.name !== 'CommandDenied') throw refused;
    });
    await flight.phase('offboard with a setpoint stream', async () => {
      const p = v.telemetry.localPosition!;
      // Resolves once HEARTBEAT shows Offboard: its effect time is the switch as PX4 reports it.
      const switched = await v.pilot.startOffboard({ type: 'position', north: p.north, east: p.east, down: -ALT });
      if (v.telemetry.modeName !== 'Offboard') throw new Error(`startOffboard resolved in ${v.telemetry.modeName}, not Offboard`);
      if (switched.effectVehicleMs == null) throw new Error('startOffboard did not say when the switch showed in HEARTBEAT');
      flight.measure('offboard_switch_time', switched.effectVehicleMs);
    });
  });

  it('flies a square and an altitude step', async () => {
    const v = flight.vehicle();
    await takeOff(flight, v);
    await flight.phase('enter offboard', async () => {
      await v.pilot.startOffboard({ type: 'position', north: 0, east: 0, down: -ALT });
      await reachPosition(v, 0, 0, -ALT);
    });
    const corner = (north: number, east: number): NedPoint => ({ north, east, down: -ALT });
    const corners = [corner(SIDE, 0), corner(SIDE, SIDE), corner(0, SIDE), corner(0, 0)];
    let from = corner(0, 0);
    for (const to of corners) {
      await flight.phase(`leg to (${to.north}, ${to.east})`, async () => {
        const errors = await crossTrackErrors(v, from, to, async () => {
          v.pilot.setSetpoint({ type: 'position', ...to });
          const len = Math.hypot(to.north - from.north, to.east - from.east);
          await measureResponse(v, { north: (to.north - from.north) / len, east: (to.east - from.east) / len, down: 0 });
          await reachPosition(v, to.north, to.east, to.down);
        });
        for (const e of errors) flight.measure('tracking_error', e);
      });
      from = to;
    }
    await flight.phase('altitude step up 3 m', async () => {
      v.pilot.setSetpoint({ type: 'position', north: 0, east: 0, down: -(ALT + 3) });
      await measureResponse(v, { north: 0, east: 0, down: -1 });
      await reachPosition(v, 0, 0, -(ALT + 3));
    });
    await flight.phase('altitude step down 3 m', async () => {
      v.pilot.setSetpoint({ type: 'position', north: 0, east: 0, down: -ALT });
      await measureResponse(v, { north: 0, east: 0, down: 1 });
      await reachPosition(v, 0, 0, -ALT);
    });
  });

  it('leaves offboard for Hold when the setpoint stream stops (COM_OF_LOSS_T, COM_OBL_RC_ACT)', async () => {
    const v = flight.vehicle();
    await takeOff(flight, v);
    await flight.phase('offboard hover', async () => {
      await v.pilot.startOffboard({ type: 'position', north: 0, east: 0, down: -ALT });
      await waitFor(v.telemetry, (t) => t.modeName === 'Offboard', { timeout: '3s', clock: 'vehicle', what: 'Offboard' });
      await reachPosition(v, 0, 0, -ALT);
    });
    await flight.phase('stop the stream', async () => {
      await v.pilot.stopOffboard();
      // From the last setpoint sent (PX4 counts COM_OF_LOSS_T from its arrival), not from the
      // telemetry last seen: that may be up to a stream period later, and read as a short loss.
      const stoppedAt = v.pilot.lastSetpointVehicleMs ?? vehicleNow(v.telemetry);
      await waitFor(v.telemetry, (t) => t.modeName !== 'Offboard', { timeout: '5s', clock: 'vehicle', what: 'PX4 leaving Offboard after setpoint loss' });
      flight.measure('offboard_loss_exit', (vehicleNow(v.telemetry) - stoppedAt) / 1000);
    });
    // The hover setpoint is local NED (down = −5 m), and SIH's estimate of the ground drifts about 1 m
    // from home: the height above home it hovered at is whatever it had when the stream stopped.
    const had = v.telemetry.altitude!;
    await flight.phase('failsafe: Hold at the altitude it had', async () => {
      await waitFor(v.telemetry, (t) => t.modeName === 'Hold', { timeout: '2s', clock: 'vehicle', what: 'Hold (COM_OBL_RC_ACT 5)' });
      await reachAndHold(v.telemetry, (t) => (t.armed ? t.altitude : null), { target: had, tolerance: 1 }, '3s', { timeout: '5s', clock: 'vehicle', what: `armed, holding near the ${had.toFixed(1)} m it had when the failsafe began`, unit: 'm' });
    });
  });
});
