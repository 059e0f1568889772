/**
 * PX4's failsafe state machine (commander/failsafe: framework.cpp + failsafe.cpp, v1.16), reduced to
 * the conditions this model can raise: offboard loss, position loss, battery warnings, manual control
 * loss, geofence breach (GF_ACTION), a missing mission and GCS connection loss (detected as commander's dataLinkCheck does: GcsLinkMonitor below). It keeps PX4's structure: actions with clear conditions, worst action
 * wins, mode fallbacks, the COM_FAIL_ACT_T Hold delay, user takeover by mode switch, and the fallback
 * chain when an action's mode cannot run.
 */
import { NavState } from '../modes.js';

export const enum Action {
  None = 0,
  Warn,
  FallbackPosCtrl,
  FallbackAltCtrl,
  FallbackStab,
  Hold,
  RTL,
  Land,
  Descend,
  Disarm,
  Terminate,
}

const enum Clear { WhenConditionClears, OnModeChangeOrDisarm, OnDisarm, Never }
const enum Takeover { Always, AlwaysModeSwitchOnly, Auto, Never }

export const enum Cause { Generic, ManualControlLoss, GCSConnectionLoss, BatteryLow, BatteryCritical, BatteryEmergency }

/** battery_status WARNING_* */
export const enum BatteryWarning { None = 0, Low = 1, Critical = 2, Emergency = 3 }

/** The subset of failsafe_flags the model computes. */
export interface FailsafeFlags {
  localPositionInvalid: boolean;
  globalPositionInvalid: boolean;
  offboardLost: boolean;
  manualControlLost: boolean;
  gcsLost: boolean;
  homeInvalid: boolean;
  batteryWarning: BatteryWarning;
  /** no mission, or the navigator found it infeasible (mission_result) */
  autoMissionMissing: boolean;
  /** the navigator's geofence result (any of max distance, max altitude, fence zones) */
  geofenceBreached: boolean;
}

export interface FailsafeParams {
  COM_OBL_RC_ACT: number;
  COM_LOW_BAT_ACT: number;
  COM_FAIL_ACT_T: number;
  COM_RC_IN_MODE: number;
  NAV_RCL_ACT: number;
  NAV_DLL_ACT: number;
  COM_DLL_EXCEPT: number;
  COM_POSCTL_NAVL: number;
  GF_ACTION: number;
}

export interface Notice { severity: number; text: string; source: 'statustext' | 'event' }

interface Entry {
  id: number;
  action: Action;
  clear: Clear;
  cause: Cause;
  takeover: Takeover;
  stateFailure: boolean;
  activated: boolean;
}

const MAX_ACTIONS = 8;
/** COM_DLL_EXCEPT bits (failsafe.h DatalinkLossExceptionBits) */
const DLL_EXCEPT_MISSION = 1, DLL_EXCEPT_HOLD = 2, DLL_EXCEPT_OFFBOARD = 4;
const ID_RC = 1, ID_GCS = 2, ID_BAT_LOW = 3, ID_BAT_CRIT = 4, ID_BAT_EMERG = 5, ID_MODE_FALLBACK = 6, ID_GEOFENCE = 7;

/** PX4 mode requirements (ModeUtil mode_requirements), as seen by the failsafe framework (no manual control). */
export function modeCanRun(f: FailsafeFlags, mode: number): boolean {
  switch (mode) {
    case NavState.POSCTL:
      return !f.localPositionInvalid;
    case NavState.AUTO_LOITER:
    case NavState.AUTO_TAKEOFF:
      return !f.localPositionInvalid && !f.globalPositionInvalid;
    case NavState.AUTO_RTL:
      return !f.localPositionInvalid && !f.globalPositionInvalid && !f.homeInvalid;
    case NavState.AUTO_MISSION:
      return !f.localPositionInvalid && !f.globalPositionInvalid && !f.autoMissionMissing;
    case NavState.AUTO_LAND:
      return !f.localPositionInvalid;
    case NavState.OFFBOARD:
      return !f.offboardLost;
    default:
      return true; // MANUAL, STAB, ACRO, ALTCTL, DESCEND, TERMINATION: attitude/altitude only
  }
}

