/**
 * PX4's mission mode (navigator/mission_base.cpp, mission.cpp, mission_block.cpp, v1.16) for a
 * multicopter: the stored items become position setpoints item by item; an item is reached by
 * acceptance radius, altitude radius, heading and hold time; DO_JUMP, DO_CHANGE_SPEED and RTL are
 * handled as the navigator handles them; takeoff from the ground is a climb work item; at the end
 * the vehicle loiters (or stays idle when landed). Progress goes to the MissionStore
 * (current item, items reached, mission state) as PX4's mission_result drives MISSION_CURRENT and
 * MISSION_ITEM_REACHED. Pure: the vehicle passes its state in and flies the setpoint out.
 */
import { wrapPi } from '../dynamics.js';
import type { MapProjection } from '../geo.js';
import { MissionState, MissionType, type MissionItem, type MissionStore } from '../mission-store.js';
import { distanceM, type Geofence, type HomeRef } from './geofence.js';
import { checkMissionFeasible } from './mission-feasibility.js';
import { NavCmd, decodeItem, itemContainsPosition, type NavItem } from './navigation.js';

export { NavCmd, decodeItem, isGlobalFrame, itemContainsPosition, type NavItem } from './navigation.js';

/** position_setpoint_s types the model flies. */
export type SetpointType = 'idle' | 'takeoff' | 'position' | 'loiter' | 'land';

export interface MissionSetpoint {
  type: SetpointType;
  /** local NED (m) */
  x: number;
  y: number;
  z: number;
  /** heading (rad); NaN: FlightTaskAuto's own (towards the waypoint) */
  yaw: number;
  /** the next position item (local NED) when the vehicle flies on through this one; NaN: it stops here */
  nextX: number;
  nextY: number;
}

/** What the mission needs from the vehicle each cycle. */
export interface MissionContext {
  nowUs: number;
  params: Record<string, number>;
  store: MissionStore;
  geofence: Geofence;
  home: HomeRef;
  /** increments whenever home is set (home_position update_count) */
  homeCounter: number;
  proj: MapProjection;
  originAlt: number;
  armed: boolean;
  landed: boolean;
  maybeLanded: boolean;
  lat: number;
  lon: number;
  /** AMSL (m) */
  alt: number;
  /** heading (rad) */
  yaw: number;
  text: (severity: number, text: string, source?: 'statustext' | 'event') => void;
}

const enum Work { Default, Climb, MoveToLand }
const MAX_JUMP_ITERATION = 10;
const INFO = 6, CRIT = 2;

export class Mission {
  /** mission_result.valid */
  valid = false;
  /** navigator cruising speed from DO_CHANGE_SPEED (m/s); NaN: MPC_XY_CRUISE */
  cruise = NaN;
  /** The mission issued NAV_RETURN_TO_LAUNCH: commander switches to Return (consumed by the vehicle). */
  rtlRequested = false;
  /** mission_result.finished */
  finished = false;
  readonly sp: MissionSetpoint = { type: 'idle', x: 0, y: 0, z: 0, yaw: NaN, nextX: NaN, nextY: NaN };

  private active = false;
  private missionId = -1;
  private checkedFenceId = -1;
  private checkedHome = -1;
  private executing = false; // _mission_type == MISSION_TYPE_MISSION
  private currentValid = false; // _is_current_planned_mission_item_valid
  private work: Work = Work.Default;
  private item: NavItem | null = null;
  private posReached = false;
  private yawReached = false;
  private timeReachedUs = 0;
  private initClimbAmsl = NaN;
  private readonly jumps = new Map<number, number>();
  private hasBeenActivated = false;
  private disarmedWhileInactive = false;
  private spValid = false;
  /** the item index set_mission_items last flew: another one means MISSION_SET_CURRENT */
  private seqFlown = -1;
  private readonly tmp = { x: 0, y: 0 };

  get isActive(): boolean {
    return this.active;
  }

  /** The item the vehicle flies as the mission has rewritten it (climb, move-to-land): for telemetry and tests. */
  get currentItem(): Readonly<NavItem> | null {
    return this.item;
  }

