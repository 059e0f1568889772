/**
 * failsafe_flags as commander's HealthAndArmingChecks set them every cycle (estimatorCheck,
 * offboardCheck, manualControlCheck, dataLinkCheck, homePositionCheck, batteryCheck, missionCheck),
 * from what the rest of the model publishes. The failsafe state machine and arming read only these.
 */
import { BatteryWarning, type FailsafeFlags, type GcsLinkMonitor } from './failsafe.js';

/** offboard_control_mode: which setpoint types the offboard stream sets. */
export interface OffboardControlMode { position: boolean; velocity: boolean; acceleration: boolean }

/** The topics the checks read, as the vehicle publishes them. */
export interface FlagSources {
  readonly nowUs: number;
  readonly params: Record<string, number>;
  readonly landed: boolean;
  /** the GNSS receiver failed (injected), and when */
  readonly gpsFailed: boolean;
  readonly gpsLostAtUs: number;
  /** when the last offboard setpoint arrived; null before the first */
  readonly offboardSetpointUs: number | null;
  readonly offboardControlMode: Readonly<OffboardControlMode>;
  readonly lastManualControlUs: number;
  readonly batteryWarning: BatteryWarning;
  text(severity: number, text: string, source?: 'statustext' | 'event'): void;
  /** MissionChecks: the navigator accepted a stored mission (mission_result valid, mission_id > 0) */
  missionValid(): boolean;
}

export function initialFailsafeFlags(): FailsafeFlags {
  return {
    localPositionInvalid: false, globalPositionInvalid: false, offboardLost: true, manualControlLost: true,
    gcsLost: true, homeInvalid: false, batteryWarning: BatteryWarning.None, autoMissionMissing: true, geofenceBreached: false,
  };
}

/** Everything but geofenceBreached, which the navigator's geofence result sets. */
export function updateFailsafeFlags(f: FailsafeFlags, s: FlagSources, gcsLink: GcsLinkMonitor, homeValid: boolean): void {
  const p = s.params;
  const t = s.nowUs;
  // EKF2: without GNSS, position stays valid for EKF2_NOAID_TOUT of dead reckoning in air; on the ground it is lost at once
  const posLost = s.gpsFailed && (s.landed || t - s.gpsLostAtUs >= p.EKF2_NOAID_TOUT!);
  f.localPositionInvalid = posLost;
  f.globalPositionInvalid = posLost;
  // offboardCheck: recent (COM_OF_LOSS_T) offboard_control_mode with a usable setpoint type
  const ocm = s.offboardControlMode;
  const spUs = s.offboardSetpointUs;
  let available = spUs !== null && t < spUs + p.COM_OF_LOSS_T! * 1e6 && (ocm.position || ocm.velocity || ocm.acceleration);
  if (ocm.position && f.localPositionInvalid) available = false;
  else if (ocm.velocity && f.localPositionInvalid) available = false;
  f.offboardLost = !available;
  f.manualControlLost = !(t - s.lastManualControlUs <= p.COM_RC_LOSS_T! * 1e6);
  gcsLink.update(t, p.COM_DL_LOSS_T!);
  for (const n of gcsLink.notices) s.text(n.severity, n.text, n.source);
  f.gcsLost = gcsLink.lost;
  f.homeInvalid = !homeValid;
  f.batteryWarning = s.batteryWarning;
  f.autoMissionMissing = !s.missionValid();
}
