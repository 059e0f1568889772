import { describe, expect, it } from '@jest/globals';
import { fenceToWire, missionFromWire, missionToWire, rallyToWire, type HomeAnchor, type MissionPlanItem } from '../../src/vehicle/mission-plan.js';

/** Mapping logic only (no vehicle): what the pilot turns a plan into, and back. */
const HOME: HomeAnchor = { lat: 47.397742, lon: 8.545594, alt: 488, north: 1.5, east: -0.5, down: -0.2 };

describe('mission plans → MISSION_ITEM_INT', () => {
  it('puts waypoints at home + (north, east) in degE7, altitude above home, in GLOBAL_RELATIVE_ALT_INT', () => {
    const [takeoff, wp] = missionToWire([{ kind: 'takeoff', altitude: 5 }, { kind: 'waypoint', north: 1.5 + 100, east: -0.5, altitude: 7, holdS: 2, acceptanceRadiusM: 1 }], HOME);
    expect(takeoff).toMatchObject({ command: 22, frame: 6, z: 5, x: 473977420, y: 85455940 });
    // 100 m north is 100 / 6371000 rad of latitude.
    expect(wp!.x - 473977420).toBe(Math.round(((100 / 6_371_000) * 180) / Math.PI * 1e7));
    expect(wp).toMatchObject({ command: 16, frame: 6, y: 85455940, z: 7, param1: 2, param2: 1 });
    expect(Number.isNaN(wp!.param4)).toBe(true); // no yaw: PX4 keeps its own
  });

  it('sends yaw in degrees, as PX4 reads param4 (math::radians), and reads it back in radians', () => {
    const [wp] = missionToWire([{ kind: 'waypoint', north: 0, east: 0, altitude: 5, yaw: Math.PI / 2 }], HOME);
    expect(wp!.param4).toBeCloseTo(90, 10);
    const [back] = missionFromWire([wp!], HOME);
    expect(back).toMatchObject({ kind: 'waypoint', yaw: expect.closeTo(Math.PI / 2, 10) });
  });

  it('round-trips every kind through the wire form', () => {
    const plan: MissionPlanItem[] = [
      { kind: 'takeoff', altitude: 4 },
      { kind: 'speed', speed: 3 },
      { kind: 'waypoint', north: 20, east: -10, altitude: 6, holdS: 1 },
      { kind: 'loiter', north: 25, east: 5, altitude: 8, seconds: 3 },
      { kind: 'jump', to: 2, repeat: 1 },
      { kind: 'land', north: 0, east: 3 },
      { kind: 'return' },
    ];
    const back = missionFromWire(missionToWire(plan, HOME), HOME);
    expect(back.map((i) => i.kind)).toEqual(plan.map((i) => i.kind));
    const wp = back[2] as Extract<MissionPlanItem, { kind: 'waypoint' }>;
    // degE7 rounding: within 1.1 cm.
    expect(Math.abs(wp.north - 20)).toBeLessThan(0.012);
    expect(Math.abs(wp.east + 10)).toBeLessThan(0.012);
    expect(back[4]).toEqual({ kind: 'jump', to: 2, repeat: 1 });
    expect(back[1]).toEqual({ kind: 'speed', speed: 3 });
  });

  it('refuses a bad item by index and field before anything is sent', () => {
    expect(() => missionToWire([{ kind: 'waypoint', north: 0, east: NaN, altitude: 5 }], HOME)).toThrow(/^mission\[0\]\.east: .*NaN/);
    expect(() => missionToWire([{ kind: 'takeoff', altitude: 5 }, { kind: 'jump', to: 7, repeat: 1 }], HOME)).toThrow(/mission\[1\]: jump to item 7, but the mission has 2 items/);
    expect(() => missionToWire([{ kind: 'hover' }], HOME)).toThrow(/mission\[0\]\.kind/);
    expect(() => missionToWire([{ kind: 'land', north: 3 }], HOME)).toThrow(/land needs both north and east/);
  });
});

describe('geofence and rally → MISSION_ITEM_INT', () => {
  it('sends one item per polygon vertex with the vertex count, one per circle with its radius', () => {
    const items = fenceToWire([
      { kind: 'polygon', inclusion: true, vertices: [{ north: 0, east: 0 }, { north: 10, east: 0 }, { north: 10, east: 10 }] },
      { kind: 'circle', inclusion: false, north: 5, east: 5, radius: 2 },
    ], HOME);
    expect(items.map((i) => [i.command, i.param1])).toEqual([[5001, 3], [5001, 3], [5001, 3], [5004, 2]]);
    expect(() => fenceToWire([{ kind: 'polygon', inclusion: true, vertices: [{ north: 0, east: 0 }] }], HOME)).toThrow(/fence\[0\]\.vertices/);
  });

  it('sends rally points in GLOBAL_RELATIVE_ALT (3): PX4 v1.16 reads a safe point\'s altitude only in frames 0 and 3', () => {
    const [r] = rallyToWire([{ north: 1.5, east: -0.5, altitude: 12 }], HOME);
    expect(r).toMatchObject({ command: 5100, frame: 3, x: 473977420, y: 85455940, z: 12 });
  });
});
