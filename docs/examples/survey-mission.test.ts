import { describe, expect, it } from '@jest/globals';
import { horizontalDistance, useFlight, waitFor, waitForMissionItem, type MissionPlanItem } from '../../fixtures/index.js';

const flight = useFlight();

describe('survey mission', () => {
  it('flies an uploaded mission item by item and returns home', async () => {
    const v = flight.vehicle();
    const t = v.telemetry;
    const home = { ...t.localPosition! };
    // Waypoints in the pilot's frame: north/east local NED, altitude above home.
    const items: MissionPlanItem[] = [
      { kind: 'takeoff', altitude: 5 },
      { kind: 'waypoint', north: home.north + 15, east: home.east, altitude: 5 },
      { kind: 'waypoint', north: home.north + 15, east: home.east + 5, altitude: 5 },
      { kind: 'return' },
    ];
    await flight.phase('upload', async () => {
      await v.pilot.uploadMission(items);
      // What the vehicle stored, converted back.
      expect((await v.pilot.downloadMission()).map((i) => i.kind)).toEqual(['takeoff', 'waypoint', 'waypoint', 'return']);
    });
    await flight.phase('start', async () => {
      await v.pilot.arm();
      await v.pilot.startMission();
    });
    await flight.phase('waypoints', async () => {
      for (const seq of [1, 2]) await waitForMissionItem(t, seq, { timeout: '60s' });
    });
    await flight.phase('return, land and disarm', () =>
      waitFor(t, (x) => x.landedState === 'ON_GROUND' && !x.armed, { timeout: '120s', what: 'landed and disarmed after Return' }),
    );
    expect(horizontalDistance(t, t.home!.north, t.home!.east)).toBeLessThan(2.5);
  });
});
