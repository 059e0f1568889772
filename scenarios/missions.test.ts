import { describe, expect, it } from '@jest/globals';
import { useFlight, waitFor, waitForMissionItem, type MissionPlanItem } from '../fixtures/index.js';
import { horizontalDistance, vehicleNow } from '../fixtures/analysis.js';
import { takeOff } from '../fixtures/maneuvers.js';
import { fromLatLonE7, type HomeAnchor, type Vehicle } from '../src/vehicle/index.js';

/**
 * Missions as PX4 flies them (AUTO.MISSION): a survey whose legs are judged for cross-track error
 * and time, a geofence breach that must end in the action PX4 is configured with (GF_ACTION, read
 * from the vehicle), and a Return that goes to the nearest rally point instead of home.
 */

const ALT = 5;
/** A lawnmower over a 20 m × 10 m field: three passes 5 m apart. */
const SURVEY: [number, number][] = [[0, 0], [20, 0], [20, 5], [0, 5], [0, 10], [20, 10]];

const flight = useFlight({
  budgets: {
    survey_cross_track: {
      metric: 'survey_cross_track', clock: 'vehicle', unit: 'm', limits: { p95: 1.2, max: 2.0 }, minSamples: 50,
      description: 'horizontal distance from the line between two survey waypoints, on each leg clear of its ends by NAV_ACC_RAD (PX4 v1.16 SIH: p95 0.36–0.81 m, max 0.5–0.85 m)',
    },
    survey_leg_time: {
      metric: 'survey_leg_time', clock: 'vehicle', unit: 's', limits: { max: '12s' }, minSamples: 5,
      description: 'waypoint reached → next waypoint reached, 20 m and 5 m legs at MPC_XY_CRUISE (PX4 v1.16 SIH: at most 8.2–9.0 s)',
    },
    geofence_overshoot: {
      metric: 'geofence_overshoot', clock: 'vehicle', unit: 'm', limits: { max: 5 },
      description: 'farthest distance beyond the fence before GF_ACTION stopped the vehicle, crossing it at 3 m/s (PX4 v1.16 SIH: 2.9–3.2 m)',
    },
    rally_landing_error: {
      metric: 'rally_landing_error', clock: 'vehicle', unit: 'm', limits: { max: 2.0 },
      description: 'horizontal distance from the rally point where Return landed: within NAV_ACC_RAD (PX4 v1.16 SIH: 0.27–0.45 m)',
    },
  },
});

/**
 * The vehicle's horizontal track while `fly` runs, vehicle-stamped: GLOBAL_POSITION_INT mapped to
 * north/east through the HOME_POSITION the mission's waypoints were converted with (PX4 moves home
 * at arming). PX4 navigates a mission
 * on its global position; its local frame drifts against it under SIH (about 1 m), which would
 * otherwise show up as cross-track error.
 */
async function track<T>(v: Vehicle, home: HomeAnchor, fly: () => Promise<T>): Promise<{ result: T; samples: { ms: number; n: number; e: number }[] }> {
  const samples: { ms: number; n: number; e: number }[] = [];
  const off = v.telemetry.onUpdate(() => {
    const g = v.telemetry.globalPosition;
    if (!g || g.vehicleMs === samples[samples.length - 1]?.ms) return;
    const { north, east } = fromLatLonE7(home, g.lat * 1e7, g.lon * 1e7);
    samples.push({ ms: g.vehicleMs, n: north, e: east });
  });
  try {
    return { result: await fly(), samples };
  } finally {
    off();
  }
}

/** Distance from the line a→b, and how far along it (m from a). */
function lineOffset(p: { n: number; e: number }, a: [number, number], b: [number, number]): { cross: number; along: number } {
  const [dn, de] = [b[0] - a[0], b[1] - a[1]];
  const len = Math.hypot(dn, de);
  return { cross: Math.abs(dn * (p.e - a[1]) - de * (p.n - a[0])) / len, along: (dn * (p.n - a[0]) + de * (p.e - a[1])) / len };
}

