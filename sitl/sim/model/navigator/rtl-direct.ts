/**
 * Return mode's direct return (navigator/rtl_direct.cpp RtlDirect, v1.16, multicopter): climb in
 * place to the return altitude, fly to the destination at it, then land there at once — or, with
 * RTL_LAND_DELAY set, first descend to RTL_DESCEND_ALT and wait there. Each state's item is "reached"
 * as MissionBlock::is_mission_item_reached_or_completed says for that item.
 */
import { WaypointType, type AutoTriplet } from '../flight-task-auto.js';
import { norm2, type Vec3 } from '../motion-planning/traj-math.js';

export const enum RtlState { Idle, Climbing, MoveToLoiter, LoiterDown, LoiterHold, MoveToLandHover, Land }

/** The destination in the local frame, with the heading to land at (home's yaw). */
export interface RtlDestinationLocal extends Vec3 {
  yaw: number;
}

type Params = Record<string, number>;

export class RtlDirect {
  state = RtlState.Idle;
  readonly dest: RtlDestinationLocal = { x: 0, y: 0, z: 0, yaw: NaN };
  /** return altitude, local z */
  rtlAltZ = 0;
  private readonly climbPoint = { x: 0, y: 0 };
  private climbYaw = NaN;
  private holdUntilUs = 0;
  private holding = false;
  /** the move's heading, decided when the move starts */
  private moveYaw = NaN;
  private moveYawSet = false;

  /** on_activation / getActivationLandState: idle on the ground, else climb when below the return altitude. */
  activate(landed: boolean, pos: Vec3, yaw: number, rtlAltZ: number): void {
    this.rtlAltZ = rtlAltZ;
    this.holding = false;
    if (landed) this.state = RtlState.Idle;
    else if (pos.z > rtlAltZ) this.state = RtlState.Climbing;
    else this.state = RtlState.MoveToLoiter;
    this.climbPoint.x = pos.x; this.climbPoint.y = pos.y;
    this.climbYaw = yaw;
    this.moveYaw = NaN;
    this.moveYawSet = false;
  }

  /** on_active: the next state once the current item is reached; then the item as a triplet. */
  update(nowUs: number, pos: Vec3, yaw: number, landed: boolean, p: Params, tri: AutoTriplet): void {
    if (this.state !== RtlState.Idle && this.itemReached(nowUs, pos, yaw, landed, p)) {
      this.state = this.nextState(p);
      this.holding = false;
    }
    // set_rtl_item: close to the destination the move already turns to the final heading
    if (this.state === RtlState.MoveToLoiter && !this.moveYawSet) {
      this.moveYaw = norm2(this.dest.x - pos.x, this.dest.y - pos.y) < p.RTL_MIN_DIST! ? this.dest.yaw : NaN;
      this.moveYawSet = true;
    }
    this.fillTriplet(p, tri);
  }

  private loiterZ(p: Params): number {
    // the loiter (land approach) height: RTL_DESCEND_ALT above the destination, never above the return altitude
    return Math.max(this.dest.z - p.RTL_DESCEND_ALT!, this.rtlAltZ);
  }

  /** _updateRtlState (multicopter) */
  private nextState(p: Params): RtlState {
    switch (this.state) {
      case RtlState.Climbing: return RtlState.MoveToLoiter;
      case RtlState.MoveToLoiter: return Math.abs(p.RTL_LAND_DELAY!) > 1.1920929e-7 ? RtlState.LoiterDown : RtlState.Land;
      case RtlState.LoiterDown: return RtlState.LoiterHold;
      case RtlState.LoiterHold: return RtlState.MoveToLandHover;
      case RtlState.MoveToLandHover: return RtlState.Land;
      default: return RtlState.Idle;
    }
  }

