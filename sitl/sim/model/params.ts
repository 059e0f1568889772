/**
 * PX4 parameters: all of PX4 v1.16 SITL's, with the types and boot values of the real binary
 * (px4-params.generated.ts), and the ranges and descriptions of those the model uses (DEFS, whose
 * types and defaults must equal the generated ones: test/sim-model/params.test.ts).
 * Values are read every step (plain object lookups), so PARAM_SET takes effect immediately, as in PX4.
 */
import type { ParamInfo, ParamStore, ParamType } from './types.js';
import { PX4_SITL_PARAMS, PX4_SITL_UNLISTED_PARAMS } from './px4-params.generated.js';

type Def = [name: string, type: ParamType, def: number, min: number | undefined, max: number | undefined, description: string];

const R: ParamType = 'REAL32';
const I: ParamType = 'INT32';

const DEFS: Def[] = [
  // Position control (mc_pos_control, flight_mode_manager)
  ['MPC_XY_VEL_MAX', R, 12, 0, 20, 'Maximum horizontal velocity (m/s)'],
  ['MPC_XY_CRUISE', R, 5, 0, 20, 'Default horizontal velocity in auto modes (m/s)'],
  ['MPC_VEL_MANUAL', R, 10, 0, 20, 'Maximum horizontal velocity in Position mode (m/s)'],
  ['MPC_Z_VEL_MAX_UP', R, 3, 0.5, 8, 'Maximum ascent velocity (m/s)'],
  ['MPC_Z_VEL_MAX_DN', R, 1.5, 0.5, 4, 'Maximum descent velocity (m/s)'],
  ['MPC_Z_V_AUTO_UP', R, 3, 0.5, 8, 'Ascent velocity in auto modes (m/s)'],
  ['MPC_Z_V_AUTO_DN', R, 1.5, 0.5, 4, 'Descent velocity in auto modes (m/s)'],
  ['MPC_ACC_HOR', R, 3, 2, 15, 'Horizontal acceleration in auto modes (m/s^2)'],
  ['MPC_ACC_HOR_MAX', R, 5, 2, 15, 'Maximum horizontal acceleration (m/s^2)'],
  ['MPC_ACC_UP_MAX', R, 4, 2, 15, 'Maximum upwards acceleration (m/s^2)'],
  ['MPC_ACC_DOWN_MAX', R, 3, 2, 15, 'Maximum downwards acceleration (m/s^2)'],
  ['MPC_JERK_AUTO', R, 4, 1, 80, 'Jerk limit in auto modes (m/s^3)'],
  ['MPC_JERK_MAX', R, 8, 0.5, 500, 'Maximum jerk in Position mode (m/s^3)'],
  ['MPC_TILTMAX_AIR', R, 45, 20, 89, 'Maximum tilt angle in air (deg)'],
  ['MPC_TILTMAX_LND', R, 12, 10, 89, 'Maximum tilt during landing (deg)'],
  ['MPC_THR_HOVER', R, 0.5, 0.1, 0.8, 'Hover thrust (normalized)'],
  ['MPC_THR_MIN', R, 0.12, 0.05, 1, 'Minimum collective thrust in auto (normalized)'],
  ['MPC_THR_MAX', R, 1, 0, 1, 'Maximum collective thrust (normalized)'],
  ['MPC_THR_XY_MARG', R, 0.3, 0, 0.5, 'Horizontal thrust margin kept when vertical thrust saturates (normalized)'],
  ['MPC_TKO_SPEED', R, 1.5, 1, 5, 'Takeoff climb rate (m/s)'],
  ['MPC_TKO_RAMP_T', R, 3, 0, 5, 'Smooth takeoff ramp time constant (s)'],
  ['MPC_LAND_SPEED', R, 0.7, 0.6, 4, 'Landing descent rate (m/s)'],
  ['MPC_LAND_ALT1', R, 10, 0, 122, 'Altitude for 1. step of slow landing (descend) (m)'],
  ['MPC_LAND_ALT2', R, 5, 0, 122, 'Altitude for 2. step of slow landing (landing) (m)'],
  ['MPC_LAND_ALT3', R, 1, 0, 122, 'Altitude for 3. step of slow landing, with a distance sensor (m)'],
  ['MPC_LAND_CRWL', R, 0.3, 0.1, undefined, 'Land crawl descend rate below MPC_LAND_ALT3 (m/s)'],
  ['MPC_XY_P', R, 0.95, 0, 2, 'Proportional gain for horizontal position error (1/s)'],
  ['MPC_Z_P', R, 1, 0.1, 1.5, 'Proportional gain for vertical position error (1/s)'],
  ['MPC_XY_VEL_P_ACC', R, 1.8, 1.2, 5, 'Proportional gain for horizontal velocity error (1/s)'],
  ['MPC_XY_VEL_I_ACC', R, 0.4, 0, 60, 'Integral gain for horizontal velocity error (1/s^2)'],
  ['MPC_XY_VEL_D_ACC', R, 0.2, 0.1, 2, 'Differential gain for horizontal velocity error'],
  ['MPC_Z_VEL_P_ACC', R, 4, 2, 15, 'Proportional gain for vertical velocity error (1/s)'],
  ['MPC_Z_VEL_I_ACC', R, 2, 0.2, 3, 'Integral gain for vertical velocity error (1/s^2)'],
  ['MPC_Z_VEL_D_ACC', R, 0, 0, 2, 'Differential gain for vertical velocity error'],
  ['MPC_YAWRAUTO_MAX', R, 45, 5, 360, 'Maximum yaw rate in auto modes (deg/s)'],
  ['MPC_YAW_MODE', I, 0, 0, 4, 'Heading behavior in autonomous modes (0 towards waypoint, 1 towards home, 2 away from home, 3 along trajectory, 4 towards waypoint yaw first)'],
  ['MPC_XY_ERR_MAX', R, 2, 0.1, 10, 'Maximum horizontal error allowed by the trajectory generator (m)'],
  ['MPC_XY_TRAJ_P', R, 0.5, 0.1, 1, 'Proportional gain for horizontal trajectory position error'],
  ['MPC_MAN_Y_MAX', R, 150, 0, 400, 'Maximum manual yaw rate (deg/s)'],
  ['MIS_TAKEOFF_ALT', R, 2.5, 0, undefined, 'Default take-off altitude above home (m)'],
  // Navigator
  ['NAV_ACC_RAD', R, 2, 0.05, 200, 'Acceptance radius (m)'],
  ['NAV_MC_ALT_RAD', R, 0.8, 0.05, 200, 'Multicopter altitude acceptance radius (m)'],
  ['NAV_DLL_ACT', I, 0, 0, 6, 'GCS connection loss failsafe mode (0 disabled, 1 Hold, 2 Return, 3 Land, 5 Terminate, 6 Disarm)'],
  ['NAV_RCL_ACT', I, 2, 0, 6, 'Manual control loss failsafe mode'],
  ['RTL_RETURN_ALT', R, 30, 0, 150, 'Return mode return altitude above home (m)'],
  ['RTL_DESCEND_ALT', R, 10, 0, 150, 'Return mode loiter altitude above home before landing (m)'],
  ['RTL_LAND_DELAY', R, 0, -1, 300, 'Return mode delay before landing (s, -1 = hover forever)'],
  ['RTL_MIN_DIST', R, 10, 0.5, 100, 'Horizontal radius around home within which the cone return altitude applies (m)'],
  ['RTL_CONE_ANG', I, 45, 0, 90, 'Half-angle of the return mode altitude cone (deg, 0 = off)'],
  ['RTL_TYPE', I, 0, 0, 4, 'Return type (0 closest of home and rally points, 1 rally point before home, 3 as 0; mission-path types 2 and 4 return home directly here)'],
  ['NAV_LOITER_RAD', R, 80, 25, 1000, 'Loiter radius (fixed-wing; widens the LOITER_TO_ALT acceptance) (m)'],
  // Mission (navigator mission_params.c, SITL values)
  ['MIS_DIST_1WP', R, 10000, -1, 10000, 'Maximal horizontal distance from home to first waypoint (m, warning only)'],
  ['MIS_TKO_LAND_REQ', I, 0, 0, 5, 'Mission takeoff/landing required (0 none, 1 takeoff, 2 landing, 3 both, 4 both or neither, 5 as 4 on the ground)'],
  ['MIS_YAW_TMT', R, -1, -1, 20, 'Time-out for waypoint heading acceptance (s, -1 = wait for the heading)'],
  ['MIS_YAW_ERR', R, 12, 0, 90, 'Maximum heading error for a waypoint to be accepted (deg)'],
  ['MIS_MNT_YAW_CTL', I, 0, 0, 1, 'Enable yaw control of the mount'],
  ['MIS_COMMAND_TOUT', R, 0, 0, 30, 'Timeout for a successful payload deployment acknowledgement (s)'],
  ['MIS_LND_ABRT_ALT', I, 30, 0, undefined, 'Landing abort minimum altitude (fixed-wing) (m)'],
  // Geofence (navigator geofence_params.c)
  ['GF_ACTION', I, 2, 0, 5, 'Geofence violation action (0 none, 1 warning, 2 Hold, 3 Return, 4 Terminate, 5 Land)'],
  ['GF_SOURCE', I, 0, 0, 1, 'Geofence source (0 global position, 1 GPS)'],
  ['GF_MAX_HOR_DIST', R, 0, 0, 10000, 'Maximum horizontal distance from home (m, 0 = off)'],
  ['GF_MAX_VER_DIST', R, 0, 0, 10000, 'Maximum vertical distance above home (m, 0 = off)'],
  ['GF_PREDICT', I, 0, 0, 1, 'Use predicted (braking) position for the geofence check'],
  // Commander
  ['COM_OF_LOSS_T', R, 1, 0, 60, 'Time-out for detecting offboard signal loss (s)'],
  // Held for PX4's targets' speed-neutral time-outs (sitl/px4-speed-params.ts), which set it on
  // any PX4 they start (also the simulator standing in for one); the simulator has no onboard
  // computer link to lose.
  ['COM_OBC_LOSS_T', R, 5, 0, 60, 'Onboard computer connection loss time-out before a warning (s)'],
  ['COM_OBL_RC_ACT', I, 0, 0, 7, 'Offboard loss failsafe mode (0 Position, 1 Altitude, 2 Stabilized, 3 Return, 4 Land, 5 Hold, 6 Terminate, 7 Disarm)'],
  ['COM_DISARM_LAND', R, 2, -1, 20, 'Time-out for auto disarm after landing (s, <= 0 disabled)'],
  ['COM_DISARM_PRFLT', R, 10, -1, 20, 'Time-out for auto disarm if not taking off (s, <= 0 disabled)'],
  ['COM_SPOOLUP_TIME', R, 1, 0, 30, 'Enforced delay between arming and further navigation (s)'],
  ['COM_LOW_BAT_ACT', I, 3, 0, 3, 'Battery failsafe mode (0 Warning, 1 Return, 2 Land, 3 Return at critical / Land at emergency)'],
  ['COM_FAIL_ACT_T', R, 5, 0, 25, 'Delay between failsafe condition and action; Hold in between (s)'],
  ['COM_DL_LOSS_T', I, 10, 5, 300, 'GCS connection loss time threshold (s)'],
  ['COM_RC_IN_MODE', I, 1, 0, 8, 'Manual control input source'],
  ['COM_RC_LOSS_T', R, 1, 0, 35, 'Manual control loss time-out (s)'],
  ['COM_POSCTL_NAVL', I, 0, 0, 1, 'Position control navigation loss response'],
  ['COM_FLIGHT_UUID', I, 0, 0, undefined, 'Next flight number (FLIGHT_INFORMATION.flight_uuid), counted up at every disarm'],
  ['COM_HOME_EN', I, 1, 0, 1, 'Allows setting home position after takeoff'],
  ['COM_ARM_WO_GPS', I, 1, 0, 2, 'Arming without GNSS configuration'],
  ['COM_RCL_EXCEPT', I, 0, 0, 31, 'Manual control loss exceptions'],
  ['COM_DLL_EXCEPT', I, 0, 0, 7, 'Datalink loss exceptions (bits: 0 Mission, 1 Hold, 2 Offboard)'],
  ['EKF2_NOAID_TOUT', I, 5000000, 500000, 10000000, 'Maximum inertial dead-reckoning time (us)'],
  // Battery (battery library, battery_simulator)
  ['BAT1_N_CELLS', I, 4, 1, 16, 'Number of cells for battery 1'],
  ['BAT1_V_CHARGED', R, 4.05, 0, undefined, 'Full cell voltage (V)'],
  ['BAT1_V_EMPTY', R, 3.6, 0, undefined, 'Empty cell voltage (V)'],
  ['BAT1_CAPACITY', R, -1, -1, 100000, 'Battery 1 capacity (mAh, -1 unknown)'],
  ['BAT_LOW_THR', R, 0.15, 0.12, 0.5, 'Low battery threshold (fraction)'],
  ['BAT_CRIT_THR', R, 0.07, 0.05, 0.25, 'Critical battery threshold (fraction)'],
  ['BAT_EMERGEN_THR', R, 0.05, 0.03, 0.1, 'Emergency battery threshold (fraction)'],
  ['SIM_BAT_DRAIN', R, 60, 0, undefined, 'Simulated battery full-discharge time while armed (s)'],
  ['SIM_BAT_MIN_PCT', R, 50, 0, 100, 'Simulator battery minimal percentage (%)'],
  // Land detector
  ['LNDMC_TRIG_TIME', R, 1, 0.1, 10, 'Multicopter land detection trigger time (s)'],
  ['LNDMC_Z_VEL_MAX', R, 0.25, 0.1, 10, 'Multicopter vertical velocity threshold (m/s)'],
  ['LNDMC_XY_VEL_MAX', R, 1.5, 0, 10, 'Multicopter max horizontal velocity (m/s)'],
  ['LNDMC_ROT_MAX', R, 20, 0, 180, 'Multicopter max rotation (deg/s)'],
  // System
  ['SYS_FAILURE_EN', I, 1, 0, 1, 'Enable failure injection'],
  ['MAV_SYS_ID', I, 1, 1, 250, 'MAVLink system ID'],
  ['MAV_COMP_ID', I, 1, 1, 250, 'MAVLink component ID'],
  ['MAV_TYPE', I, 2, 0, 22, 'MAVLink airframe type (2 = quadrotor)'],
];