export function actionName(a: Action): string {
  switch (a) {
    case Action.None: return '';
    case Action.Warn: return 'Warn';
    case Action.FallbackPosCtrl: return 'Position';
    case Action.FallbackAltCtrl: return 'Altitude';
    case Action.FallbackStab: return 'Stabilized';
    case Action.Hold: return 'Hold';
    case Action.RTL: return 'Return';
    case Action.Land: return 'Land';
    case Action.Descend: return 'Descend';
    case Action.Disarm: return 'Disarm';
    case Action.Terminate: return 'Terminate';
  }
}

function causeText(c: Cause): string {
  switch (c) {
    case Cause.ManualControlLoss: return 'manual control loss';
    case Cause.GCSConnectionLoss: return 'GCS connection loss';
    case Cause.BatteryLow: return 'low battery level';
    case Cause.BatteryCritical: return 'critical battery level';
    case Cause.BatteryEmergency: return 'emergency battery level';
    default: return '';
  }
}

export class Failsafe {
  /** selected action (after delay, takeover and fallback-chain handling) */
  selected: Action = Action.None;
  delayed: Action = Action.None;
  cause: Cause = Cause.Generic;
  userTakeoverActive = false;
  /** messages produced by the last update() */
  readonly notices: Notice[] = [];

  private readonly actions: Entry[] = [];
  private readonly lastState: boolean[] = new Array<boolean>(8).fill(false);
  private lastArmed = false;
  private lastUserMode = -1;
  private currentDelayUs = 0;
  private lastUpdateUs = 0;
  private manualLostAtArming = false;
  private batteryWarningAtArming: BatteryWarning = BatteryWarning.None;
  private notificationRequired = false;

  constructor() {
    for (let i = 0; i < MAX_ACTIONS; i++) {
      this.actions.push({ id: -1, action: Action.None, clear: Clear.WhenConditionClears, cause: Cause.Generic, takeover: Takeover.Auto, stateFailure: false, activated: false });
    }
  }

  inFailsafe(): boolean {
    return this.selected > Action.Warn;
  }

  update(nowUs: number, armed: boolean, userMode: number, userModeUpdatedIn: boolean, f: FailsafeFlags, p: FailsafeParams): void {
    this.notices.length = 0;
    if (this.lastUpdateUs === 0) this.lastUpdateUs = nowUs;
    if (this.lastArmed !== armed) {
      this.removeActions(Clear.OnDisarm);
      this.removeActions(Clear.OnModeChangeOrDisarm);
      this.userTakeoverActive = false;
    }
    const userModeUpdated = userModeUpdatedIn || this.lastUserMode !== userMode;
    if (userModeUpdated || this.userTakeoverActive) this.removeActions(Clear.OnModeChangeOrDisarm);

    const elapsed = nowUs - this.lastUpdateUs;
    this.currentDelayUs = this.currentDelayUs < elapsed ? 0 : this.currentDelayUs - elapsed;

    this.checkStateAndMode(armed, userMode, f, p);
    this.removeNonActivated();
    if (this.selected > Action.Hold || !modeCanRun(f, NavState.AUTO_LOITER) || this.userTakeoverActive) this.currentDelayUs = 0;

    const prevSelected = this.selected;
    const r = this.getSelectedAction(armed, userMode, userModeUpdated, f, p, prevSelected);

    if (r.action > prevSelected || (r.action !== Action.None && this.notificationRequired)) {
      this.notifyUser(r.action, r.delayed, r.cause);
    }
    this.notificationRequired = false;
    this.userTakeoverActive = r.takeover;
    this.selected = r.action;
    this.delayed = r.delayed;
    this.cause = r.cause;
    this.lastUserMode = userMode;
    this.lastUpdateUs = nowUs;
    this.lastArmed = armed;
  }

  private fromNavDllOrRcl(v: number): [Action, Clear, Takeover] {
    switch (v) {
      case 1: return [Action.Hold, Clear.OnModeChangeOrDisarm, Takeover.Auto];
      case 2: return [Action.RTL, Clear.OnModeChangeOrDisarm, Takeover.Auto];
      case 3: return [Action.Land, Clear.OnModeChangeOrDisarm, Takeover.Auto];
      case 5: return [Action.Terminate, Clear.Never, Takeover.Never];
      case 6: return [Action.Disarm, Clear.WhenConditionClears, Takeover.Never];
      default: return [Action.None, Clear.WhenConditionClears, Takeover.Auto];
    }
  }

