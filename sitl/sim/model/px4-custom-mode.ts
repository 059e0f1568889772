/**
 * The simulator's own copy of PX4 v1.16's mode numbering (src/modules/commander/px4_custom_mode.h):
 * HEARTBEAT custom_mode carries the main mode in bits 16–23 and the sub mode in bits 24–31, and
 * DO_SET_MODE takes them as param2 / param3. Kept apart from the client's table
 * (src/vehicle/px4-modes.ts) on purpose: the simulator exists to check the client, so it must not
 * take PX4's numbers from it (test/sim-model/px4-custom-mode.test.ts compares the two copies).
 */

/** PX4_CUSTOM_MAIN_MODE_*. */
export const Px4MainMode = {
  MANUAL: 1,
  ALTCTL: 2,
  POSCTL: 3,
  AUTO: 4,
  ACRO: 5,
  OFFBOARD: 6,
  STABILIZED: 7,
  RATTITUDE_LEGACY: 8,
  SIMPLE: 9,
  TERMINATION: 10,
} as const;

/** PX4_CUSTOM_SUB_MODE_AUTO_*. */
export const Px4AutoSubMode = {
  READY: 1,
  TAKEOFF: 2,
  LOITER: 3,
  MISSION: 4,
  RTL: 5,
  LAND: 6,
  FOLLOW_TARGET: 8,
  PRECLAND: 9,
  VTOL_TAKEOFF: 10,
} as const;

/** The names QGroundControl gives the modes the simulator flies (its HEARTBEAT shows only these). */
export type Px4ModeName = 'Manual' | 'Altitude' | 'Position' | 'Mission' | 'Hold' | 'Return' | 'Acro' | 'Land' | 'Offboard' | 'Stabilized' | 'Takeoff';

/** custom_mode of a main/sub pair (unsigned 32-bit), as PX4's get_px4_custom_mode builds it. */
export function px4CustomMode(main: number, sub: number): number {
  return (((sub & 0xff) << 24) | ((main & 0xff) << 16)) >>> 0;
}

/** The main/sub pair of a custom_mode (what Commander reads from DO_SET_MODE's union). */
export function decodePx4CustomMode(customMode: number): { main: number; sub: number } {
  return { main: (customMode >>> 16) & 0xff, sub: (customMode >>> 24) & 0xff };
}