/** The parameters the model uses, as written above (sorted by name). */
export const PX4_PARAMS: readonly ParamInfo[] = DEFS.map(([name, type, def, min, max, description]) => ({
  name, type, default: def, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), description,
})).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

const MODEL = new Map(PX4_PARAMS.map((p) => [p.name, p]));

/** A parameter as served: PX4's type and boot value, the model's range and description where it has them. */
function served([name, type, value]: readonly [string, ParamType, number]): ParamInfo {
  const m = MODEL.get(name);
  return { name, type, default: value, ...(m?.min !== undefined ? { min: m.min } : {}), ...(m?.max !== undefined ? { max: m.max } : {}), description: m?.description ?? '' };
}

/** Every parameter PX4 SITL lists, in its param_index order: what PARAM_REQUEST_LIST serves. */
export const SITL_PARAMS: readonly ParamInfo[] = PX4_SITL_PARAMS.map(served);

/**
 * Parameters PX4 has but does not list in SITL (no module there uses them) that the model reads,
 * served by name with param_index -1 as PX4 serves them; then any model parameter missing from the
 * generated tables (added to DEFS since the last generation), with its hand-written default.
 */
const UNLISTED: readonly ParamInfo[] = [
  ...PX4_SITL_UNLISTED_PARAMS.map(served),
  ...PX4_PARAMS.filter((p) => !PX4_SITL_PARAMS.some((g) => g[0] === p.name) && !PX4_SITL_UNLISTED_PARAMS.some((g) => g[0] === p.name)),
];

