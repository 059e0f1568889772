/**
 * PX4 flight modes as they appear on MAVLink (PX4 v1.16 commander px4_custom_mode.h): HEARTBEAT
 * custom_mode carries the main mode in bits 16–23 and the sub mode in bits 24–31; DO_SET_MODE takes
 * them as param2 / param3. This is the one definition for src/, sitl/ and hil/.
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
export type Px4MainMode = (typeof Px4MainMode)[keyof typeof Px4MainMode];

/** PX4_CUSTOM_SUB_MODE_AUTO_*; 0 for main modes without sub modes. */
export const Px4AutoSubMode = {
  NONE: 0,
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
export type Px4AutoSubMode = (typeof Px4AutoSubMode)[keyof typeof Px4AutoSubMode];

/** PX4_CUSTOM_SUB_MODE_POSCTL_*: sub modes of POSCTL. */
export const Px4PosctlSubMode = { POSCTL: 0, ORBIT: 1, SLOW: 2 } as const;

/** Mode names as QGroundControl shows them. */
export const PX4_MODES = {
  Manual: { main: Px4MainMode.MANUAL, sub: 0 },
  Altitude: { main: Px4MainMode.ALTCTL, sub: 0 },
  Position: { main: Px4MainMode.POSCTL, sub: Px4PosctlSubMode.POSCTL },
  Orbit: { main: Px4MainMode.POSCTL, sub: Px4PosctlSubMode.ORBIT },
  'Position Slow': { main: Px4MainMode.POSCTL, sub: Px4PosctlSubMode.SLOW },
  Acro: { main: Px4MainMode.ACRO, sub: 0 },
  Offboard: { main: Px4MainMode.OFFBOARD, sub: 0 },
  Stabilized: { main: Px4MainMode.STABILIZED, sub: 0 },
  Termination: { main: Px4MainMode.TERMINATION, sub: 0 },
  Ready: { main: Px4MainMode.AUTO, sub: Px4AutoSubMode.READY },
  Takeoff: { main: Px4MainMode.AUTO, sub: Px4AutoSubMode.TAKEOFF },
  Hold: { main: Px4MainMode.AUTO, sub: Px4AutoSubMode.LOITER },
  Mission: { main: Px4MainMode.AUTO, sub: Px4AutoSubMode.MISSION },
  Return: { main: Px4MainMode.AUTO, sub: Px4AutoSubMode.RTL },
  Land: { main: Px4MainMode.AUTO, sub: Px4AutoSubMode.LAND },
  'Follow Me': { main: Px4MainMode.AUTO, sub: Px4AutoSubMode.FOLLOW_TARGET },
  'Precision Land': { main: Px4MainMode.AUTO, sub: Px4AutoSubMode.PRECLAND },
  'VTOL Takeoff': { main: Px4MainMode.AUTO, sub: Px4AutoSubMode.VTOL_TAKEOFF },
} as const satisfies Record<string, { main: number; sub: number }>;

/** A PX4 mode by the name QGroundControl shows: 'Hold', 'Offboard', 'Return', 'Land', … */
export type Px4ModeName = keyof typeof PX4_MODES;
export const PX4_MODE_NAMES = Object.keys(PX4_MODES) as Px4ModeName[];

/** HEARTBEAT custom_mode for a main/sub mode pair (unsigned 32-bit). */
export function px4CustomMode(main: number, sub: number): number {
  return (((sub & 0xff) << 24) | ((main & 0xff) << 16)) >>> 0;
}

/** Inverse of px4CustomMode. */
export function decodePx4CustomMode(customMode: number): { main: number; sub: number } {
  return { main: (customMode >>> 16) & 0xff, sub: (customMode >>> 24) & 0xff };
}

const NAME_BY_KEY = new Map<number, Px4ModeName>();
for (const name of PX4_MODE_NAMES) {
  const m = PX4_MODES[name];
  NAME_BY_KEY.set((m.main << 8) | m.sub, name);
}

/**
 * The QGroundControl name of a main/sub pair, or `Unknown(main.sub)`. Main modes without sub modes
 * are named whatever their sub byte says (PX4 leaves it 0).
 */
export function px4ModeName(main: number, sub: number): Px4ModeName | `Unknown(${number}.${number})` {
  const exact = NAME_BY_KEY.get((main << 8) | sub);
  if (exact) return exact;
  if (main !== Px4MainMode.AUTO && main !== Px4MainMode.POSCTL) {
    const plain = NAME_BY_KEY.get(main << 8);
    if (plain) return plain;
  }
  return `Unknown(${main}.${sub})`;
}

export class UnknownModeError extends Error {
  override name = 'UnknownModeError';
}

/** The main/sub pair for a mode name; an unknown name throws, listing the valid ones. */
export function px4ModeByName(name: string): { main: number; sub: number } {
  const m = (PX4_MODES as Record<string, { main: number; sub: number }>)[name];
  if (!m) throw new UnknownModeError(`unknown PX4 mode "${name}": expected one of ${PX4_MODE_NAMES.map((n) => `"${n}"`).join(', ')}`);
  return { main: m.main, sub: m.sub };
}

export function isPx4ModeName(name: string): name is Px4ModeName {
  return Object.prototype.hasOwnProperty.call(PX4_MODES, name);
}
