/**
 * Local NED ↔ WGS84, the azimuthal equidistant projection PX4 uses (lib/geo MapProjection), so
 * GLOBAL_POSITION_INT and LOCAL_POSITION_NED agree with each other the way they do on PX4.
 */
const EARTH_RADIUS = 6371000; // CONSTANTS_RADIUS_OF_EARTH
const DEG = Math.PI / 180;

export class MapProjection {
  readonly refLat: number;
  readonly refLon: number;
  private readonly refLatRad: number;
  private readonly refLonRad: number;
  private readonly sinRefLat: number;
  private readonly cosRefLat: number;

  constructor(refLatDeg: number, refLonDeg: number) {
    this.refLat = refLatDeg;
    this.refLon = refLonDeg;
    this.refLatRad = refLatDeg * DEG;
    this.refLonRad = refLonDeg * DEG;
    this.sinRefLat = Math.sin(this.refLatRad);
    this.cosRefLat = Math.cos(this.refLatRad);
  }

  /** lat/lon (deg) → north/east (m); writes into `out` to avoid allocation. */
  project(latDeg: number, lonDeg: number, out: { x: number; y: number }): void {
    const lat = latDeg * DEG;
    const lon = lonDeg * DEG;
    const sinLat = Math.sin(lat);
    const cosLat = Math.cos(lat);
    const cosDLon = Math.cos(lon - this.refLonRad);
    const arg = Math.min(1, Math.max(-1, this.sinRefLat * sinLat + this.cosRefLat * cosLat * cosDLon));
    const c = Math.acos(arg);
    const k = Math.abs(c) > 0 ? c / Math.sin(c) : 1;
    out.x = k * (this.cosRefLat * sinLat - this.sinRefLat * cosLat * cosDLon) * EARTH_RADIUS;
    out.y = k * cosLat * Math.sin(lon - this.refLonRad) * EARTH_RADIUS;
  }

  /** north/east (m) → lat/lon (deg); writes into `out`. */
  reproject(x: number, y: number, out: { lat: number; lon: number }): void {
    const xr = x / EARTH_RADIUS;
    const yr = y / EARTH_RADIUS;
    const c = Math.sqrt(xr * xr + yr * yr);
    if (c === 0) {
      out.lat = this.refLat;
      out.lon = this.refLon;
      return;
    }
    const sinC = Math.sin(c);
    const cosC = Math.cos(c);
    const lat = Math.asin(cosC * this.sinRefLat + (xr * sinC * this.cosRefLat) / c);
    const lon = this.refLonRad + Math.atan2(yr * sinC, c * this.cosRefLat * cosC - xr * this.sinRefLat * sinC);
    out.lat = lat / DEG;
    out.lon = lon / DEG;
  }
}
