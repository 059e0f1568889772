/**
 * PX4's Commander (commander/Commander.cpp, v1.16), as far as this model goes: arming and disarming
 * with their checks, the user's mode intention and the failsafe's fallbacks on it, the vehicle
 * commands commander answers, home, takeoff/landing events, auto-disarm and the switch to Hold when
 * the navigator finishes a takeoff or a mission. It reads the rest of the vehicle through
 * CommanderHost, the way Commander reads uORB topics.
 */
import { common } from 'node-mavlink';
import { NavState, navStateFromCustom, navStateName, requiresManualControl } from '../modes.js';
import { MissionType, type MissionStore } from '../mission-store.js';
import type { ParamStoreImpl } from '../params.js';
import type { CommandParams, CommandResult, CommandSource } from '../types.js';
import { Action, Failsafe, GcsLinkMonitor, modeCanRun, type FailsafeFlags, type FailsafeParams } from './failsafe.js';
import { initialFailsafeFlags, updateFailsafeFlags, type FlagSources } from './failsafe-flags.js';
import { canArm } from './health-and-arming-checks.js';
import { HomePosition } from './home-position.js';
import { UserModeIntention } from './user-mode-intention.js';

const R = common.MavResult;
// MAV_SEVERITY
const SEV_CRITICAL = 2, SEV_INFO = 6;
/** MAV_COMP_ID_MISSIONPLANNER (a ground station): only its rejected DO_SET_MODE is reported in text */
const COMP_MISSIONPLANNER = 190;
/** COMPONENT_ARM_DISARM param2 that forces the disarm */
const FORCE_MAGIC = 21196;

/** What the commander reads from, and asks of, the navigator (mission_result, vehicle_command). */
export interface CommanderNavigator {
  /** the takeoff item is reached (mission_result.finished in Takeoff) */
  readonly takeoffDone: boolean;
  /** mission_result.finished in Mission */
  readonly missionFinished: boolean;
  /** NAV_TAKEOFF: where the takeoff mode flies to (a new item: the last flight's "done" is forgotten) */
  takeoffRequested(lat: number, lon: number, alt: number): void;
  /** DO_REPOSITION in air: yaw (rad), lat, lon, alt AMSL; NaN keeps the current value */
  reposition(yaw: number, lat: number, lon: number, alt: number): void;
  /** run the active mode's on_activation again (a new takeoff item while in Takeoff) */
  reactivate(): void;
  /** Hold at the takeoff point, or where the finished mission loiters (the next Hold's position) */
  holdAtTakeoffPoint(): void;
  holdAtMissionEnd(): void;
}

export interface CommanderHost extends FlagSources {
  readonly maybeLanded: boolean;
  readonly paramStore: ParamStoreImpl;
  readonly missions: MissionStore;
  /** the estimate home is taken from at arming */
  readonly estimate: Readonly<{ epx: number; epy: number; epz: number; yaw: number }>;
  readonly navigator: CommanderNavigator;
}

export class Commander {
  armed = false;
  armedAtUs = 0;
  /** vehicle_status.takeoff_time: when the land detector last called a takeoff while armed (valid with haveTakenOff) */
  takeoffAtUs = 0;
  haveTakenOff = false;
  /** vehicle_status.nav_state: the user's mode, or what the failsafe flies instead */
  navState: number = NavState.AUTO_LOITER;
  readonly intention = new UserModeIntention();
  readonly flags: FailsafeFlags = initialFailsafeFlags();
  readonly failsafe = new Failsafe();
  readonly gcsLink = new GcsLinkMonitor();
  readonly home: HomePosition;
  private landedSinceUs = 0;
  private lastRejectPrintUs = -Infinity;

  constructor(private readonly host: CommanderHost, home: HomePosition) {
    this.home = home;
  }

  // ───────────────────────────── vehicle commands ─────────────────────────────