  private items(ctx: MissionContext): readonly MissionItem[] {
    return ctx.store.items(MissionType.MISSION);
  }

  private load(ctx: MissionContext, seq: number): NavItem | null {
    const s = this.items(ctx)[seq];
    return s ? decodeItem(s, ctx.home.alt) : null;
  }

  /** MissionBase::updateMavlinkMission + check_mission_valid: a new upload, new fence or new home re-runs the feasibility check. */
  refresh(ctx: MissionContext, forced = false): void {
    const id = ctx.store.id(MissionType.MISSION);
    const changed = id !== this.missionId;
    if (changed) {
      this.missionId = id;
      this.jumps.clear();
      this.hasBeenActivated = false;
      this.finished = false;
    }
    const fenceId = ctx.store.id(MissionType.FENCE);
    if (forced || changed || fenceId !== this.checkedFenceId || ctx.homeCounter !== this.checkedHome) {
      this.checkedFenceId = fenceId;
      this.checkedHome = ctx.homeCounter;
      this.valid = checkMissionFeasible(this.items(ctx), {
        home: ctx.home, landed: ctx.landed, params: ctx.params, geofence: ctx.geofence, text: ctx.text,
      });
    }
    if (changed) {
      this.currentValid = this.isMissionValid(ctx);
      if (this.active) {
        this.updateMission(ctx);
        this.setMissionItems(ctx);
      }
    }
    if (!this.active && !ctx.armed) this.disarmedWhileInactive = true;
  }

  private isMissionValid(ctx: MissionContext): boolean {
    return ctx.store.current < this.items(ctx).length && this.valid;
  }

  /** Mission::on_activation + MissionBase::on_activation */
  activate(ctx: MissionContext): void {
    this.active = true;
    this.refresh(ctx, true);
    // checkMissionRestart: a finished mission flown again after a disarm starts over
    const n = this.items(ctx).length;
    if (this.disarmedWhileInactive && this.hasBeenActivated && n > 0 && ctx.store.current + 1 === n) {
      ctx.store.setCurrent(0);
      this.currentValid = this.isMissionValid(ctx);
      this.jumps.clear();
      this.cruise = NaN;
    }
    this.hasBeenActivated = true;
    this.disarmedWhileInactive = false;
    this.finished = false;
    this.currentValid = this.isMissionValid(ctx);
    this.updateMission(ctx);
    // replayCachedSpeedChangeItems: the last DO_CHANGE_SPEED before the current item still applies
    this.cruise = NaN;
    for (let i = ctx.store.current - 1; i >= 0; i--) {
      const it = this.load(ctx, i);
      if (it?.cmd === NavCmd.DO_CHANGE_SPEED) { this.applySpeed(it); break; }
    }
    this.checkClimbRequired(ctx, ctx.store.current);
    this.setMissionItems(ctx);
  }

  /** MissionBase::on_inactivation: the current item restarts when the mission is resumed. */
  deactivate(ctx: MissionContext): void {
    if (!this.active) return;
    this.active = false;
    this.work = Work.Default;
    this.executing = false;
    this.rtlRequested = false;
    if (ctx.store.state === MissionState.ACTIVE) ctx.store.state = MissionState.PAUSED;
  }

  /** MissionBase::on_active */
  update(ctx: MissionContext): void {
    this.refresh(ctx);
    if (ctx.store.current !== this.seqFlown && this.items(ctx).length > 0) {
      // Mission::set_current_mission_index while active: fly the new item from here
      this.currentValid = this.isMissionValid(ctx);
      this.finished = false;
      this.updateMission(ctx);
      this.setMissionItems(ctx);
    }
    if (this.executing && this.isReached(ctx)) {
      // a climb inserted before the first item is not that item
      if (this.work !== Work.Climb) ctx.store.markReached(ctx.store.current);
      this.resetReached();
      if (this.item?.autocontinue) {
        this.advance(ctx);
        this.setMissionItems(ctx);
      }
    }
  }