  /** failsafe.cpp fromGfActParam: Hold lets the user switch away at once; Return and Land wait COM_FAIL_ACT_T in Hold. */
  private fromGfAct(v: number): [Action, Clear, Takeover] {
    switch (v) {
      case 1: return [Action.Warn, Clear.WhenConditionClears, Takeover.Auto];
      case 2: return [Action.Hold, Clear.OnModeChangeOrDisarm, Takeover.AlwaysModeSwitchOnly];
      case 3: return [Action.RTL, Clear.OnModeChangeOrDisarm, Takeover.Auto];
      case 4: return [Action.Terminate, Clear.Never, Takeover.Never];
      case 5: return [Action.Land, Clear.OnModeChangeOrDisarm, Takeover.Auto];
      default: return [Action.Warn, Clear.WhenConditionClears, Takeover.Auto];
    }
  }

  /** failsafe.cpp fromBatteryWarningActParam (COM_LOW_BAT_ACT: 0 Warning, 1 Return, 2 Land, 3 Return/Land). */
  private static batteryAction(act: number, w: BatteryWarning): Action {
    if (w === BatteryWarning.Low) return Action.Warn;
    if (w === BatteryWarning.Critical) return act === 1 || act === 3 ? Action.RTL : act === 2 ? Action.Land : Action.Warn;
    if (w === BatteryWarning.Emergency) return act === 1 ? Action.RTL : act === 2 || act === 3 ? Action.Land : Action.Warn;
    return Action.None;
  }

  private checkStateAndMode(armed: boolean, userMode: number, f: FailsafeFlags, p: FailsafeParams): void {
    // updateArmingState
    if (!this.lastArmed && armed) {
      this.manualLostAtArming = f.manualControlLost;
      this.batteryWarningAtArming = f.batteryWarning;
    } else if (!armed) {
      this.manualLostAtArming = f.manualControlLost;
    }
    if (!f.manualControlLost) this.manualLostAtArming = false;

    // Manual control loss: ignored when there was none at arming (SITL without RC)
    if (p.COM_RC_IN_MODE !== 4 && !this.manualLostAtArming) {
      const [a, c, t] = this.fromNavDllOrRcl(p.NAV_RCL_ACT);
      this.check(ID_RC, f.manualControlLost, a, c, Cause.ManualControlLoss, t);
    }
    // GCS connection loss: ignored while the user wants Land, and in the modes COM_DLL_EXCEPT names
    const x = p.COM_DLL_EXCEPT;
    const dllIgnored = userMode === NavState.AUTO_LAND
      || (userMode === NavState.AUTO_MISSION && (x & DLL_EXCEPT_MISSION) !== 0)
      || ((userMode === NavState.AUTO_LOITER || userMode === NavState.AUTO_TAKEOFF) && (x & DLL_EXCEPT_HOLD) !== 0)
      || (userMode === NavState.OFFBOARD && (x & DLL_EXCEPT_OFFBOARD) !== 0);
    if (p.NAV_DLL_ACT !== 0 && !dllIgnored) {
      const [a, c, t] = this.fromNavDllOrRcl(p.NAV_DLL_ACT);
      this.check(ID_GCS, f.gcsLost, a, c, Cause.GCSConnectionLoss, t);
    }
    // Geofence breach: GF_ACTION (failsafe.cpp fromGfActParam)
    if (p.GF_ACTION !== 0) {
      const [a, c, t] = this.fromGfAct(p.GF_ACTION);
      this.check(ID_GEOFENCE, f.geofenceBreached, a, c, Cause.Generic, t);
    }
    // Battery: a warning already present at arming only warns
    const act = f.batteryWarning > this.batteryWarningAtArming ? p.COM_LOW_BAT_ACT : 0;
    if (f.batteryWarning === BatteryWarning.Low) {
      this.check(ID_BAT_LOW, true, Failsafe.batteryAction(act, BatteryWarning.Low), Clear.WhenConditionClears, Cause.BatteryLow, Takeover.Auto);
    } else if (f.batteryWarning === BatteryWarning.Critical) {
      this.check(ID_BAT_CRIT, true, Failsafe.batteryAction(act, BatteryWarning.Critical), Clear.WhenConditionClears, Cause.BatteryCritical, Takeover.Auto);
    } else if (f.batteryWarning === BatteryWarning.Emergency) {
      this.check(ID_BAT_EMERG, true, Failsafe.batteryAction(act, BatteryWarning.Emergency), Clear.WhenConditionClears, Cause.BatteryEmergency, Takeover.Auto);
    }
    // Mode fallback (last)
    const fb = this.checkModeFallback(f, userMode, p);
    this.check(ID_MODE_FALLBACK, fb !== Action.None, fb, Clear.WhenConditionClears, Cause.Generic, Takeover.Always);
  }

