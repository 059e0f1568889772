import { z } from 'zod';
import { PilotError } from './errors.js';
import type { WireItem } from './mission-transfer.js';

/**
 * Missions, geofences and rally points as a scenario writes them, in the pilot's one frame:
 * north/east in metres of the local NED frame (as setpoints and goTo), heights as `altitude` in
 * metres above home (as takeoff). Converted to MISSION_ITEM_INT through HOME_POSITION, in PX4's
 * usual frames (GLOBAL_RELATIVE_ALT_INT for items, GLOBAL_INT for fence vertices).
 */

const Finite = z.number().refine(Number.isFinite, 'must be a finite number');
const Metres = Finite;
const NonNegative = Finite.refine((v) => v >= 0, 'must be ≥ 0');
const Yaw = Finite.optional();

export const MissionPlanItem = z.discriminatedUnion('kind', [
  /** MAV_CMD_NAV_TAKEOFF at the vehicle's position, to `altitude` above home. */
  z.object({ kind: z.literal('takeoff'), altitude: Metres, yaw: Yaw }).strict(),
  /** MAV_CMD_NAV_WAYPOINT; `holdS` param1, `acceptanceRadiusM` param2 (absent: PX4's NAV_ACC_RAD), `yaw` radians. */
  z.object({ kind: z.literal('waypoint'), north: Metres, east: Metres, altitude: Metres, holdS: NonNegative.optional(), acceptanceRadiusM: NonNegative.optional(), yaw: Yaw }).strict(),
  /** MAV_CMD_NAV_LOITER_TIME: fly there and loiter `seconds`. */
  z.object({ kind: z.literal('loiter'), north: Metres, east: Metres, altitude: Metres, seconds: NonNegative }).strict(),
  /** MAV_CMD_NAV_LAND, at the given point or (absent) where the vehicle is. */
  z.object({ kind: z.literal('land'), north: Metres.optional(), east: Metres.optional() }).strict(),
  /** MAV_CMD_NAV_RETURN_TO_LAUNCH. */
  z.object({ kind: z.literal('return') }).strict(),
  /** MAV_CMD_DO_CHANGE_SPEED, ground speed m/s. */
  z.object({ kind: z.literal('speed'), speed: Finite.refine((v) => v > 0, 'must be > 0') }).strict(),
  /** MAV_CMD_DO_JUMP to item index `to`, `repeat` times. */
  z.object({ kind: z.literal('jump'), to: z.number().int().min(0), repeat: z.number().int().min(-1) }).strict(),
  /** Any item as sent (x/y int32 as MISSION_ITEM_INT carries them): for what the kinds above do not cover. */
  z.object({
    kind: z.literal('raw'), command: z.number().int(), frame: z.number().int(), autocontinue: z.boolean().optional(),
    param1: z.number().optional(), param2: z.number().optional(), param3: z.number().optional(), param4: z.number().optional(),
    x: z.number(), y: z.number(), z: z.number(),
  }).strict(),
]);
/**
 * One mission item, in the pilot's frame: `north`/`east` metres of the local NED frame, `altitude`
 * metres above home, `yaw` radians. Kinds: takeoff, waypoint (`holdS`, `acceptanceRadiusM`: absent,
 * PX4's NAV_ACC_RAD), loiter (`seconds`), land (here, or at a point), return, speed (m/s), jump
 * (`to` an index, `repeat` times), and raw (a MISSION_ITEM_INT as sent).
 */
export type MissionPlanItem = z.infer<typeof MissionPlanItem>;

const Point = z.object({ north: Metres, east: Metres }).strict();
export const FenceZone = z.discriminatedUnion('kind', [
  /** A polygon the vehicle must stay inside (inclusion) or outside (exclusion); at least 3 vertices. */
  z.object({ kind: z.literal('polygon'), inclusion: z.boolean(), vertices: z.array(Point).min(3) }).strict(),
  z.object({ kind: z.literal('circle'), inclusion: z.boolean(), north: Metres, east: Metres, radius: Finite.refine((v) => v > 0, 'must be > 0') }).strict(),
]);
/**
 * A geofence zone, local NED metres: a polygon (at least 3 `vertices`) or a circle (`radius` m
 * around `north`, `east`) the vehicle must stay inside (`inclusion`) or outside.
 */
export type FenceZone = z.infer<typeof FenceZone>;

export const RallyPoint = z
  .object({
    /** Metres north of the EKF origin. */
    north: Metres,
    /** Metres east of the EKF origin. */
    east: Metres,
    /** Metres above home. */
    altitude: Metres,
  })
  .strict();
/** A rally (safe) point PX4's Return may head for (RTL_TYPE), in the pilot's frame. */
export type RallyPoint = z.infer<typeof RallyPoint>;

