/**
 * PX4 navigation states (vehicle_status NAVIGATION_STATE_*) and how they appear over MAVLink
 * (commander px4_custom_mode.h get_px4_custom_mode, mavlink get_mavlink_navigation_mode).
 */
import { minimal } from 'node-mavlink';
import { Px4AutoSubMode, Px4MainMode, type Px4ModeName } from './types.js';

export const NavState = {
  MANUAL: 0,
  ALTCTL: 1,
  POSCTL: 2,
  AUTO_MISSION: 3,
  AUTO_LOITER: 4,
  AUTO_RTL: 5,
  ACRO: 10,
  DESCEND: 12,
  TERMINATION: 13,
  OFFBOARD: 14,
  STAB: 15,
  AUTO_TAKEOFF: 17,
  AUTO_LAND: 18,
} as const;
export type NavState = (typeof NavState)[keyof typeof NavState];

const MODE_ENCODING: Record<number, [main: number, sub: number, name: Px4ModeName]> = {
  [NavState.MANUAL]: [Px4MainMode.MANUAL, 0, 'Manual'],
  [NavState.ALTCTL]: [Px4MainMode.ALTCTL, 0, 'Altitude'],
  [NavState.POSCTL]: [Px4MainMode.POSCTL, 0, 'Position'],
  [NavState.AUTO_MISSION]: [Px4MainMode.AUTO, Px4AutoSubMode.MISSION, 'Mission'],
  [NavState.AUTO_LOITER]: [Px4MainMode.AUTO, Px4AutoSubMode.LOITER, 'Hold'],
  [NavState.AUTO_RTL]: [Px4MainMode.AUTO, Px4AutoSubMode.RTL, 'Return'],
  [NavState.ACRO]: [Px4MainMode.ACRO, 0, 'Acro'],
  // DESCEND is reported as AUTO.LAND (get_px4_custom_mode)
  [NavState.DESCEND]: [Px4MainMode.AUTO, Px4AutoSubMode.LAND, 'Land'],
  [NavState.TERMINATION]: [Px4MainMode.MANUAL, 0, 'Manual'],
  [NavState.OFFBOARD]: [Px4MainMode.OFFBOARD, 0, 'Offboard'],
  [NavState.STAB]: [Px4MainMode.STABILIZED, 0, 'Stabilized'],
  [NavState.AUTO_TAKEOFF]: [Px4MainMode.AUTO, Px4AutoSubMode.TAKEOFF, 'Takeoff'],
  [NavState.AUTO_LAND]: [Px4MainMode.AUTO, Px4AutoSubMode.LAND, 'Land'],
};

/** mode_util::nav_state_names, used in "Switching to %s is currently not available". */
const NAV_STATE_NAMES: Record<number, string> = {
  [NavState.MANUAL]: 'Manual', [NavState.ALTCTL]: 'Altitude', [NavState.POSCTL]: 'Position',
  [NavState.AUTO_MISSION]: 'Mission', [NavState.AUTO_LOITER]: 'Hold', [NavState.AUTO_RTL]: 'Return',
  [NavState.ACRO]: 'Acro', [NavState.DESCEND]: 'Descend', [NavState.TERMINATION]: 'Termination',
  [NavState.OFFBOARD]: 'Offboard', [NavState.STAB]: 'Stabilized', [NavState.AUTO_TAKEOFF]: 'Takeoff',
  [NavState.AUTO_LAND]: 'Land',
};

export function navStateName(n: number): string {
  return NAV_STATE_NAMES[n] ?? `nav_state ${n}`;
}

export function encodeNavState(n: number): [main: number, sub: number, name: Px4ModeName] {
  return MODE_ENCODING[n] ?? [Px4MainMode.AUTO, Px4AutoSubMode.LOITER, 'Hold'];
}

/** Inverse of DO_SET_MODE custom main/sub (Commander VEHICLE_CMD_DO_SET_MODE). -1: unsupported. */
export function navStateFromCustom(main: number, sub: number): number {
  switch (main) {
    case Px4MainMode.MANUAL: return NavState.MANUAL;
    case Px4MainMode.ALTCTL: return NavState.ALTCTL;
    case Px4MainMode.POSCTL: return NavState.POSCTL;
    case Px4MainMode.ACRO: return NavState.ACRO;
    case Px4MainMode.STABILIZED: return NavState.STAB;
    case Px4MainMode.OFFBOARD: return NavState.OFFBOARD;
    case Px4MainMode.AUTO:
      switch (sub) {
        case 0: return NavState.AUTO_MISSION;
        case Px4AutoSubMode.LOITER: return NavState.AUTO_LOITER;
        case Px4AutoSubMode.MISSION: return NavState.AUTO_MISSION;
        case Px4AutoSubMode.RTL: return NavState.AUTO_RTL;
        case Px4AutoSubMode.TAKEOFF: return NavState.AUTO_TAKEOFF;
        case Px4AutoSubMode.LAND: return NavState.AUTO_LAND;
        default: return -1;
      }
    default: return -1;
  }
}

/** HEARTBEAT base_mode flags for a nav state (mavlink get_mavlink_navigation_mode, rotary wing). */
export function baseModeFor(n: number, armed: boolean): number {
  const F = minimal.MavModeFlag;
  let b = F.CUSTOM_MODE_ENABLED;
  if (armed) b |= F.SAFETY_ARMED;
  const auto = F.AUTO_ENABLED | F.STABILIZE_ENABLED | F.GUIDED_ENABLED;
  switch (n) {
    case NavState.MANUAL: b |= F.MANUAL_INPUT_ENABLED | F.STABILIZE_ENABLED; break;
    case NavState.ACRO: b |= F.MANUAL_INPUT_ENABLED; break;
    case NavState.STAB:
    case NavState.ALTCTL: b |= F.MANUAL_INPUT_ENABLED | F.STABILIZE_ENABLED; break;
    case NavState.POSCTL: b |= F.MANUAL_INPUT_ENABLED | F.STABILIZE_ENABLED | F.GUIDED_ENABLED; break;
    case NavState.TERMINATION: b |= F.MANUAL_INPUT_ENABLED; break;
    default: b |= auto; break;
  }
  return b;
}

/** Modes that need stick input (mode_req_manual_control). */
export function requiresManualControl(n: number): boolean {
  return n === NavState.MANUAL || n === NavState.ALTCTL || n === NavState.POSCTL || n === NavState.ACRO || n === NavState.STAB;
}

/** Modes that PX4 will not arm in (mode_req_prevent_arming); also not restored after disarm. */
export function preventsArming(n: number): boolean {
  return n === NavState.AUTO_RTL || n === NavState.AUTO_LAND || n === NavState.DESCEND || n === NavState.TERMINATION;
}
