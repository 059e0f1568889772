/**
 * Where Return mode goes (navigator/rtl.cpp RTL::findRtlDestination, v1.16, multicopter): home, or
 * the closest rally point (safe point) when RTL_TYPE allows it. Mission landing patterns
 * (DO_LAND_START, RTL_TYPE 2 and 4) are not modelled: those types return home directly.
 */
import { MissionType, type MissionStore } from '../mission-store.js';
import { distanceM, type HomeRef } from './geofence.js';
import { NavCmd } from './navigation.js';

/** RTL: safe points within this distance of home are ignored (MAX_DIST_FROM_HOME_FOR_LAND_APPROACHES). */
const MAX_DIST_FROM_HOME_FOR_LAND_APPROACHES = 10;
/** RTL: another destination must be this much closer than the current choice (MIN_DIST_THRESHOLD). */
const MIN_DIST_THRESHOLD = 2;

export interface RtlDestination {
  lat: number;
  lon: number;
  /** AMSL (m) */
  alt: number;
  /** -1: home, else the rally point's index (rtl_status.safe_point_index) */
  safePointIndex: number;
}

/** RTL::findRtlDestination + setSafepointAsDestination. `text` reports rally points in frames PX4 does not take. */
export function findRtlDestination(rtlType: number, home: HomeRef, lat: number, lon: number, store: MissionStore,
  text: (severity: number, text: string) => void): RtlDestination {
  const dest: RtlDestination = { lat: home.lat, lon: home.lon, alt: home.alt, safePointIndex: -1 };
  if (rtlType === 2 || rtlType === 4) return dest; // mission-path returns: the model flies home directly
  // RTL_TYPE 1: anything but home, when there is one
  let minDist = rtlType === 1 ? Number.MAX_VALUE : distanceM(lat, lon, home.lat, home.lon);
  const rally = store.items(MissionType.RALLY);
  for (let i = 0; i < rally.length; i++) {
    const r = rally[i]!;
    if (r.command !== NavCmd.RALLY_POINT) continue;
    const rLat = r.x * 1e-7, rLon = r.y * 1e-7;
    if (!(distanceM(home.lat, home.lon, rLat, rLon) > MAX_DIST_FROM_HOME_FOR_LAND_APPROACHES)) continue;
    const d = distanceM(lat, lon, rLat, rLon);
    if (d + MIN_DIST_THRESHOLD < minDist) {
      // setSafepointAsDestination: GLOBAL is AMSL, GLOBAL_RELATIVE_ALT above home; other frames keep home's altitude
      let alt: number;
      if (r.frame === 0 || r.frame === 5) alt = r.z;
      else if (r.frame === 3 || r.frame === 6) alt = r.z + home.alt;
      else {
        text(2, 'RTL: unsupported MAV_FRAME');
        alt = dest.alt;
      }
      minDist = d;
      dest.lat = rLat; dest.lon = rLon; dest.alt = alt; dest.safePointIndex = i;
    }
  }
  return dest;
}