  /** Commander::handle_command for the commands it owns; null for those it does not. */
  handleCommand(cmd: number, prm: CommandParams, source: CommandSource): CommandResult | null {
    const C = common.MavCmd;
    const h = this.host;
    switch (cmd) {
      case C.COMPONENT_ARM_DISARM: {
        const action = Math.round(prm[0]);
        if (action !== 0 && action !== 1) {
          h.text(SEV_CRITICAL, `Unsupported ARM_DISARM param: ${prm[0].toFixed(3)}`);
          return { result: R.UNSUPPORTED };
        }
        const forced = Math.round(prm[1]) === FORCE_MAGIC;
        // checks always run for external commands (run_preflight_checks = from_external || !forced)
        const ok = action === 1 ? this.arm('external command') : this.disarm('external command', forced);
        return { result: ok ? R.ACCEPTED : R.TEMPORARILY_REJECTED };
      }
      case C.DO_SET_MODE: {
        const base = Math.round(prm[0]);
        let desired = -1;
        if (base & 1) {
          desired = navStateFromCustom(Math.round(prm[1]), Math.round(prm[2]));
          if (desired < 0 && Math.round(prm[1]) === 4) {
            h.text(SEV_CRITICAL, 'Unsupported auto mode');
            return { result: R.TEMPORARILY_REJECTED };
          }
        } else if (base & 4) desired = NavState.AUTO_MISSION;
        else if (base & 64) desired = base & 8 ? NavState.POSCTL : base & 16 ? NavState.STAB : NavState.MANUAL;
        if (desired < 0) return { result: R.ACCEPTED }; // nothing to change, as PX4 (TRANSITION_NOT_CHANGED)
        // LAND is always allowed (it degrades to Descend)
        if (this.changeUserMode(desired, desired === NavState.AUTO_LAND)) return { result: R.ACCEPTED };
        if (source.compId === COMP_MISSIONPLANNER) this.printRejectMode(desired);
        return { result: R.TEMPORARILY_REJECTED };
      }
      case C.NAV_TAKEOFF: {
        // param4 (yaw) is not read: PX4's navigator sets no takeoff heading (FlightTaskAuto keeps it).
        h.navigator.takeoffRequested(prm[4], prm[5], prm[6]);
        if (this.changeUserMode(NavState.AUTO_TAKEOFF)) {
          h.navigator.reactivate(); // re-activate takeoff even when already in it
          return { result: R.ACCEPTED };
        }
        this.printRejectMode(NavState.AUTO_TAKEOFF);
        return { result: R.TEMPORARILY_REJECTED };
      }
      case C.NAV_LAND:
        return this.switchAnnounced(NavState.AUTO_LAND, 'Landing at current position');
      case C.NAV_RETURN_TO_LAUNCH:
        return this.switchAnnounced(NavState.AUTO_RTL, 'Returning to launch');
      case C.DO_REPOSITION: {
        const flags = Math.round(prm[1]);
        if ((flags & 1) === 0 || (flags & ~1) !== 0) return { result: R.UNSUPPORTED };
        if (!this.changeUserMode(NavState.AUTO_LOITER)) {
          this.printRejectMode(NavState.AUTO_LOITER);
          return { result: R.TEMPORARILY_REJECTED };
        }
        // the navigator takes the position; on the ground there is nothing to reposition
        if (!h.landed) h.navigator.reposition(prm[3], prm[4], prm[5], prm[6]);
        return { result: R.ACCEPTED };
      }
      case C.DO_SET_HOME: {
        if (h.params.COM_HOME_EN !== 1) return { result: R.DENIED };
        if (prm[0] > 0.5) {
          if (this.flags.globalPositionInvalid) return { result: R.TEMPORARILY_REJECTED };
          this.setHomeHere();
        } else {
          if (!Number.isFinite(prm[4]) || !Number.isFinite(prm[5]) || !Number.isFinite(prm[6])) return { result: R.DENIED };
          this.home.setTo(prm[4], prm[5], prm[6]);
        }
        return { result: R.ACCEPTED };
      }
      case C.MISSION_START: {
        // switch to Mission and arm, when there is a valid mission and param1 names one of its items
        this.updateFlags();
        const total = h.missions.items(MissionType.MISSION).length;
        if (this.flags.autoMissionMissing) return { result: R.DENIED };
        if (!(Number.isFinite(prm[0]) && prm[0] >= -1 && prm[0] < total)) return { result: R.DENIED };
        if (this.changeUserMode(NavState.AUTO_MISSION) && this.arm('mission start')) {
          if (prm[0] >= 0) h.missions.setCurrent(Math.trunc(prm[0]));
          return { result: R.ACCEPTED };
        }
        this.printRejectMode(NavState.AUTO_MISSION);
        return { result: R.TEMPORARILY_REJECTED };
      }
      case C.DO_FLIGHTTERMINATION: {
        if (!(prm[0] > 0.5) || !this.armed) return { result: R.DENIED };
        return { result: this.changeUserMode(NavState.TERMINATION) ? R.ACCEPTED : R.TEMPORARILY_REJECTED };
      }
      default:
        return null;
    }
  }