  /** failsafe.cpp checkModeFallback */
  checkModeFallback(f: FailsafeFlags, mode: number, p: FailsafeParams): Action {
    let action = Action.None;
    if (f.offboardLost && mode === NavState.OFFBOARD) {
      switch (p.COM_OBL_RC_ACT) {
        case 1: action = Action.FallbackAltCtrl; mode = NavState.ALTCTL; break;
        case 2: action = Action.FallbackStab; mode = NavState.STAB; break;
        case 3: action = Action.RTL; mode = NavState.AUTO_RTL; break;
        case 4: action = Action.Land; mode = NavState.AUTO_LAND; break;
        case 5: action = Action.Hold; mode = NavState.AUTO_LOITER; break;
        case 6: action = Action.Terminate; mode = NavState.TERMINATION; break;
        case 7: return Action.Disarm;
        default: action = Action.FallbackPosCtrl; mode = NavState.POSCTL; break;
      }
    }
    if (mode === NavState.POSCTL && !modeCanRun(f, mode)) {
      if (p.COM_POSCTL_NAVL === 1) {
        action = Action.Land; mode = NavState.AUTO_LAND;
        if (!modeCanRun(f, mode)) { action = Action.Descend; mode = NavState.DESCEND; }
      } else {
        action = Action.FallbackAltCtrl; mode = NavState.ALTCTL;
      }
    }
    if (!modeCanRun(f, mode)) {
      action = Action.RTL;
    }
    return action;
  }

  private check(id: number, cur: boolean, action: Action, clear: Clear, cause: Cause, takeover: Takeover): void {
    const last = this.lastState[id]!;
    if (cur) {
      let free = -1;
      let found = -1;
      for (let i = 0; i < MAX_ACTIONS; i++) {
        const a = this.actions[i]!;
        if (a.id === -1) free = i;
        else if (a.id === id) { found = i; break; }
      }
      if (found !== -1) {
        const a = this.actions[found]!;
        a.stateFailure = true;
        a.activated = true;
        a.action = action;
      } else if (free !== -1) {
        const a = this.actions[free]!;
        a.id = id; a.action = action; a.clear = clear; a.cause = cause; a.takeover = takeover;
        a.stateFailure = true; a.activated = true;
        if (takeover === Takeover.Auto) {
          if (this.failActT > 0.1) {
            if (action !== Action.Warn && this.currentDelayUs === 0) this.currentDelayUs = this.failActT * 1e6;
            a.takeover = Takeover.Always;
          } else {
            a.takeover = Takeover.AlwaysModeSwitchOnly;
          }
        }
        if (action === Action.Warn) this.notificationRequired = true;
        if (action >= Action.Hold) this.userTakeoverActive = false;
      }
    } else if (last) {
      for (const a of this.actions) if (a.id === id) this.removeAction(a);
    }
    this.lastState[id] = cur;
  }

  /** COM_FAIL_ACT_T, set by the owner before update() */
  failActT = 5;

  private removeAction(a: Entry): void {
    if (a.clear === Clear.WhenConditionClears) a.id = -1;
    else a.stateFailure = false;
  }

  private removeActions(c: Clear): void {
    for (const a of this.actions) if (a.id !== -1 && !a.stateFailure && a.clear === c) a.id = -1;
  }

  private removeNonActivated(): void {
    for (const a of this.actions) {
      if (a.id !== -1 && !a.activated) this.removeAction(a);
      a.activated = false;
    }
  }

