/**
 * Commander's HomePosition (commander/HomePosition.cpp): set from the estimate at arming, or by
 * DO_SET_HOME. Each update is a new object and bumps update_count, which the navigator reads to
 * re-run its mission feasibility check against the new home.
 */
import type { MapProjection } from '../geo.js';

/** home_position: local frame (NED, m) and global (deg, m AMSL). */
export interface Home { x: number; y: number; z: number; lat: number; lon: number; alt: number; valid: boolean }

export class HomePosition {
  value: Home;
  /** home_position.update_count */
  updateCount = 0;
  /** home_position.yaw: the heading at arming, Return mode's landing heading (DO_SET_HOME keeps it) */
  yaw = 0;
  private readonly tmpXY = { x: 0, y: 0 };
  private readonly tmpLL = { lat: 0, lon: 0 };

  constructor(lat: number, lon: number, alt: number, private readonly proj: MapProjection, private readonly originAlt: number) {
    this.value = { x: 0, y: 0, z: 0, lat, lon, alt, valid: true };
  }

  /** setHomePosition(): where the estimate is now. */
  setHere(x: number, y: number, z: number, yaw: number): void {
    this.proj.reproject(x, y, this.tmpLL);
    this.value = { x, y, z, lat: this.tmpLL.lat, lon: this.tmpLL.lon, alt: this.originAlt - z, valid: true };
    this.yaw = yaw;
    this.updateCount++;
  }

  /** setManually(): a given global position (DO_SET_HOME with param1 0). */
  setTo(lat: number, lon: number, alt: number): void {
    this.proj.project(lat, lon, this.tmpXY);
    this.value = { x: this.tmpXY.x, y: this.tmpXY.y, z: -(alt - this.originAlt), lat, lon, alt, valid: true };
    this.updateCount++;
  }
}