/** GF_ACTION → the mode PX4's failsafe switches to (geofence_params.c). */
const GF_ACTION_MODE: Record<number, string | null> = { 0: null, 1: null, 2: 'Hold', 3: 'Return', 4: 'Termination', 5: 'Land' };

describe('missions', () => {
  it('flies a survey mission leg by leg within its cross-track and time budgets, then returns home', async () => {
    const v = flight.vehicle();
    const t = v.telemetry;
    const home = { ...t.localPosition! }; // a copy: telemetry updates its state objects in place
    const wp = SURVEY.map(([n, e]) => [home.north + n, home.east + e] as [number, number]);
    const items: MissionPlanItem[] = [
      { kind: 'takeoff', altitude: ALT },
      ...wp.map(([north, east]): MissionPlanItem => ({ kind: 'waypoint', north, east, altitude: ALT })),
      { kind: 'return' },
    ];
    const anchor = { ...t.home! }; // what uploadMission converts the waypoints with
    await flight.phase('upload the survey', async () => {
      const r = await v.pilot.uploadMission(items);
      expect(r.count).toBe(items.length);
      expect((await v.pilot.downloadMission()).map((i) => i.kind)).toEqual(items.map((i) => i.kind));
    });
    await flight.phase('arm and start the mission', async () => {
      await v.pilot.arm();
      await v.pilot.startMission();
    });
    const { samples } = await track(v, anchor, () =>
      flight.phase('fly the survey', async () => {
        // Item 0 is the takeoff: PX4 does not always report it reached when the next waypoint is
        // straight above the takeoff point, so the survey is timed from its waypoints.
        for (let seq = 1; seq <= wp.length; seq++) await waitForMissionItem(t, seq, { timeout: '60s', clock: 'vehicle' });
      }),
    );
    // Items 1..6 are the survey waypoints; a leg runs from one's arrival to the next's. PX4 calls a
    // waypoint reached within its acceptance radius (NAV_ACC_RAD) and turns there: the cross-track
    // error is judged on the straight part of each leg, clear of both ends by that radius.
    const accRad = await v.pilot.params.get('NAV_ACC_RAD');
    const reachedMs = (seq: number) => t.missionItemsReached.find((r) => r.seq === seq)!.vehicleMs;
    for (let i = 1; i < wp.length; i++) {
      const [from, to] = [reachedMs(i), reachedMs(i + 1)];
      const [a, b] = [wp[i - 1]!, wp[i]!];
      const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
      flight.measure('survey_leg_time', (to - from) / 1000);
      for (const s of samples) {
        if (s.ms <= from || s.ms > to) continue;
        const { cross, along } = lineOffset(s, a, b);
        if (along >= accRad && along <= len - accRad) flight.measure('survey_cross_track', cross);
      }
    }
    await flight.phase('return home, land and disarm', () =>
      waitFor(t, (x) => x.landedState === 'ON_GROUND' && !x.armed, { timeout: '120s', clock: 'vehicle', what: 'landed and disarmed after the mission\'s Return' }),
    );
    expect(horizontalDistance(t, t.home!.north, t.home!.east)).toBeLessThan(2.5);
  });

  it('ends a geofence breach in the action PX4 is configured with (GF_ACTION)', async () => {
    const v = flight.vehicle();
    const t = v.telemetry;
    const action = await v.pilot.params.get('GF_ACTION');
    const expected = GF_ACTION_MODE[action];
    if (expected === undefined) throw new Error(`GF_ACTION ${action} is not one PX4 v1.16 defines`);
    const p0 = { ...t.localPosition! };
    const RADIUS = 15;
    await flight.phase('upload a 15 m circular inclusion fence around the vehicle', () =>
      v.pilot.uploadGeofence([{ kind: 'circle', inclusion: true, north: p0.north, east: p0.east, radius: RADIUS }]),
    );
    await takeOff(flight, v, ALT);
    // PX4 refuses a reposition outside the fence ("Reposition is outside geofence"): only a mode
    // that does not ask the navigator, Offboard, can carry the vehicle across it.
    let farthest = 0;
    let leftOffboardAt: number | null = null;
    const off = t.onUpdate(() => {
      const d = horizontalDistance(t, p0.north, p0.east);
      farthest = Math.max(farthest, d);
      if (leftOffboardAt === null && farthest > 1 && t.modeName !== 'Offboard') leftOffboardAt = d;
    });
    try {
      await flight.phase('fly north in Offboard at 3 m/s, across the fence', async () => {
        await v.pilot.startOffboard({ type: 'velocity', vn: 3, ve: 0, vd: 0 });
      });
      if (expected === null) {
        // Warning only (or none): PX4 keeps flying.
        await waitFor(t, (x) => horizontalDistance(x, p0.north, p0.east) > RADIUS + 2, { timeout: '30s', clock: 'vehicle', what: 'past the fence (GF_ACTION warns only)' });
      } else {
        await flight.phase(`breach → ${expected}`, () =>
          waitFor(t, (x) => x.modeName === expected, { timeout: '30s', clock: 'vehicle', what: `${expected} after the breach (GF_ACTION ${action})`, describe: (x) => `mode ${x.modeName}, ${horizontalDistance(x, p0.north, p0.east).toFixed(1)} m from the fence's centre` }),
        );
        await v.pilot.stopOffboard();
        // It left Offboard at the fence, not before: the breach switched it.
        expect(leftOffboardAt).toBeGreaterThan(RADIUS - 1);
        if (expected === 'Hold') {
          await waitFor(t, (x) => Math.hypot(x.localPosition!.vn, x.localPosition!.ve) < 0.3, { timeout: '20s', clock: 'vehicle', what: 'stopped in Hold' });
        }
      }
    } finally {
      off();
      await v.pilot.stopOffboard();
    }
    flight.measure('geofence_overshoot', Math.max(0, farthest - RADIUS));
    await flight.phase('land and disarm', async () => {
      if (t.modeName !== 'Land' && t.armed) await v.pilot.land();
      await waitFor(t, (x) => x.landedState === 'ON_GROUND' && !x.armed, { timeout: '90s', clock: 'vehicle', what: 'landed and disarmed' });
    });
  });

  it('returns to the nearest rally point, not home', async () => {
    const v = flight.vehicle();
    const t = v.telemetry;
    const p0 = { ...t.localPosition! };
    const rally = { north: p0.north + 25, east: p0.east + 10, altitude: ALT };
    await flight.phase('upload a rally point and a mission that flies past it and returns', async () => {
      await v.pilot.uploadRally([rally]);
      await v.pilot.uploadMission([
        { kind: 'takeoff', altitude: ALT },
        { kind: 'waypoint', north: p0.north + 30, east: p0.east + 10, altitude: ALT },
        { kind: 'return' },
      ]);
    });
    await flight.phase('arm and start the mission', async () => {
      await v.pilot.arm();
      await v.pilot.startMission();
    });
    const start = vehicleNow(t);
    await flight.phase('fly out and return', async () => {
      await waitForMissionItem(t, 1, { timeout: '60s', clock: 'vehicle' });
      await waitFor(t, (x) => x.modeName === 'Return' || x.mission?.seq === 2, { timeout: '20s', clock: 'vehicle', what: 'the mission\'s Return' });
      await waitFor(t, (x) => x.landedState === 'ON_GROUND' && !x.armed, {
        timeout: '120s', clock: 'vehicle', what: 'landed and disarmed after Return',
        describe: (x) => `mode ${x.modeName}, ${x.landedState}, altitude ${x.altitude?.toFixed(1)} m, ${horizontalDistance(x, rally.north, rally.east).toFixed(1)} m from the rally point, ${horizontalDistance(x, p0.north, p0.east).toFixed(1)} m from home`,
      });
    });
    flight.record('rally_return_s', (vehicleNow(t) - start) / 1000);
    const toRally = horizontalDistance(t, rally.north, rally.east);
    flight.measure('rally_landing_error', toRally);
    expect(horizontalDistance(t, p0.north, p0.east)).toBeGreaterThan(15); // not home
  });
});