  private static allowsTakeover(a: Action): boolean {
    return a === Action.Hold || a === Action.RTL || a === Action.Land || a === Action.Descend;
  }

  private readonly result = { action: Action.None, delayed: Action.None, cause: Cause.Generic, takeover: false };

  private getSelectedAction(armed: boolean, userMode: number, userModeUpdated: boolean, f: FailsafeFlags, p: FailsafeParams, prev: Action) {
    const r = this.result;
    r.action = Action.None; r.delayed = Action.None; r.cause = Cause.Generic; r.takeover = false;
    if (prev === Action.Terminate) { r.action = Action.Terminate; return r; }
    if (!armed) return r;

    let allow = Takeover.Always;
    for (const a of this.actions) {
      if (a.id === -1) continue;
      if (a.takeover > allow) allow = a.takeover;
      if (a.action > r.action) { r.action = a.action; r.cause = a.cause; }
    }

    if (this.currentDelayUs > 0 && !this.userTakeoverActive && allow <= Takeover.AlwaysModeSwitchOnly
      && r.action > Action.Warn && r.action !== Action.Disarm && r.action !== Action.Terminate) {
      r.delayed = r.action;
      r.action = Action.Hold;
      allow = Takeover.AlwaysModeSwitchOnly;
    }

    const wantModeSwitch = userModeUpdated && prev === r.action;
    const takeoverAllowed = (allow === Takeover.Always && (this.userTakeoverActive || wantModeSwitch))
      || (allow === Takeover.AlwaysModeSwitchOnly && (this.userTakeoverActive || wantModeSwitch));
    if (Failsafe.allowsTakeover(r.action) && takeoverAllowed) {
      r.action = Action.Warn;
      r.takeover = true;
      r.delayed = Action.None;
      const fb = this.checkModeFallback(f, userMode, p);
      if (fb > r.action) r.action = fb;
    }

    // fall back along the chain when the action's mode cannot run
    let a = r.action;
    if (a === Action.FallbackPosCtrl && !modeCanRun(f, NavState.POSCTL)) a = Action.FallbackAltCtrl;
    if (a === Action.FallbackAltCtrl && !modeCanRun(f, NavState.ALTCTL)) a = Action.FallbackStab;
    if (a === Action.FallbackStab && !modeCanRun(f, NavState.STAB)) a = Action.Hold;
    if (a === Action.Hold && !modeCanRun(f, NavState.AUTO_LOITER)) a = Action.RTL;
    if (a === Action.RTL && !modeCanRun(f, NavState.AUTO_RTL)) a = Action.Land;
    if (a === Action.Land && !modeCanRun(f, NavState.AUTO_LAND)) a = Action.Descend;
    if (a !== r.action) r.cause = Cause.Generic;
    r.action = a;

    // already landing: do not go into RTL
    if (userMode === NavState.AUTO_LAND && (r.action === Action.RTL || r.delayed === Action.RTL) && modeCanRun(f, NavState.AUTO_LAND)) {
      r.action = Action.Warn;
      r.delayed = Action.None;
    }
    return r;
  }

  /** framework.cpp notifyUser: one STATUSTEXT (mavlink_log_critical) plus the event text. */
  private notifyUser(action: Action, delayed: Action, cause: Cause): void {
    const delayS = Math.floor((this.currentDelayUs + 500_000) / 1e6);
    if (action === Action.Hold && delayed !== Action.None) {
      this.notices.push({
        severity: 2,
        source: 'event',
        text: cause === Cause.Generic
          ? `Failsafe activated, triggering ${actionName(delayed)} in ${delayS} seconds`
          : `Failsafe activated due to ${causeText(cause)}, triggering ${actionName(delayed)} in ${delayS} seconds`,
      });
      this.notices.push({ severity: 2, source: 'statustext', text: `Failsafe activated: entering Hold for ${delayS} seconds` });
      return;
    }
    if (action === Action.Warn) {
      const t = cause === Cause.BatteryLow ? 'Low battery level, return advised'
        : cause === Cause.BatteryCritical ? 'Critical battery level, land now'
          : cause === Cause.BatteryEmergency ? 'Emergency battery level, land immediately'
            : cause === Cause.Generic ? 'Failsafe warning triggered' : `Failsafe warning triggered due to ${causeText(cause)}`;
      this.notices.push({ severity: cause === Cause.BatteryEmergency ? 0 : cause === Cause.BatteryCritical ? 2 : 4, source: 'event', text: t });
    } else {
      this.notices.push({
        severity: 2,
        source: 'event',
        text: cause === Cause.Generic ? `Failsafe activated, triggering ${actionName(action)}` : `Failsafe activated due to ${causeText(cause)}, triggering ${actionName(action)}`,
      });
    }
    this.notices.push({ severity: 2, source: 'statustext', text: 'Failsafe activated' });
  }
}