  /** A mode switch commander confirms with a message (NAV_LAND, NAV_RETURN_TO_LAUNCH). */
  private switchAnnounced(n: number, announcement: string): CommandResult {
    if (this.changeUserMode(n)) {
      this.host.text(SEV_INFO, announcement);
      return { result: R.ACCEPTED };
    }
    this.printRejectMode(n);
    return { result: R.TEMPORARILY_REJECTED };
  }

  private printRejectMode(n: number): void {
    const t = this.host.nowUs;
    if (t - this.lastRejectPrintUs > 1e6) {
      this.host.text(SEV_CRITICAL, `Switching to ${navStateName(n)} is currently not available`);
      this.lastRejectPrintUs = t;
    }
  }

  // ───────────────────────────── modes ─────────────────────────────

  /** Mode requirement check used for switching and arming (includes stick input). */
  private canRun(n: number): boolean {
    if (requiresManualControl(n) && this.flags.manualControlLost) return false;
    return modeCanRun(this.flags, n);
  }

  /** UserModeIntention::change: always allowed while disarmed; armed, the mode must be able to run. */
  changeUserMode(n: number, force = false): boolean {
    this.updateFlags();
    let allow = force || !this.armed || this.canRun(n);
    allow &&= this.navState !== NavState.TERMINATION;
    if (!allow) return false;
    this.intention.set(n);
    this.handleModeIntentionAndFailsafe();
    return true;
  }

  /** Runs the failsafe state machine on the user's mode and derives the nav state it flies. */
  handleModeIntentionAndFailsafe(): void {
    const p = this.host.params;
    const fs = this.failsafe;
    const u = this.intention;
    fs.failActT = p.COM_FAIL_ACT_T!;
    fs.update(this.host.nowUs, this.armed, u.mode, u.updated, this.flags, p as unknown as FailsafeParams);
    u.updated = false;
    for (const n of fs.notices) this.host.text(n.severity, n.text, n.source);
    let nav = u.mode;
    switch (fs.selected) {
      case Action.FallbackPosCtrl: nav = NavState.POSCTL; break;
      case Action.FallbackAltCtrl: nav = NavState.ALTCTL; break;
      case Action.FallbackStab: nav = NavState.STAB; break;
      case Action.Hold: nav = NavState.AUTO_LOITER; break;
      case Action.RTL: nav = NavState.AUTO_RTL; break;
      case Action.Land: nav = NavState.AUTO_LAND; break;
      case Action.Descend: nav = NavState.DESCEND; break;
      case Action.Terminate: nav = NavState.TERMINATION; break;
      case Action.Disarm:
        // disarm() re-evaluates the modes with the restored user mode
        if (this.armed) { this.disarm('failsafe', true); return; }
        break;
      default: break;
    }
    this.navState = nav;
  }

  // ───────────────────────────── arming ─────────────────────────────

  /** canArm in the current nav state (the flags refreshed first); `report` sends the reasons. */
  canArm(report: boolean): boolean {
    this.updateFlags();
    const h = this.host;
    return canArm(this.navState, this.flags, h.offboardControlMode.position, h.params.NAV_DLL_ACT!, report ? h.text : null);
  }

