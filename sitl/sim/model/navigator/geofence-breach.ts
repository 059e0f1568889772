/**
 * Navigator::geofence_breach_check: every 0.2 s while GF_ACTION acts, the navigator's geofence
 * result, which commander's GeofenceChecks turn into failsafe_flags.geofence_breached. With
 * GF_ACTION Hold the navigator also repositions to where the breach was seen (GF_PREDICT off), and
 * while it holds there new breaches count but none clears.
 */
import { GfAction, type Geofence, type GeofenceResult, type HomeRef } from './geofence.js';

// MAV_SEVERITY
const SEV_CRITICAL = 2;
const CHECK_INTERVAL_US = 200_000;

export class GeofenceBreachCheck {
  private readonly result: GeofenceResult = { maxDistTriggered: false, maxAltTriggered: false, customFenceTriggered: false };
  private lastCheckUs = -Infinity;
  private repositionSent = false;
  private loiterSinceUs = 0;

  /**
   * Returns geofence_breached, or null when not checked this cycle (the flag keeps its value).
   * `hold` asks for the loiter where the breach was seen.
   */
  update(nowUs: number, p: Record<string, number>, inHold: boolean, armed: boolean, fence: Geofence, home: HomeRef,
    lat: number, lon: number, alt: number, text: (severity: number, text: string) => void, hold: () => void): boolean | null {
    if (!inHold && nowUs - this.loiterSinceUs > 100_000) this.loiterSinceUs = 0;
    if (p.GF_ACTION === GfAction.NONE) return false;
    if (nowUs - this.lastCheckUs <= CHECK_INTERVAL_US) return null;
    this.lastCheckUs = nowUs;
    const r = this.result;
    const was = { ...r };
    if (this.loiterSinceUs > 0) {
      r.maxDistTriggered ||= !fence.isCloserThanMaxDistToHome(p, home, lat, lon);
      r.maxAltTriggered ||= !fence.isBelowMaxAltitude(p, home, alt);
      r.customFenceTriggered ||= !fence.isInsidePolygonOrCircle(lat, lon);
    } else {
      fence.check(p, home, lat, lon, alt, r);
    }
    if (r.maxDistTriggered && !was.maxDistTriggered) text(SEV_CRITICAL, 'Geofence: exceeding maximum distance to Home');
    if (r.maxAltTriggered && !was.maxAltTriggered) text(SEV_CRITICAL, 'Geofence: exceeding maximum altitude above Home');
    if (r.customFenceTriggered && !was.customFenceTriggered) text(SEV_CRITICAL, 'Geofence: approaching or outside geofence');
    const breached = r.maxDistTriggered || r.maxAltTriggered || r.customFenceTriggered;
    if (breached) {
      if (!this.repositionSent && armed && p.GF_ACTION === GfAction.LOITER) {
        hold();
        this.repositionSent = true;
        this.loiterSinceUs = nowUs;
      }
    } else {
      this.repositionSent = false;
    }
    return breached;
  }
}
