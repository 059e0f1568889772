/**
 * The same flight at speed factors 1, 10 and 'max' gives the same vehicle-clock durations: the
 * simulator's behaviour does not depend on how fast the host runs it. Each run is flown through
 * the MAVLink client over UDP on 127.0.0.1: arm → takeoff → hold → offboard → stream stopped →
 * land → auto-disarm (about 14 s of vehicle time, so speed 1 takes about that long).
 * Instances 70–72 (API ports 14650–14652).
 */
import { describe, expect, it } from '@jest/globals';
import type { Speed } from '../../sitl/sim/index.js';
import { reachAndHold, waitFor } from '../../src/vehicle/index.js';
import { CONTROL_PERIOD_MS, mid, observeEveryStep, startFlight, trackSetpointSends, transition } from './harness.js';

interface Durations {
  /** Takeoff mode entered → altitude first within 0.3 m of MIS_TAKEOFF_ALT. */
  timeToAltitudeMs: number;
  /**
   * Last setpoint transmitted → Offboard left, as the client alone can measure it: the send is
   * stamped with the vehicle time the client had seen, which lags the vehicle by the host's
   * delivery latency × the speed factor, so this reads long by that lag.
   */
  offboardLossExitMs: number;
  /** Vehicle time between the client's stamp of the last setpoint and the model receiving it. */
  uplinkLagMs: number;
  /** Model's receipt of the last setpoint → Offboard left (exact): the range given the brackets. */
  offboardLossExitExactMs: number;
  offboardLossExitExactRange: [number, number];
  /** Land mode entered → disarmed. */
  timeToDisarmMs: number;
  /** Host seconds the flight took. */
  hostS: number;
  /** Vehicle time / host time over the flight. */
  realtimeFactor: number;
}

const TOLERANCE = 0.05;
const results = new Map<string, Durations>();

async function flySequence(instance: number, speed: Speed): Promise<Durations> {
  const f = await startFlight({ instance, speed });
  try {
    await observeEveryStep(f.pilot);
    const host0 = performance.now();
    const vehicle0 = f.now();
    await f.pilot.arm();
    const takeoffSeen = transition(f.telemetry, (t) => t.modeName === 'Takeoff', { timeout: '2s', clock: 'vehicle', what: 'Takeoff' });
    await f.pilot.takeoff();
    const takeoff = await takeoffSeen;
    const reached = await transition(f.telemetry, (t) => (t.altitude ?? 0) >= 2.2, { timeout: '15s', clock: 'vehicle', what: 'altitude ≥ 2.2 m' });
    await reachAndHold(f.telemetry, (t) => t.altitude, { target: 2.5, tolerance: 0.3 }, '1s', { timeout: '10s', clock: 'vehicle', what: 'altitude', unit: 'm' });

    await f.pilot.startOffboard();
    await waitFor(f.telemetry, (t) => t.modeName === 'Offboard', { timeout: '1s', clock: 'vehicle', what: 'Offboard' });
    const sends = trackSetpointSends(f);
    await waitFor(f.telemetry, () => sends.lastMs !== null, { timeout: '1s', clock: 'vehicle', what: 'a tracked setpoint transmission' });
    await f.pilot.stopOffboard();
    sends.stop();
    const exit = await transition(f.telemetry, (t) => t.modeName !== 'Offboard', { timeout: '3s', clock: 'vehicle', what: 'leaving Offboard' });
    const receivedMs = f.rt.model.state().offboardSetpoint!.timeUs / 1000;

    const landSeen = transition(f.telemetry, (t) => t.modeName === 'Land', { timeout: '2s', clock: 'vehicle', what: 'Land' });
    await f.pilot.land();
    const land = await landSeen;
    const disarmed = await transition(f.telemetry, (t) => !t.armed, { timeout: '15s', clock: 'vehicle', what: 'disarmed' });
    const hostS = (performance.now() - host0) / 1000;
    return {
      timeToAltitudeMs: mid(reached) - mid(takeoff),
      offboardLossExitMs: mid(exit) - sends.lastMs!,
      uplinkLagMs: receivedMs - sends.lastMs!,
      offboardLossExitExactMs: mid(exit) - receivedMs,
      offboardLossExitExactRange: [exit.fromMs - receivedMs, exit.toMs - receivedMs],
      timeToDisarmMs: mid(disarmed) - mid(land),
      hostS,
      realtimeFactor: (f.now() - vehicle0) / 1000 / hostS,
    };
  } finally {
    await f.close();
  }
}

