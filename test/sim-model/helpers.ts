import { common } from 'node-mavlink';
import { SimVehicle, type CommandParams, type SimVehicleOptions, type StatusText } from '../../sitl/sim/model/index.js';

export const C = common.MavCmd;
export const R = common.MavResult;
export const L = common.MavLandedState;
export const GCS = { sysId: 255, compId: 190 };
export const API = { sysId: 255, compId: 0 };
export const DT = 0.004;

/** A vehicle that also keeps every status text it produced (drained after each step). */
export class Harness {
  readonly v: SimVehicle;
  readonly texts: (StatusText & { timeUs: number })[] = [];
  /** called before every step (setpoint streams) */
  onStep: (() => void) | null = null;

  constructor(opts: Partial<SimVehicleOptions> = {}) {
    this.v = new SimVehicle({ sysId: 1, seed: 1, ...opts });
  }

  get t(): number {
    return this.v.timeUs / 1e6;
  }

  cmd(cmd: number, p: Partial<CommandParams> = [], src = GCS): number {
    const full: CommandParams = [0, 0, 0, 0, 0, 0, 0];
    p.forEach((x, i) => { full[i] = x!; });
    const r = this.v.command(cmd, full, src).result;
    this.collect();
    return r;
  }

  step(): void {
    this.onStep?.();
    this.v.step(DT);
    this.collect();
  }

  run(seconds: number): void {
    const n = Math.round(seconds / DT);
    for (let i = 0; i < n; i++) this.step();
  }

  /** Steps until pred() holds; returns the vehicle time (s) or throws after maxS seconds. */
  until(pred: () => boolean, maxS: number, what = 'condition'): number {
    const n = Math.round(maxS / DT);
    for (let i = 0; i < n; i++) {
      if (pred()) return this.t;
      this.step();
    }
    if (pred()) return this.t;
    throw new Error(`${what} not reached within ${maxS}s (t=${this.t.toFixed(2)}s, mode=${this.v.state().modeName}, z=${this.v.state().position.z.toFixed(2)})`);
  }

  hasText(re: RegExp): boolean {
    return this.texts.some((t) => re.test(t.text));
  }

  private collect(): void {
    for (const t of this.v.drainStatusTexts()) this.texts.push({ ...t, timeUs: this.v.timeUs });
  }

  arm(): number {
    return this.cmd(C.COMPONENT_ARM_DISARM, [1]);
  }

  /** Arms, takes off to MIS_TAKEOFF_ALT and waits until it holds there. */
  takeoff(): void {
    expectOk(this.arm(), 'arm');
    expectOk(this.cmd(C.NAV_TAKEOFF, [0, 0, 0, NaN, NaN, NaN, NaN]), 'takeoff');
    this.until(() => this.v.state().modeName === 'Hold' && Math.abs(this.v.state().velocity.z) < 0.1, 20, 'hover after takeoff');
  }

  setMode(main: number, sub = 0, src = GCS): number {
    return this.cmd(C.DO_SET_MODE, [1, main, sub], src);
  }

  /** SET_POSITION_TARGET_LOCAL_NED, position only (type_mask ignores velocity, acceleration, yaw rate). */
  positionSetpoint(x: number, y: number, z: number): void {
    this.v.setPositionTargetLocalNed({ typeMask: 0b1101_1111_1000, coordinateFrame: 1, x, y, z, vx: 0, vy: 0, vz: 0, afx: 0, afy: 0, afz: 0, yaw: 0, yawRate: 0 });
  }

  /** Streams a position setpoint every `periodS` of vehicle time from now on. */
  streamPosition(x: number, y: number, z: number, periodS = 0.1): void {
    let next = this.v.timeUs;
    this.onStep = () => {
      if (this.v.timeUs >= next) {
        this.positionSetpoint(x, y, z);
        next += periodS * 1e6;
      }
    };
  }
}

export function expectOk(result: number, what: string): void {
  if (result !== R.ACCEPTED) throw new Error(`${what}: expected ACCEPTED, got ${common.MavResult[result]}`);
}
