/**
 * A point (or a direction) in the API's one frame for positions: PX4's local NED frame, in metres
 * relative to its EKF origin, named `north`, `east`, `down` (LOCAL_POSITION_NED calls them x, y,
 * z); velocities in it are `vn`, `ve`, `vd` in m/s. Telemetry's `localPosition` and `home`,
 * setpoints, `goTo`, missions, fences, rally points and the manoeuvres all use these names.
 * Heights above home are `telemetry.altitude` (and a mission's or takeoff's `altitude`), not
 * −down: the EKF origin is not home. Yaw is in radians.
 */
export interface NedPoint {
  /** Metres north (of the EKF origin, for a position). */
  north: number;
  /** Metres east. */
  east: number;
  /** Metres down (negative above the origin). */
  down: number;
}