/** telemetry_status_s::HEARTBEAT_TIMEOUT_US: a component counts as present this long after its last HEARTBEAT. */
export const GCS_HEARTBEAT_TIMEOUT_US = 2_500_000;

/**
 * How PX4 v1.16 notices that the ground station is gone, in its three stages:
 * - mavlink_receiver stamps each HEARTBEAT of type GCS and re-evaluates `heartbeat_type_gcs` (a GCS
 *   heartbeat within HEARTBEAT_TIMEOUT_US) at every heartbeat and every HEARTBEAT_TIMEOUT_US / 2
 *   (CheckHeartbeats; nothing in the first HEARTBEAT_TIMEOUT_US after boot);
 * - the mavlink module publishes telemetry_status when that happened, and at least at 1 Hz;
 * - commander's dataLinkCheck takes every telemetry_status with the flag set as the last contact
 *   (regaining the connection if it was lost) and declares the connection lost once COM_DL_LOSS_T
 *   has passed since the last contact — never before a first one. It starts out lost.
 * So the failsafe condition rises between COM_DL_LOSS_T + 2.5 s and COM_DL_LOSS_T + 3.75 s after
 * the last HEARTBEAT got through.
 */
export class GcsLinkMonitor {
  /** vehicle_status.gcs_connection_lost */
  lost = true;
  /** What the last update() said (drained by the owner). */
  readonly notices: Notice[] = [];
  private heartbeatAtUs = -Infinity;
  private present = false;
  private lastCheckUs = 0;
  private statusUpdated = false;
  private lastPublishUs = -Infinity;
  /** commander's _datalink_last_heartbeat_gcs; null before the first contact */
  private lastContactUs: number | null = null;

  /** A HEARTBEAT of type GCS arrived at `nowUs`. */
  heartbeat(nowUs: number): void {
    this.heartbeatAtUs = nowUs;
    this.checkHeartbeats(nowUs, true);
  }

  private checkHeartbeats(nowUs: number, force: boolean): void {
    if (nowUs <= GCS_HEARTBEAT_TIMEOUT_US) return;
    if (!force && nowUs < this.lastCheckUs + GCS_HEARTBEAT_TIMEOUT_US / 2) return;
    this.present = nowUs <= this.heartbeatAtUs + GCS_HEARTBEAT_TIMEOUT_US;
    this.statusUpdated = true;
    this.lastCheckUs = nowUs;
  }

  /** Advances the three stages to `nowUs` (idempotent for the same time). */
  update(nowUs: number, lossTimeS: number): void {
    this.notices.length = 0;
    this.checkHeartbeats(nowUs, false);
    if (this.statusUpdated || nowUs - this.lastPublishUs >= 1_000_000) {
      this.statusUpdated = false;
      this.lastPublishUs = nowUs;
      if (this.present) {
        if (this.lost) {
          this.lost = false;
          if (this.lastContactUs !== null) {
            this.notices.push({ severity: 6, source: 'statustext', text: 'GCS connection regained' });
            this.notices.push({ severity: 6, source: 'event', text: 'GCS connection regained' });
          }
        }
        this.lastContactUs = nowUs;
      }
    }
    if (!this.lost && this.lastContactUs !== null && nowUs - this.lastContactUs > lossTimeS * 1e6) {
      this.lost = true;
      this.notices.push({ severity: 6, source: 'statustext', text: 'Connection to ground station lost' });
      this.notices.push({ severity: 4, source: 'event', text: 'Connection to ground control station lost' });
    }
  }
}