  /** MissionBase::update_mission */
  private updateMission(ctx: MissionContext): void {
    if (this.items(ctx).length === 0 || !this.currentValid || !this.isMissionValid(ctx)) {
      ctx.text(CRIT, ctx.landed ? 'No valid mission available, refusing takeoff' : 'No valid mission available, loitering');
      this.executing = false;
    } else {
      if (!this.executing) ctx.text(INFO, 'Executing Mission');
      this.executing = true;
      ctx.store.state = MissionState.ACTIVE;
    }
    this.work = Work.Default;
  }

  /** MissionBase::advance_mission */
  private advance(ctx: MissionContext): void {
    if (this.work !== Work.Default || !this.executing) return;
    this.currentValid = this.goToNextItem(ctx);
    if (!this.currentValid) {
      ctx.text(INFO, ctx.landed ? 'Mission finished, landed' : 'Mission finished, loitering');
      if (ctx.store.current + 1 === this.items(ctx).length) this.jumps.clear();
    }
  }

  private goToNextItem(ctx: MissionContext): boolean {
    const next = ctx.store.current + 1;
    if (next >= this.items(ctx).length) return false;
    const idx = this.nonJumpItem(ctx, next, true);
    if (idx < 0) return false;
    ctx.store.setCurrent(idx);
    return true;
  }

  /** MissionBase::getNonJumpItem: follows DO_JUMPs (counting them when `write`) to the next item that is not one. */
  private nonJumpItem(ctx: MissionContext, index: number, write: boolean): number {
    const items = this.items(ctx);
    let i = index;
    for (let n = 0; n < MAX_JUMP_ITERATION; n++) {
      const s = items[i];
      if (!s) return -1;
      if (s.command !== NavCmd.DO_JUMP) return i;
      const target = Math.trunc(s.param1);
      if (target >= items.length || target < 0) return -1; // "Do Jump mission index is out of bounds."
      const done = this.jumps.get(i) ?? 0;
      if (done < Math.trunc(s.param2)) {
        if (write) this.jumps.set(i, done + 1);
        i = target;
      } else {
        i++;
      }
    }
    return items[i] && items[i]!.command !== NavCmd.DO_JUMP ? i : -1;
  }

  /** MissionBase::getNextPositionItems (one item, jumps followed but not counted). */
  private nextPositionItem(ctx: MissionContext, from: number): NavItem | null {
    const items = this.items(ctx);
    for (let i = from; i < items.length; i++) {
      const j = this.nonJumpItem(ctx, i, false);
      if (j < 0) return null;
      const it = this.load(ctx, j);
      if (!it) return null;
      if (itemContainsPosition(it.cmd)) return it;
      if (j < i) return null; // a jump back: the next position is behind, stop searching
      i = j;
    }
    return null;
  }

  /** MissionBase::checkClimbRequired: on the ground or below the next position item, climb first. */
  private checkClimbRequired(ctx: MissionContext, index: number): void {
    this.initClimbAmsl = NaN;
    const items = this.items(ctx);
    for (let i = index; i < items.length; i++) {
      const j = this.nonJumpItem(ctx, i, false);
      if (j < 0) return;
      const it = this.load(ctx, j);
      if (!it) return;
      if (itemContainsPosition(it.cmd)) {
        if (it.altAmsl - ctx.alt > ctx.params.NAV_MC_ALT_RAD!) this.initClimbAmsl = it.altAmsl;
        return;
      }
      i = j;
    }
  }

  /** MissionBase::set_mission_items */
  private setMissionItems(ctx: MissionContext): void {
    this.seqFlown = ctx.store.current;
    if (this.currentValid && this.executing && this.isMissionValid(ctx)) {
      const it = this.load(ctx, ctx.store.current);
      if (it) {
        this.item = it;
        this.setActiveMissionItems(ctx);
        return;
      }
    }
    this.setEndOfMissionItems(ctx);
  }

