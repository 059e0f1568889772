/**
 * HealthAndArmingChecks::canArm for a nav state, on the failsafe flags: the checks this model can
 * fail (modeCheck, estimatorCheck, offboardCheck, missionCheck, manualControlCheck, batteryCheck,
 * rcAndDataLinkCheck), reported in PX4's wording.
 */
import { BatteryWarning, type FailsafeFlags } from './failsafe.js';
import { NavState, preventsArming, requiresManualControl } from '../modes.js';

// MAV_SEVERITY
const SEV_CRITICAL = 2, SEV_WARNING = 4;

export type Report = (severity: number, text: string, source?: 'statustext' | 'event') => void;

/**
 * True when the vehicle may arm in nav state `n`. With `report`, the reasons go out as PX4 sends
 * them: one event each, then the summary line.
 */
export function canArm(n: number, f: Readonly<FailsafeFlags>, offboardPosition: boolean, navDllAct: number, report: Report | null): boolean {
  const fail: string[] = [];
  if (preventsArming(n)) fail.push('Mode not suitable for arming');
  const needsPos = n === NavState.POSCTL || n === NavState.AUTO_LOITER || n === NavState.AUTO_TAKEOFF || n === NavState.AUTO_RTL
    || n === NavState.AUTO_LAND || n === NavState.AUTO_MISSION || (n === NavState.OFFBOARD && offboardPosition);
  if (needsPos && f.localPositionInvalid) fail.push('Navigation error: No valid position estimate');
  else if ((n === NavState.AUTO_LOITER || n === NavState.AUTO_TAKEOFF || n === NavState.AUTO_RTL || n === NavState.AUTO_MISSION) && f.globalPositionInvalid) fail.push('Navigation error: No valid global position estimate');
  if (n === NavState.OFFBOARD && f.offboardLost) fail.push('No offboard signal');
  if (n === NavState.AUTO_MISSION && f.autoMissionMissing) fail.push('No valid mission available');
  if (requiresManualControl(n) && f.manualControlLost) fail.push('No manual control input');
  if (f.batteryWarning >= BatteryWarning.Critical) fail.push('Low battery');
  let gcsFail = false;
  if (navDllAct > 0 && f.gcsLost) { fail.push('No connection to the ground control station'); gcsFail = true; }
  if (report && fail.length > 0) {
    for (const t of fail) report(SEV_CRITICAL, t, 'event');
    if (gcsFail) report(SEV_WARNING, 'Preflight Fail: No connection to the GCS');
    report(SEV_CRITICAL, 'Arming denied: Resolve system health failures first');
  }
  return fail.length === 0;
}
