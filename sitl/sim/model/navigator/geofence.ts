/**
 * PX4's navigator geofence (navigator/geofence.cpp, v1.16): inclusion / exclusion polygons and
 * circles from the stored fence items, GF_MAX_HOR_DIST / GF_MAX_VER_DIST around home, and the
 * breach check the navigator runs (Navigator::geofence_breach_check) whose result commander turns
 * into the GF_ACTION failsafe. Pure: positions in, flags out.
 */
import { MapProjection } from '../geo.js';
import type { MissionItem } from '../mission-store.js';
import { isGlobalFrame } from './navigation.js';

const FENCE_POLYGON_INCLUSION = 5001, FENCE_POLYGON_EXCLUSION = 5002, FENCE_CIRCLE_INCLUSION = 5003, FENCE_CIRCLE_EXCLUSION = 5004;
const FENCE_RETURN_POINT = 5000;

/** geofence_result_s GF_ACTION_* (GF_ACTION parameter values). */
export const GfAction = { NONE: 0, WARN: 1, LOITER: 2, RTL: 3, TERMINATE: 4, LAND: 5 } as const;

/** One zone: a polygon (vertices lat/lon, deg) or a circle (centre, radius m). */
interface Zone {
  command: number;
  lat: number[];
  lon: number[];
  radius: number;
}

export interface GeofenceResult {
  maxDistTriggered: boolean;
  maxAltTriggered: boolean;
  customFenceTriggered: boolean;
}

export interface HomeRef { lat: number; lon: number; alt: number; valid: boolean }

const EARTH_RADIUS = 6371000;
const DEG = Math.PI / 180;

/** get_distance_to_next_waypoint (lib/geo): great-circle distance (m). */
export function distanceM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const la1 = lat1 * DEG, la2 = lat2 * DEG;
  const dLat = la2 - la1, dLon = (lon2 - lon1) * DEG;
  const a = Math.sin(dLat / 2) ** 2 + Math.sin(dLon / 2) ** 2 * Math.cos(la1) * Math.cos(la2);
  return EARTH_RADIUS * 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a));
}

export class Geofence {
  private zones: Zone[] = [];
  private fenceId = -1;
  private projection: MapProjection | null = null;

  /** The number of zones in use (after the home / current-position requirements). */
  get zoneCount(): number {
    return this.zones.length;
  }

  /**
   * Geofence::_updateFence: builds the zones from the stored items when the list changed. A zone that
   * does not contain home, or (in air, GF_ACTION not none) the vehicle, is dropped with PX4's text.
   */
  update(items: readonly MissionItem[], id: number, home: HomeRef, vehicle: { lat: number; lon: number; alt: number; landed: boolean },
    gfAction: number, text: (severity: number, text: string) => void): void {
    if (id === this.fenceId) return;
    this.fenceId = id;
    this.zones = [];
    let i = 0;
    while (i < items.length) {
      const it = items[i]!;
      const c = it.command;
      if (c === FENCE_RETURN_POINT) { i++; continue; }
      if (c !== FENCE_POLYGON_INCLUSION && c !== FENCE_POLYGON_EXCLUSION && c !== FENCE_CIRCLE_INCLUSION && c !== FENCE_CIRCLE_EXCLUSION) { i++; continue; }
      const circle = c === FENCE_CIRCLE_INCLUSION || c === FENCE_CIRCLE_EXCLUSION;
      let zone: Zone;
      if (circle) {
        zone = { command: c, lat: [it.x * 1e-7], lon: [it.y * 1e-7], radius: it.param1 };
        i += 1;
      } else {
        const n = Math.round(it.param1); // vertex_count
        if (n === 0) { i++; continue; } // "Polygon with 0 vertices. Skipping"
        const vs = items.slice(i, i + n);
        zone = { command: c, lat: vs.map((v) => v.x * 1e-7), lon: vs.map((v) => v.y * 1e-7), radius: 0 };
        i += n;
        // Geofence::insidePolygon refuses vertices in other frames (the zone then contains nothing)
        if (vs.some((v) => !isGlobalFrame(v.frame))) zone.lat = [];
      }
      if (!isGlobalFrame(it.frame)) zone.lat = [];
      const homeOk = !home.valid || this.checkZone(zone, home.lat, home.lon);
      if (!homeOk) text(2, "Geofence invalid, doesn't contain Home position");
      let posOk = true;
      if (gfAction !== GfAction.NONE && !vehicle.landed) posOk = this.checkZone(zone, vehicle.lat, vehicle.lon);
      if (!posOk) text(2, "Geofence invalid, doesn't contain current vehicle position");
      if (homeOk && posOk) this.zones.push(zone);
    }
  }

