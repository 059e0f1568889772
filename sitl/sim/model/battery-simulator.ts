/**
 * battery_simulator (linear drain while armed down to SIM_BAT_MIN_PCT; an injected failure reads
 * BAT1_V_EMPTY) + the battery library: without BAT1_CAPACITY the state of charge is the cell
 * voltage through an AlphaFilter of 1 s time constant, mapped between BAT1_V_EMPTY and
 * BAT1_V_CHARGED — so an empty battery is reported, and warned about, over seconds, not at once.
 */
import { BatteryWarning } from './commander/failsafe.js';

/** The battery library's cell-voltage filter time constant (battery.cpp: _cell_voltage_filter_v, 1 s). */
const BATTERY_FILTER_TAU_S = 1;

export class BatterySimulator {
  /** the simulated charge, 0..1 (the raw voltage between empty and charged) */
  pct = 1;
  /** the battery library's state of charge: the cell voltage through its 1 s filter */
  soc = 1;
  /** battery_status.warning */
  warning: BatteryWarning = BatteryWarning.None;
  /** an injected battery failure (FAILURE_UNIT_SYSTEM_BATTERY) */
  failed = false;

  update(dt: number, armed: boolean, p: Record<string, number>): void {
    if (armed) {
      if (p.SIM_BAT_DRAIN! > 0) this.pct -= dt / p.SIM_BAT_DRAIN!;
    } else {
      this.pct = 1;
    }
    this.pct = Math.max(this.pct, p.SIM_BAT_MIN_PCT! / 100);
    const raw = this.failed ? 0 : this.pct;
    this.soc += (raw - this.soc) * (dt / (BATTERY_FILTER_TAU_S + dt));
    const remaining = this.soc;
    let w = BatteryWarning.None;
    if (remaining < p.BAT_EMERGEN_THR!) w = BatteryWarning.Emergency;
    else if (remaining < p.BAT_CRIT_THR!) w = BatteryWarning.Critical;
    else if (remaining < p.BAT_LOW_THR!) w = BatteryWarning.Low;
    // the warning only gets worse while armed
    if (armed && w < this.warning) w = this.warning;
    this.warning = w;
  }
}