  arm(reason: string): boolean {
    if (this.armed) return true;
    if (!this.canArm(true)) return false;
    const h = this.host;
    this.armed = true;
    this.armedAtUs = h.nowUs;
    this.haveTakenOff = false;
    h.text(SEV_INFO, `Armed by ${reason}`);
    if (h.params.COM_HOME_EN === 1 && !this.flags.globalPositionInvalid) this.setHomeHere();
    this.handleModeIntentionAndFailsafe();
    return true;
  }

  disarm(reason: string, forced: boolean): boolean {
    if (!this.armed) return true;
    const h = this.host;
    if (!forced && !(h.landed || h.maybeLanded)) {
      h.text(SEV_CRITICAL, 'Disarming denied: not landed');
      return false;
    }
    this.armed = false;
    this.armedAtUs = 0;
    this.haveTakenOff = false;
    // Commander counts flights at every disarm, taken off or not; the next flight gets the new number.
    h.paramStore.set('COM_FLIGHT_UUID', h.params.COM_FLIGHT_UUID! + 1);
    this.intention.onDisarm();
    h.text(SEV_INFO, `Disarmed by ${reason}`);
    this.handleModeIntentionAndFailsafe();
    return true;
  }

  private setHomeHere(): void {
    const e = this.host.estimate;
    this.home.setHere(e.epx, e.epy, e.epz, e.yaw);
  }

  // ───────────────────────────── each cycle ─────────────────────────────

  /** failsafe_flags from this cycle's topics (geofenceBreached is the navigator's to set). */
  updateFlags(): void {
    updateFailsafeFlags(this.flags, this.host, this.gcsLink, this.home.value.valid);
  }

  /** handleAutoDisarm, then checkForMissionUpdate; neither does anything disarmed. */
  update(): void {
    if (!this.armed) return;
    if (this.handleAutoDisarm()) return;
    this.checkForMissionUpdate();
  }

  /** COM_DISARM_LAND after a landing, COM_DISARM_PRFLT when armed and never taken off. True when it disarmed. */
  private handleAutoDisarm(): boolean {
    const h = this.host;
    const p = h.params;
    const t = h.nowUs;
    if (this.haveTakenOff) {
      // not while a mission that has not finished is on the ground (landed_amid_mission)
      const landedAmidMission = this.navState === NavState.AUTO_MISSION && !h.navigator.missionFinished;
      if (p.COM_DISARM_LAND! > 0 && !landedAmidMission && h.landed && t - this.landedSinceUs >= p.COM_DISARM_LAND! * 1e6) {
        this.disarm('landing', true);
        return true;
      }
    } else if (p.COM_DISARM_PRFLT! > 0 && t - this.armedAtUs >= p.COM_DISARM_PRFLT! * 1e6) {
      this.disarm('auto preflight disarming', true);
      return true;
    }
    return false;
  }

  /** The navigator finished the takeoff item, or the mission (in air): Hold there. */
  private checkForMissionUpdate(): void {
    const nav = this.host.navigator;
    if (this.navState === NavState.AUTO_TAKEOFF && nav.takeoffDone && this.intention.mode === NavState.AUTO_TAKEOFF) {
      nav.holdAtTakeoffPoint();
      this.changeUserMode(NavState.AUTO_LOITER);
    }
    if (this.navState === NavState.AUTO_MISSION && nav.missionFinished && !this.host.landed && this.intention.mode === NavState.AUTO_MISSION) {
      nav.holdAtMissionEnd();
      this.changeUserMode(NavState.AUTO_LOITER);
    }
  }

  /** landDetectorUpdate: "Takeoff detected" / "Landing detected" while armed, with their times. */
  landDetectorUpdate(wasLanded: boolean, landed: boolean): void {
    if (!this.armed) return;
    const h = this.host;
    if (wasLanded && !landed) {
      this.haveTakenOff = true;
      this.takeoffAtUs = h.nowUs;
      h.text(SEV_INFO, 'Takeoff detected', 'event');
    }
    if (!wasLanded && landed) {
      this.landedSinceUs = h.nowUs;
      h.text(SEV_INFO, 'Landing detected', 'event');
    }
  }
}