describe('sim acceptance: the same durations at speed 1, 10 and max (instances 70–72)', () => {
  const runs: [Speed, number][] = [[1, 70], [10, 71], ['max', 72]];
  for (const [speed, instance] of runs) {
    it(`flies the sequence at speed ${speed}`, async () => {
      const d = await flySequence(instance, speed);
      results.set(String(speed), d);
      // Physically sensible on its own: spool-up + ramp + 2.2 m at ≤ 1.5 m/s (PX4 v1.16 SIH: about
      // 8 s, the last half metre in Hold's slow approach); COM_OF_LOSS_T; 2.5 m at MPC_LAND_SPEED
      // and MPC_LAND_CRWL + land detection + COM_DISARM_LAND (PX4 v1.16 SIH: 10–12 s).
      expect(d.timeToAltitudeMs).toBeGreaterThan(2200 / 1.5);
      expect(d.timeToAltitudeMs).toBeLessThan(11_000);
      // COM_OF_LOSS_T after the last setpoint arrived, within one control period.
      expect(d.offboardLossExitExactRange[1]).toBeGreaterThanOrEqual(1000);
      expect(d.offboardLossExitExactRange[0]).toBeLessThanOrEqual(1000 + CONTROL_PERIOD_MS);
      // Seen from the client the exit is never early; it reads late by the uplink lag.
      expect(d.uplinkLagMs).toBeGreaterThanOrEqual(0);
      expect(d.offboardLossExitMs).toBeGreaterThanOrEqual(1000 - CONTROL_PERIOD_MS);
      expect(d.offboardLossExitMs).toBeLessThanOrEqual(1100);
      expect(d.timeToDisarmMs).toBeGreaterThan(2500 / 0.7 + 2000);
      expect(d.timeToDisarmMs).toBeLessThan(14_000);
      if (speed !== 'max') {
        // The scheduler kept up with the factor (vehicle time / host time over the whole flight).
        // Loose: a loaded CI host may fall behind a little; a broken scheduler falls far behind.
        expect(d.realtimeFactor).toBeGreaterThan(0.75 * speed);
        expect(d.realtimeFactor).toBeLessThan(1.05 * speed);
      } else {
        expect(d.realtimeFactor).toBeGreaterThan(10);
      }
    }, 40_000);
  }

  it(`agrees within ${TOLERANCE * 100} % across speed factors`, () => {
    const ref = results.get('1');
    if (!ref || results.size !== runs.length) throw new Error(`runs missing: have ${[...results.keys()].join(', ') || 'none'}`);
    // What the vehicle did, on its own clock. The client-stamped offboard-loss reading is not
    // compared: its lag scales with the speed factor by construction (see uplinkLagMs).
    const keys = ['timeToAltitudeMs', 'offboardLossExitExactMs', 'timeToDisarmMs'] as const;
    const table = [...results].map(([speed, d]) => ({
      speed, ...Object.fromEntries(keys.map((k) => [k, Math.round(d[k])])),
      clientLossExitMs: Math.round(d.offboardLossExitMs), uplinkLagMs: d.uplinkLagMs, rtf: Number(d.realtimeFactor.toFixed(1)),
    }));
    for (const [speed, d] of results) {
      for (const k of keys) {
        const rel = Math.abs(d[k] - ref[k]) / ref[k];
        expect({ speed, metric: k, within: rel <= TOLERANCE, rel: Number(rel.toFixed(4)), table }).toMatchObject({ speed, metric: k, within: true });
      }
    }
  });
});