  /** MissionBlock::is_mission_item_reached_or_completed for the current state's item (multicopter). */
  private itemReached(nowUs: number, pos: Vec3, yaw: number, landed: boolean, p: Params): boolean {
    const d = this.dest;
    const toDest = norm2(pos.x - d.x, pos.y - d.y);
    const loiterRad = p.NAV_ACC_RAD! + p.NAV_LOITER_RAD!;
    switch (this.state) {
      case RtlState.Climbing:
        // LOITER_TO_ALT: within the loiter radius and the altitude acceptance; the heading held
        return norm2(pos.x - this.climbPoint.x, pos.y - this.climbPoint.y) <= loiterRad && Math.abs(pos.z - this.rtlAltZ) <= p.NAV_MC_ALT_RAD!
          && yawAccepted(this.climbYaw, yaw, p);
      case RtlState.MoveToLoiter:
        return toDest <= p.NAV_ACC_RAD! && Math.abs(pos.z - this.rtlAltZ) <= p.NAV_MC_ALT_RAD! && yawAccepted(this.moveYaw, yaw, p);
      case RtlState.LoiterDown:
        return toDest <= loiterRad && Math.abs(pos.z - this.loiterZ(p)) <= p.NAV_MC_ALT_RAD! && yawAccepted(d.yaw, yaw, p);
      case RtlState.LoiterHold: {
        // LOITER_TIME with RTL_LAND_DELAY (negative: forever), the altitude not enforced
        if (p.RTL_LAND_DELAY! < 0 || toDest > loiterRad) return false;
        if (!this.holding) { this.holding = true; this.holdUntilUs = nowUs + p.RTL_LAND_DELAY! * 1e6; }
        return nowUs >= this.holdUntilUs;
      }
      case RtlState.MoveToLandHover:
        return toDest <= p.NAV_ACC_RAD! && yawAccepted(d.yaw, yaw, p);
      case RtlState.Land:
        return landed;
      default:
        return false;
    }
  }

  /** set_rtl_item: the current state's item as the triplet */
  private fillTriplet(p: Params, tri: AutoTriplet): void {
    const d = this.dest;
    tri.previous = null;
    tri.next = null;
    tri.cruiseSpeed = NaN;
    tri.acceptanceRadius = p.NAV_ACC_RAD!;
    const c = tri.current;
    switch (this.state) {
      case RtlState.Climbing:
        tri.type = WaypointType.Loiter;
        c.x = this.climbPoint.x; c.y = this.climbPoint.y; c.z = this.rtlAltZ;
        tri.yaw = this.climbYaw;
        break;
      case RtlState.MoveToLoiter:
        tri.type = WaypointType.Position;
        c.x = d.x; c.y = d.y; c.z = this.rtlAltZ;
        tri.yaw = this.moveYaw;
        break;
      case RtlState.LoiterDown:
      case RtlState.LoiterHold:
        tri.type = WaypointType.Loiter;
        c.x = d.x; c.y = d.y; c.z = this.loiterZ(p);
        tri.yaw = d.yaw;
        break;
      case RtlState.MoveToLandHover:
        tri.type = WaypointType.Position;
        c.x = d.x; c.y = d.y; c.z = this.loiterZ(p);
        tri.yaw = d.yaw;
        break;
      case RtlState.Land:
        tri.type = WaypointType.Land;
        c.x = d.x; c.y = d.y; c.z = d.z;
        tri.yaw = d.yaw;
        break;
      default:
        tri.type = WaypointType.Idle;
        break;
    }
  }
}

/** The heading part of a multicopter waypoint's acceptance: within MIS_YAW_ERR, or any once MIS_YAW_TMT is set. */
function yawAccepted(itemYaw: number, yaw: number, p: Params): boolean {
  if (!Number.isFinite(itemYaw)) return true;
  const err = Math.atan2(Math.sin(itemYaw - yaw), Math.cos(itemYaw - yaw));
  return Math.abs(err) < (p.MIS_YAW_ERR! * Math.PI) / 180 || p.MIS_YAW_TMT! >= 1.1920929e-7;
}
