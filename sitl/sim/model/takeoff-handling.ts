/**
 * PX4's TakeoffHandling (mc_pos_control/Takeoff/Takeoff.cpp, v1.16): after arming the motors spool
 * up for COM_SPOOLUP_TIME; a takeoff request then ramps the climb-speed limit over MPC_TKO_RAMP_T
 * from -g / MPC_Z_VEL_P_ACC (pressing the vehicle down: zero thrust) to the flight task's limit.
 */
import { G } from './dynamics.js';

export const enum TakeoffState { Disarmed, Spoolup, ReadyForTakeoff, Rampup, Flight }

export class TakeoffHandling {
  state: TakeoffState = TakeoffState.Disarmed;
  private rampProgress = 0;
  private armedSinceUs = -1;

  /** updateTakeoffState: `skip` (throw launch, modes without altitude control) goes straight to flight. */
  updateState(nowUs: number, armed: boolean, landed: boolean, wantTakeoff: boolean, spoolupTimeS: number, skip = false): void {
    if (!armed) this.armedSinceUs = -1;
    else if (this.armedSinceUs < 0) this.armedSinceUs = nowUs;
    const spooledUp = armed && nowUs - this.armedSinceUs >= spoolupTimeS * 1e6;
    let s = this.state;
    if (s === TakeoffState.Disarmed && armed) s = TakeoffState.Spoolup;
    if (s === TakeoffState.Spoolup && spooledUp) s = TakeoffState.ReadyForTakeoff;
    if (s === TakeoffState.ReadyForTakeoff && wantTakeoff) { s = TakeoffState.Rampup; this.rampProgress = 0; }
    if (s === TakeoffState.Rampup && this.rampProgress >= 1) s = TakeoffState.Flight;
    if (s === TakeoffState.Flight && landed) s = TakeoffState.ReadyForTakeoff;
    if (armed && skip) s = TakeoffState.Flight;
    if (!armed) s = TakeoffState.Disarmed;
    this.state = s;
  }

  /** updateRamp: the upward velocity limit (m/s) for this cycle. */
  updateRamp(dt: number, desiredUp: number, rampTimeS: number, velPGain: number): number {
    const init = -G / Math.max(velPGain, 0.01);
    if (this.state < TakeoffState.Rampup) return init;
    if (this.state === TakeoffState.Rampup) {
      this.rampProgress = rampTimeS > dt ? this.rampProgress + dt / rampTimeS : 1;
      if (this.rampProgress < 1) return init + this.rampProgress * (desiredUp - init);
    }
    return desiredUp;
  }
}