  /** Mission::setActiveMissionItems (multicopter). */
  private setActiveMissionItems(ctx: MissionContext): void {
    const it = this.item!;
    let newWork: Work = Work.Default;
    if (itemContainsPosition(it.cmd)) {
      newWork = this.handleTakeoff(ctx, it, newWork);
      newWork = this.handleLanding(ctx, it, newWork);
      this.toSetpoint(ctx, it);
      // the next position item, unless the vehicle holds here (brake_for_hold) or stops
      this.sp.nextX = NaN; this.sp.nextY = NaN;
      if (it.autocontinue && !(it.timeInside > 1.1920929e-7 && (it.cmd === NavCmd.WAYPOINT || it.cmd === NavCmd.LOITER_TIME))
        && (this.sp.type === 'position')) {
        const next = this.nextPositionItem(ctx, ctx.store.current + 1);
        if (next && next.cmd !== NavCmd.LAND) {
          ctx.proj.project(next.lat, next.lon, this.tmp);
          this.sp.nextX = this.tmp.x; this.sp.nextY = this.tmp.y;
        }
      }
    } else {
      this.issueCommand(it);
    }
    this.work = newWork;
    this.resetReached();
    ctx.store.state = MissionState.ACTIVE;
  }

  /** Mission::handleTakeoff */
  private handleTakeoff(ctx: MissionContext, it: NavItem, newWork: Work): Work {
    if (Number.isFinite(this.initClimbAmsl) && this.work === Work.Default) {
      newWork = Work.Climb;
      ctx.text(INFO, `Climb to ${(this.initClimbAmsl - ctx.home.alt).toFixed(1)} meters above home`);
      it.cmd = ctx.landed ? NavCmd.TAKEOFF : NavCmd.LOITER_TO_ALT;
      it.lat = ctx.lat; it.lon = ctx.lon; it.yaw = NaN;
      it.altAmsl = this.initClimbAmsl;
      it.autocontinue = true;
      it.timeInside = 0;
      this.initClimbAmsl = NaN;
    } else if (it.cmd === NavCmd.TAKEOFF && this.work === Work.Default) {
      // no climb needed: a takeoff item is a waypoint
      it.cmd = NavCmd.WAYPOINT;
      it.yaw = NaN;
    }
    if (it.cmd === NavCmd.TAKEOFF && this.work === Work.Climb) {
      it.cmd = NavCmd.WAYPOINT;
      it.yaw = NaN;
    }
    return newWork;
  }

  /** MissionBase::handleLanding: first move over the landing point at the current altitude, then land. */
  private handleLanding(ctx: MissionContext, it: NavItem, newWork: Work): Work {
    if (it.cmd !== NavCmd.LAND) return newWork;
    it.yaw = NaN;
    if (!ctx.landed && this.work === Work.Default && distanceM(it.lat, it.lon, ctx.lat, ctx.lon) > ctx.params.NAV_ACC_RAD!) {
      it.altAmsl = this.spValid && this.sp.type === 'position' ? ctx.originAlt - this.sp.z : ctx.alt;
      it.cmd = NavCmd.WAYPOINT;
      it.autocontinue = true;
      it.timeInside = 0;
      it.acceptanceRadius = ctx.params.NAV_ACC_RAD!;
      return Work.MoveToLand;
    }
    return newWork;
  }

  /** MissionBlock::issue_command for the items without a position the model acts on. */
  private issueCommand(it: NavItem): void {
    if (it.cmd === NavCmd.DO_CHANGE_SPEED) this.applySpeed(it);
    else if (it.cmd === NavCmd.RETURN_TO_LAUNCH) this.rtlRequested = true;
  }

  /** Navigator VEHICLE_CMD_DO_CHANGE_SPEED: param2 > 0 sets the cruising speed, else the default comes back. */
  private applySpeed(it: NavItem): void {
    this.cruise = it.param2 > 1.1920929e-7 ? it.param2 : NaN;
  }

  /** MissionBlock::mission_item_to_position_setpoint */
  private toSetpoint(ctx: MissionContext, it: NavItem): void {
    const sp = this.sp;
    ctx.proj.project(it.lat, it.lon, this.tmp);
    sp.x = this.tmp.x; sp.y = this.tmp.y;
    sp.z = -(it.altAmsl - ctx.originAlt);
    sp.yaw = it.yaw;
    switch (it.cmd) {
      case NavCmd.TAKEOFF:
        // flying already: a takeoff is a position
        sp.type = ctx.armed && !ctx.landed && !ctx.maybeLanded ? 'position' : 'takeoff';
        if (sp.type === 'takeoff') sp.yaw = NaN;
        break;
      case NavCmd.LAND: sp.type = 'land'; break;
      case NavCmd.LOITER_TO_ALT:
      case NavCmd.LOITER_TIME:
      case NavCmd.LOITER_UNLIM: sp.type = 'loiter'; break;
      default: sp.type = 'position'; break;
    }
    this.spValid = true;
  }