const INFO = new Map<string, { info: ParamInfo; index: number }>([
  ...SITL_PARAMS.map((p, i) => [p.name, { info: p, index: i }] as const),
  ...UNLISTED.map((p) => [p.name, { info: p, index: -1 }] as const),
]);

/** Why a value is rejected, or null when it is valid for `info`. */
export function paramValueError(info: ParamInfo, value: number): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${info.name}: value must be a finite number, got ${String(value)}`;
  if (info.type === 'INT32' && !Number.isInteger(value)) return `${info.name}: INT32 parameter needs an integer, got ${value}`;
  if (info.min !== undefined && value < info.min) return `${info.name}: ${value} is below the minimum ${info.min}`;
  if (info.max !== undefined && value > info.max) return `${info.name}: ${value} is above the maximum ${info.max}`;
  return null;
}

class Store implements ParamStore {
  /** Current values by name: the controllers read this object directly (no allocation per read). */
  readonly values: Record<string, number> = Object.create(null) as Record<string, number>;
  readonly count = SITL_PARAMS.length;

  constructor(overrides: Record<string, number> = {}) {
    for (const { info } of INFO.values()) this.values[info.name] = info.default;
    for (const [name, value] of Object.entries(overrides)) {
      const entry = INFO.get(name);
      if (!entry) throw new RangeError(`params.${name}: unknown PX4 parameter`);
      const err = paramValueError(entry.info, value);
      if (err) throw new RangeError(`params.${err}`);
      this.values[name] = value;
    }
  }
  has(name: string): boolean { return INFO.has(name); }
  get(name: string): number {
    const v = this.values[name];
    if (v === undefined) throw new RangeError(`unknown PX4 parameter ${name}`);
    return v;
  }
  info(name: string): ParamInfo | undefined { return INFO.get(name)?.info; }
  set(name: string, value: number): boolean {
    const entry = INFO.get(name);
    if (!entry || paramValueError(entry.info, value) !== null) return false;
    this.values[name] = value;
    return true;
  }
  list(): readonly ParamInfo[] { return SITL_PARAMS; }
  unlisted(): readonly ParamInfo[] { return UNLISTED; }
  indexOf(name: string): number { return INFO.get(name)?.index ?? -1; }
}

export type ParamStoreImpl = Store;

/**
 * A parameter store with PX4 defaults plus `overrides` (throws RangeError naming a bad override).
 * PX4 SITL's rcS sets UXRCE_DDS_KEY with MAV_SYS_ID (both instance + 1): it follows a MAV_SYS_ID override.
 */
export function createParamStore(overrides: Record<string, number> = {}): ParamStoreImpl {
  const sysId = overrides.MAV_SYS_ID;
  return new Store(sysId !== undefined && overrides.UXRCE_DDS_KEY === undefined ? { UXRCE_DDS_KEY: sysId, ...overrides } : overrides);
}