  /** Geofence::isCloserThanMaxDistToHome */
  isCloserThanMaxDistToHome(p: Record<string, number>, home: HomeRef, lat: number, lon: number): boolean {
    const max = p.GF_MAX_HOR_DIST!;
    if (!(max > 1e-6) || !home.valid) return true;
    return distanceM(lat, lon, home.lat, home.lon) < max;
  }

  /** Geofence::isBelowMaxAltitude */
  isBelowMaxAltitude(p: Record<string, number>, home: HomeRef, alt: number): boolean {
    const max = p.GF_MAX_VER_DIST!;
    if (!(max > 1e-6) || !home.valid) return true;
    return alt - home.alt < max;
  }

  /** Geofence::isInsidePolygonOrCircle: inside every zone (an empty fence accepts every point). */
  isInsidePolygonOrCircle(lat: number, lon: number): boolean {
    for (const z of this.zones) if (!this.checkZone(z, lat, lon)) return false;
    return true;
  }

  /** Geofence::checkPointAgainstAllGeofences (used for mission items and repositions). */
  checkPointAgainstAllGeofences(p: Record<string, number>, home: HomeRef, lat: number, lon: number, alt: number): boolean {
    return this.isCloserThanMaxDistToHome(p, home, lat, lon) && this.isBelowMaxAltitude(p, home, alt) && this.isInsidePolygonOrCircle(lat, lon);
  }

  /**
   * Navigator::geofence_breach_check at the current position. GF_PREDICT (off by default in v1.16)
   * would test the braking point instead; the model tests the position itself.
   */
  check(p: Record<string, number>, home: HomeRef, lat: number, lon: number, alt: number, out: GeofenceResult): void {
    out.maxDistTriggered = !this.isCloserThanMaxDistToHome(p, home, lat, lon);
    out.maxAltTriggered = !this.isBelowMaxAltitude(p, home, alt);
    out.customFenceTriggered = !this.isInsidePolygonOrCircle(lat, lon);
  }

  private checkZone(z: Zone, lat: number, lon: number): boolean {
    switch (z.command) {
      case FENCE_CIRCLE_INCLUSION: return this.insideCircle(z, lat, lon);
      case FENCE_CIRCLE_EXCLUSION: return !this.insideCircle(z, lat, lon);
      case FENCE_POLYGON_INCLUSION: return insidePolygon(z, lat, lon);
      case FENCE_POLYGON_EXCLUSION: return !insidePolygon(z, lat, lon);
      default: return true;
    }
  }

  /** Geofence::insideCircle: both points projected around the first point checked (as PX4's lazily set reference). */
  private insideCircle(z: Zone, lat: number, lon: number): boolean {
    if (z.lat.length === 0) return false;
    this.projection ??= new MapProjection(lat, lon);
    const a = { x: 0, y: 0 }, b = { x: 0, y: 0 };
    this.projection.project(lat, lon, a);
    this.projection.project(z.lat[0]!, z.lon[0]!, b);
    const dx = a.x - b.x, dy = a.y - b.y;
    return dx * dx + dy * dy < z.radius * z.radius;
  }
}

/** PNPOLY, as Geofence::insidePolygon (lat/lon treated as plane coordinates). */
function insidePolygon(z: Zone, lat: number, lon: number): boolean {
  const n = z.lat.length;
  let c = false;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const lai = z.lat[i]!, loi = z.lon[i]!, laj = z.lat[j]!, loj = z.lon[j]!;
    if ((loi >= lon) !== (loj >= lon) && lat <= ((laj - lai) * (lon - loi)) / (loj - loi) + lai) c = !c;
  }
  return c;
}
