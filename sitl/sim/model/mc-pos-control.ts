/**
 * MulticopterPositionControl (mc_pos_control_main): the module around PositionControl — takeoff
 * handling (spool-up, ramp), no corrections before takeoff or while a flying vehicle touches the
 * ground, the flight task's limits, and the thrust it hands to the body.
 */
import type { Multicopter, Setpoint } from './dynamics.js';
import { PositionControl, type ControlLimits, type ControlState, type Gains } from './position-control.js';
import { TakeoffState, type TakeoffHandling } from './takeoff-handling.js';

const DEG = Math.PI / 180;

export class MulticopterPositionControl {
  private readonly posCtl = new PositionControl();
  /** the controller's copy of the setpoint (mc_pos_control overrides it before takeoff) */
  private readonly ctlSp: Setpoint = { px: NaN, py: NaN, pz: NaN, vx: NaN, vy: NaN, vz: NaN, ax: NaN, ay: NaN, az: NaN };
  private readonly ctlState: ControlState = { px: 0, py: 0, pz: 0, vx: 0, vy: 0, vz: 0, ax: 0, ay: 0, az: 0 };
  private readonly lim: ControlLimits = { velXY: 12, velUp: 3, velDown: 1.5, tiltMax: 45 * DEG, thrMin: 0.12, thrMax: 1, thrXYMargin: 0.3 };
  private readonly gains: Gains = { xyP: 0, zP: 0, xyVelP: 0, xyVelI: 0, xyVelD: 0, zVelP: 0, zVelI: 0, zVelD: 0, hover: 0.5 };

  /**
   * One cycle on trajectory_setpoint `s`. `run`: armed and not terminated (else the motors are off);
   * offboard takes the climb and sink limits themselves, a flight task's are clamped to them.
   */
  update(dt: number, nowUs: number, p: Record<string, number>, b: Multicopter, tk: TakeoffHandling, s: Readonly<Setpoint>,
    run: boolean, offboard: boolean, landed: boolean, groundContact: boolean, wantTakeoff: boolean, taskSpeedUp: number, taskSpeedDown: number): void {
    const g = this.gains;
    const lim = this.lim;
    g.xyP = p.MPC_XY_P!; g.zP = p.MPC_Z_P!;
    g.xyVelP = p.MPC_XY_VEL_P_ACC!; g.xyVelI = p.MPC_XY_VEL_I_ACC!; g.xyVelD = p.MPC_XY_VEL_D_ACC!;
    g.zVelP = p.MPC_Z_VEL_P_ACC!; g.zVelI = p.MPC_Z_VEL_I_ACC!; g.zVelD = p.MPC_Z_VEL_D_ACC!;
    g.hover = p.MPC_THR_HOVER!;

    if (!run) {
      tk.updateState(nowUs, false, landed, false, p.COM_SPOOLUP_TIME!);
      b.motorsOff();
      this.posCtl.resetIntegral();
      return;
    }
    // mc_pos_control clamps the task's climb limit to MPC_Z_VEL_MAX_UP (offboard: the limits themselves)
    const speedUp = offboard ? p.MPC_Z_VEL_MAX_UP! : Math.min(taskSpeedUp, p.MPC_Z_VEL_MAX_UP!);
    const speedDown = offboard ? p.MPC_Z_VEL_MAX_DN! : taskSpeedDown;
    tk.updateState(nowUs, true, landed, wantTakeoff, p.COM_SPOOLUP_TIME!);
    const flying = tk.state >= TakeoffState.Flight;
    const sp = this.ctlSp;
    sp.px = s.px; sp.py = s.py; sp.pz = s.pz; sp.vx = s.vx; sp.vy = s.vy; sp.vz = s.vz; sp.ax = s.ax; sp.ay = s.ay; sp.az = s.az;
    // the takeoff ramp is not amended by an acceleration feed-forward
    if (tk.state === TakeoffState.Rampup && Number.isFinite(sp.vz)) sp.az = NaN;
    if (tk.state < TakeoffState.Rampup || (flying && groundContact)) {
      // not flying yet (or touching down): no corrections, high downwards acceleration for no thrust
      sp.px = NaN; sp.py = NaN; sp.pz = NaN; sp.vx = NaN; sp.vy = NaN; sp.vz = NaN; sp.ax = 0; sp.ay = 0; sp.az = 100;
      this.posCtl.resetIntegral();
    }
    lim.tiltMax = (tk.state < TakeoffState.Flight ? p.MPC_TILTMAX_LND! : p.MPC_TILTMAX_AIR!) * DEG;
    const up = tk.updateRamp(dt, speedUp, p.MPC_TKO_RAMP_T!, p.MPC_Z_VEL_P_ACC!);
    // ramping from zero thrust on takeoff (setThrustLimits keeps a sliver to infer the attitude)
    lim.thrMin = Math.max(flying ? p.MPC_THR_MIN! : 0, 1e-3);
    lim.thrMax = p.MPC_THR_MAX!;
    lim.thrXYMargin = p.MPC_THR_XY_MARG!;
    lim.velXY = p.MPC_XY_VEL_MAX!;
    lim.velUp = Math.min(up, p.MPC_Z_VEL_MAX_UP!);
    lim.velDown = Math.max(speedDown, 0);
    // horizontal velocity not controlled: no integrator left over for when it is again
    if ((!Number.isFinite(sp.vx) || !Number.isFinite(sp.vy)) && (!Number.isFinite(sp.px) || !Number.isFinite(sp.py))) this.posCtl.resetIntegralXY();
    const c = this.ctlState;
    c.px = b.epx; c.py = b.epy; c.pz = b.epz; c.vx = b.evx; c.vy = b.evy; c.vz = b.evz; c.ax = b.ax; c.ay = b.ay; c.az = b.az;
    if (!this.posCtl.update(dt, sp, c, lim, g)) {
      // generateFailsafeSetpoint: stop and wait
      sp.px = NaN; sp.py = NaN; sp.pz = NaN; sp.vx = 0; sp.vy = 0; sp.vz = 0; sp.ax = NaN; sp.ay = NaN; sp.az = NaN;
      this.posCtl.update(dt, sp, c, lim, g);
    }
    b.setThrust(this.posCtl.thrX, this.posCtl.thrY, this.posCtl.thrZ, g.hover);
  }
}