/** The conversion's anchor: HOME_POSITION (global, and local NED as telemetry's `home` has it). */
export interface HomeAnchor {
  lat: number; lon: number; alt: number;
  north: number; east: number; down: number;
}

const EARTH_RADIUS_M = 6_371_000;
const DEG = Math.PI / 180;

const C = {
  NAV_WAYPOINT: 16, NAV_LOITER_TIME: 19, NAV_RETURN_TO_LAUNCH: 20, NAV_LAND: 21, NAV_TAKEOFF: 22,
  DO_JUMP: 177, DO_CHANGE_SPEED: 178,
  FENCE_POLYGON_INCLUSION: 5001, FENCE_POLYGON_EXCLUSION: 5002, FENCE_CIRCLE_INCLUSION: 5003, FENCE_CIRCLE_EXCLUSION: 5004,
  RALLY_POINT: 5100,
} as const;
const FRAME = { GLOBAL_RELATIVE_ALT: 3, MISSION: 2, GLOBAL_INT: 5, GLOBAL_RELATIVE_ALT_INT: 6 } as const;
const RAD = 180 / Math.PI;
/** Mission items carry yaw in degrees (PX4 converts param4 with math::radians); the pilot's yaw is radians. */
const yawDeg = (yaw: number | undefined) => (yaw === undefined ? NaN : yaw * RAD);

/** Local NED (north, east) → latitude/longitude in degrees, through home (HOME_POSITION's global and local fix). */
export function toLatLon(home: Pick<HomeAnchor, 'lat' | 'lon' | 'north' | 'east'>, north: number, east: number): { lat: number; lon: number } {
  return {
    lat: home.lat + ((north - home.north) / EARTH_RADIUS_M) / DEG,
    lon: home.lon + ((east - home.east) / (EARTH_RADIUS_M * Math.cos(home.lat * DEG))) / DEG,
  };
}

/** Local NED (north, east) → degE7 lat/lon, as MISSION_ITEM_INT carries them. */
export function toLatLonE7(home: HomeAnchor, north: number, east: number): { x: number; y: number } {
  const { lat, lon } = toLatLon(home, north, east);
  return { x: Math.round(lat * 1e7), y: Math.round(lon * 1e7) };
}

/** degE7 lat/lon → local NED (north, east), through home. */
export function fromLatLonE7(home: HomeAnchor, x: number, y: number): { north: number; east: number } {
  const north = home.north + (x / 1e7 - home.lat) * DEG * EARTH_RADIUS_M;
  const east = home.east + (y / 1e7 - home.lon) * DEG * EARTH_RADIUS_M * Math.cos(home.lat * DEG);
  return { north, east };
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new PilotError(`${where}.${issue.path.join('.')}: ${issue.message}`);
}

function item(command: number, frame: number, p: Partial<WireItem>): WireItem {
  return { frame, command, autocontinue: true, param1: 0, param2: 0, param3: 0, param4: NaN, x: 0, y: 0, z: 0, ...p };
}

/** Mission items → MISSION_ITEM_INT fields. Bad items are refused here, by index and field, before anything is sent. */
export function missionToWire(items: readonly unknown[], home: HomeAnchor): WireItem[] {
  return items.map((raw, i) => {
    const it = parse(MissionPlanItem, raw, `mission[${i}]`);
    const at = (north: number, east: number) => toLatLonE7(home, north, east);
    switch (it.kind) {
      case 'takeoff':
        // PX4 takes off where it stands; lat/lon NaN-equivalent 0 are ignored for a multicopter takeoff item.
        return item(C.NAV_TAKEOFF, FRAME.GLOBAL_RELATIVE_ALT_INT, { ...toLatLonE7(home, home.north, home.east), z: it.altitude, param4: yawDeg(it.yaw) });
      case 'waypoint':
        return item(C.NAV_WAYPOINT, FRAME.GLOBAL_RELATIVE_ALT_INT, { ...at(it.north, it.east), z: it.altitude, param1: it.holdS ?? 0, param2: it.acceptanceRadiusM ?? 0, param4: yawDeg(it.yaw) });
      case 'loiter':
        return item(C.NAV_LOITER_TIME, FRAME.GLOBAL_RELATIVE_ALT_INT, { ...at(it.north, it.east), z: it.altitude, param1: it.seconds });
      case 'land': {
        if ((it.north === undefined) !== (it.east === undefined)) throw new PilotError(`mission[${i}]: land needs both north and east, or neither`);
        const p = it.north === undefined ? { x: 0, y: 0 } : at(it.north, it.east!);
        return item(C.NAV_LAND, FRAME.GLOBAL_RELATIVE_ALT_INT, { ...p, z: 0 });
      }
      case 'return':
        return item(C.NAV_RETURN_TO_LAUNCH, FRAME.MISSION, { param4: 0 });
      case 'speed':
        // param1 1 = ground speed; param3 −1 = leave the throttle (PX4 ignores it for multicopters).
        return item(C.DO_CHANGE_SPEED, FRAME.MISSION, { param1: 1, param2: it.speed, param3: -1, param4: 0 });
      case 'jump':
        if (it.to >= items.length) throw new PilotError(`mission[${i}]: jump to item ${it.to}, but the mission has ${items.length} items`);
        return item(C.DO_JUMP, FRAME.MISSION, { param1: it.to, param2: it.repeat, param4: 0 });
      case 'raw':
        return item(it.command, it.frame, {
          autocontinue: it.autocontinue ?? true, param1: it.param1 ?? 0, param2: it.param2 ?? 0, param3: it.param3 ?? 0,
          param4: it.param4 ?? 0, x: it.x, y: it.y, z: it.z,
        });
    }
  });
}

