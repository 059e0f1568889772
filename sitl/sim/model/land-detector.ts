/**
 * PX4's multicopter land detector (land_detector/LandDetector.cpp and MulticopterLandDetector.cpp,
 * v1.16): ground contact (low thrust, commanded descent, close to the ground, not moving) → maybe
 * landed (minimum thrust, not rotating) → landed, each held for LNDMC_TRIG_TIME / 3. A state turns
 * true only after its condition held that long and false at once. The position controller drops to
 * MPC_THR_MIN once ground contact is seen, which is what lets "maybe landed" follow.
 */
import { norm2 } from './motion-planning/traj-math.js';

/** systemlib::Hysteresis with a delay only from false to true. */
class Hysteresis {
  state: boolean;
  private requested: boolean;
  private changeRequestedUs = 0;

  constructor(initial: boolean, private delayUs = 0) {
    this.state = initial;
    this.requested = initial;
  }

  setDelay(us: number): void {
    this.delayUs = us;
  }

  update(want: boolean, nowUs: number): void {
    if (want !== this.state) {
      if (want !== this.requested) {
        this.requested = want;
        this.changeRequestedUs = nowUs;
      }
    } else {
      this.requested = this.state;
    }
    if (this.requested !== this.state && (!this.requested || nowUs - this.changeRequestedUs >= this.delayUs)) {
      this.state = this.requested;
    }
  }
}

/** What the land detector reads each cycle. */
export interface LandDetectorInput {
  nowUs: number;
  armed: boolean;
  /** estimated velocity (m/s, NED) */
  vx: number; vy: number; vz: number;
  /** distance sensor reading (m), NaN when none */
  distBottom: number;
  /** |specific force| (m/s²): near g at rest or hovering, near 0 in free fall */
  specificForce: number;
  /** roll and pitch rates (rad/s) */
  rollRate: number; pitchRate: number;
  /** collective thrust setpoint 0..1 */
  thrust: number;
  /** the hover thrust the controller uses, and whether it comes from a converged estimate (MPC_USE_HTE) */
  hoverThrust: number;
  hoverEstimateValid: boolean;
  /** trajectory_setpoint vz (NaN when not velocity-controlled) */
  setpointVz: number;
  /** vehicle_control_mode.flag_control_climb_rate_enabled */
  climbRateControl: boolean;
}

/** The land detector's parameters (LNDMC_*, MPC_THR_MIN). */
export interface LandDetectorParams {
  LNDMC_TRIG_TIME?: number;
  LNDMC_Z_VEL_MAX?: number;
  LNDMC_XY_VEL_MAX?: number;
  LNDMC_ROT_MAX?: number;
  MPC_THR_MIN?: number;
  MPC_LAND_SPEED?: number;
  MPC_LAND_CRWL?: number;
}

/** Below this distance sensor reading the vehicle counts as close to the ground (DIST_FROM_GROUND_THRESHOLD). */
const DIST_FROM_GROUND_THRESHOLD = 1;
const FREEFALL_TRIGGER_US = 300_000;
const FREEFALL_ACC = 2;

export class MulticopterLandDetector {
  private readonly groundContact = new Hysteresis(true);
  private readonly maybeLanded = new Hysteresis(true);
  private readonly landedH = new Hysteresis(true);
  private readonly freefall = new Hysteresis(false, FREEFALL_TRIGGER_US);
  private inDescend = false;
  private hoverEstimateValid = false;

  get landed(): boolean { return this.landedH.state; }
  get maybe(): boolean { return this.maybeLanded.state; }
  get contact(): boolean { return this.groundContact.state; }

  update(i: LandDetectorInput, p: LandDetectorParams): void {
    // a distance sensor out of range lengthens every stage threefold (LandDetector::Run)
    const factor = Number.isFinite(i.distBottom) ? 1 : 3;
    const stageUs = ((p.LNDMC_TRIG_TIME ?? 1) * 1e6 / 3) * factor;
    this.groundContact.setDelay(stageUs);
    this.maybeLanded.setDelay(stageUs);
    this.landedH.setDelay(stageUs);
    this.freefall.update(i.specificForce < FREEFALL_ACC, i.nowUs);
    this.groundContact.update(this.groundContactState(i, p), i.nowUs);
    this.maybeLanded.update(this.maybeLandedState(i, p), i.nowUs);
    this.landedH.update(!i.armed || this.maybeLanded.state, i.nowUs);
  }

  /** _get_ground_contact_state */
  private groundContactState(i: LandDetectorInput, p: LandDetectorParams): boolean {
    // LNDMC_Z_VEL_MAX is kept below MPC_LAND_CRWL and MPC_LAND_SPEED by a 1.2 margin
    let vzMax = Math.min(p.LNDMC_Z_VEL_MAX ?? 0.25, Math.min(p.MPC_LAND_CRWL ?? 0.3, p.MPC_LAND_SPEED ?? 0.7) / 1.2);
    const vzMaxNominal = vzMax;
    if (this.landedH.state) vzMax *= 2.5;
    const verticalMovement = !(Math.abs(i.vz) < vzMax);
    const horizontalMovement = norm2(i.vx, i.vy) > (p.LNDMC_XY_VEL_MAX ?? 1.5);
    // the hover thrust estimate stays in use through a descent in which it lapses
    if (!this.inDescend || i.hoverEstimateValid) this.hoverEstimateValid = i.hoverEstimateValid;
    const thrMin = p.MPC_THR_MIN ?? 0.12;
    const lowThrust = i.thrust <= thrMin + (i.hoverThrust - thrMin) * (this.hoverEstimateValid ? 0.6 : 0.3);
    let contact = lowThrust;
    if (i.climbRateControl) {
      this.inDescend = Number.isFinite(i.setpointVz) && i.setpointVz >= 1.1 * vzMaxNominal;
      // until maybe landed, ground contact needs a commanded descent
      if (!this.maybeLanded.state && !this.landedH.state) contact &&= this.inDescend;
    } else {
      this.inDescend = false;
    }
    const closeToGround = !Number.isFinite(i.distBottom) || i.distBottom < DIST_FROM_GROUND_THRESHOLD;
    return !i.armed || (closeToGround && contact && !horizontalMovement && !verticalMovement);
  }

  /** _get_maybe_landed_state */
  private maybeLandedState(i: LandDetectorInput, p: LandDetectorParams): boolean {
    const thrMin = p.MPC_THR_MIN ?? 0.12;
    const minimumThrust = i.thrust <= thrMin + (i.hoverThrust - thrMin) * 0.1;
    let rotMax = ((p.LNDMC_ROT_MAX ?? 20) * Math.PI) / 180;
    if (this.landedH.state) rotMax *= 2.5;
    const rotating = norm2(i.rollRate, i.pitchRate) > rotMax;
    return !i.armed || (minimumThrust && !this.freefall.state && !rotating && this.groundContact.state);
  }
}