  /** MissionBase::setEndOfMissionItems: loiter where the mission ended (idle on the ground). */
  private setEndOfMissionItems(ctx: MissionContext): void {
    const sp = this.sp;
    if (ctx.landed) {
      sp.type = 'idle';
    } else if (!(this.spValid && sp.type === 'loiter')) {
      sp.nextX = NaN; sp.nextY = NaN;
      ctx.proj.project(ctx.lat, ctx.lon, this.tmp);
      sp.x = this.tmp.x; sp.y = this.tmp.y; sp.z = -(ctx.alt - ctx.originAlt);
      sp.yaw = NaN;
      sp.type = 'loiter';
    }
    this.spValid = true;
    this.item = null;
    this.finished = true;
    this.executing = false;
    if (this.items(ctx).length > 0 && this.valid) ctx.store.state = MissionState.COMPLETE;
  }

  private resetReached(): void {
    this.posReached = false;
    this.yawReached = false;
    this.timeReachedUs = 0;
  }

  /** MissionBlock::is_mission_item_reached_or_completed (multicopter). */
  private isReached(ctx: MissionContext): boolean {
    const it = this.item;
    if (!it) return false;
    const p = ctx.params;
    switch (it.cmd) {
      case NavCmd.LAND: return ctx.landed;
      case NavCmd.IDLE:
      case NavCmd.LOITER_UNLIM: return false;
      case NavCmd.DELAY:
        this.posReached = true;
        this.yawReached = true;
        if (this.timeReachedUs === 0) this.timeReachedUs = ctx.nowUs;
        break;
      default:
        if (!itemContainsPosition(it.cmd)) return true; // DO_* items are done once issued
    }
    if (!ctx.landed && !this.posReached) {
      const dxy = distanceM(it.lat, it.lon, ctx.lat, ctx.lon);
      const dz = Math.abs(it.altAmsl - ctx.alt);
      const altRad = p.NAV_MC_ALT_RAD!;
      if (it.cmd === NavCmd.TAKEOFF) {
        // multicopter takeoff: altitude only (half the takeoff height when that is below NAV_MC_ALT_RAD)
        const rel = it.altAmsl - ctx.home.alt;
        const acc = rel > 0 && rel < altRad ? rel / 2 : altRad;
        if (ctx.alt > it.altAmsl - acc) this.posReached = true;
      } else if (it.cmd === NavCmd.LOITER_TO_ALT) {
        if (dxy <= p.NAV_ACC_RAD! + p.NAV_LOITER_RAD! && dz <= altRad) this.posReached = true;
      } else {
        const acc = it.acceptanceRadius > 1.1920929e-7 ? it.acceptanceRadius : p.NAV_ACC_RAD!;
        if (dxy <= acc && dz <= altRad) this.posReached = true;
      }
      if (this.posReached) this.timeReachedUs = ctx.nowUs;
    }
    if (this.posReached && !this.yawReached) {
      // heading: within MIS_YAW_ERR, or any heading once MIS_YAW_TMT is set (headings are never forced here)
      if (Number.isFinite(it.yaw)) {
        const err = wrapPi(it.yaw - ctx.yaw);
        if (Math.abs(err) < p.MIS_YAW_ERR! * (Math.PI / 180) || p.MIS_YAW_TMT! >= 1.1920929e-7) this.yawReached = true;
      } else {
        this.yawReached = true;
      }
    }
    if (this.posReached && this.yawReached) {
      const hold = it.cmd === NavCmd.WAYPOINT || it.cmd === NavCmd.LOITER_TIME || it.cmd === NavCmd.DELAY ? Math.max(it.timeInside, 0) : 0;
      return hold < 1.1920929e-7 || ctx.nowUs >= this.timeReachedUs + hold * 1e6;
    }
    return false;
  }
}