/** MISSION_ITEM_INT fields → mission items (kinds where the command is one of them, else raw). */
export function missionFromWire(items: readonly WireItem[], home: HomeAnchor): MissionPlanItem[] {
  return items.map((w): MissionPlanItem => {
    const relative = w.frame === FRAME.GLOBAL_RELATIVE_ALT_INT || w.frame === 3;
    const pos = () => fromLatLonE7(home, w.x, w.y);
    const yaw = Number.isFinite(w.param4) ? { yaw: w.param4 / RAD } : {};
    if (relative && w.command === C.NAV_TAKEOFF) return { kind: 'takeoff', altitude: w.z, ...yaw };
    if (relative && w.command === C.NAV_WAYPOINT) {
      return { kind: 'waypoint', ...pos(), altitude: w.z, ...(w.param1 ? { holdS: w.param1 } : {}), ...(w.param2 ? { acceptanceRadiusM: w.param2 } : {}), ...yaw };
    }
    if (relative && w.command === C.NAV_LOITER_TIME) return { kind: 'loiter', ...pos(), altitude: w.z, seconds: w.param1 };
    if (relative && w.command === C.NAV_LAND) return w.x === 0 && w.y === 0 ? { kind: 'land' } : { kind: 'land', ...pos() };
    if (w.command === C.NAV_RETURN_TO_LAUNCH) return { kind: 'return' };
    if (w.command === C.DO_CHANGE_SPEED) return { kind: 'speed', speed: w.param2 };
    if (w.command === C.DO_JUMP) return { kind: 'jump', to: w.param1, repeat: w.param2 };
    return { kind: 'raw', command: w.command, frame: w.frame, autocontinue: w.autocontinue, param1: w.param1, param2: w.param2, param3: w.param3, param4: w.param4, x: w.x, y: w.y, z: w.z };
  });
}

/** Fence zones → MISSION_ITEM_INTs of the fence type: one item per polygon vertex (param1 = vertex count), one per circle (param1 = radius). */
export function fenceToWire(zones: readonly unknown[], home: HomeAnchor): WireItem[] {
  const out: WireItem[] = [];
  zones.forEach((raw, i) => {
    const zone = parse(FenceZone, raw, `fence[${i}]`);
    if (zone.kind === 'polygon') {
      const cmd = zone.inclusion ? C.FENCE_POLYGON_INCLUSION : C.FENCE_POLYGON_EXCLUSION;
      for (const v of zone.vertices) out.push(item(cmd, FRAME.GLOBAL_INT, { ...toLatLonE7(home, v.north, v.east), param1: zone.vertices.length, param4: 0 }));
    } else {
      const cmd = zone.inclusion ? C.FENCE_CIRCLE_INCLUSION : C.FENCE_CIRCLE_EXCLUSION;
      out.push(item(cmd, FRAME.GLOBAL_INT, { ...toLatLonE7(home, zone.north, zone.east), param1: zone.radius, param4: 0 }));
    }
  });
  return out;
}

/**
 * Rally points → MAV_CMD_NAV_RALLY_POINT items (altitude above home). Frame GLOBAL_RELATIVE_ALT
 * (3), as QGroundControl sends them: PX4 v1.16's RTL reads a safe point's altitude only in frames
 * 0 and 3 ("RTL: unsupported MAV_FRAME" otherwise, and a return to a nonsense altitude).
 */
export function rallyToWire(points: readonly unknown[], home: HomeAnchor): WireItem[] {
  return points.map((raw, i) => {
    const p = parse(RallyPoint, raw, `rally[${i}]`);
    return item(C.RALLY_POINT, FRAME.GLOBAL_RELATIVE_ALT, { ...toLatLonE7(home, p.north, p.east), z: p.altitude, param4: 0 });
  });
}
