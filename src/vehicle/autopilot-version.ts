import { common, standard } from 'node-mavlink';
import type { Link } from '../mavlink/index.js';

/** What a vehicle says it runs, from its AUTOPILOT_VERSION. */
export interface AutopilotVersionInfo {
  /** e.g. "1.16.0" (a pre-release type is appended: "1.17.0-beta"). */
  version: string;
  /** The raw version word: major.minor.patch.type, one byte each. */
  flightSwVersion: number;
  /**
   * flight_custom_version as 16 hex digits: PX4's git hash as its build recorded it
   * (PX4_GIT_VERSION_BINARY; the bundle in ../shared reports 6ea3539157000000 for commit 6ea3539157ca…).
   */
  gitHash: string;
  /** MAV_PROTOCOL_CAPABILITY bits: which protocols it says it answers (missions, FTP, COMMAND_INT, …). */
  capabilities: number;
}

/** FIRMWARE_VERSION_TYPE, the low byte of *_sw_version. */
const VERSION_TYPE: Record<number, string> = { 0: '-dev', 64: '-alpha', 128: '-beta', 192: '-rc', 255: '' };

/** "1.16.0" from PX4's version word (0x011000FF). */
export function formatSwVersion(word: number): string {
  const b = (shift: number) => (word >>> shift) & 0xff;
  const type = b(0);
  return `${b(24)}.${b(16)}.${b(8)}${VERSION_TYPE[type] ?? `-type${type}`}`;
}

/**
 * Asks the vehicle for AUTOPILOT_VERSION (MAV_CMD_REQUEST_MESSAGE 148), as ground stations do
 * after the first HEARTBEAT; asked again each `timeoutMs` (host clock), at most `tries` times.
 */
export async function requestAutopilotVersion(link: Link, sysId: number, opts: { tries?: number; timeoutMs?: number } = {}): Promise<AutopilotVersionInfo> {
  const tries = opts.tries ?? 3;
  const timeoutMs = opts.timeoutMs ?? 1000;
  let last: unknown = null;
  for (let i = 0; i < tries; i++) {
    const answer = link.next(standard.AutopilotVersion, { timeoutMs, where: (m) => m.sysid === sysId });
    const cmd = new common.CommandLong();
    cmd.targetSystem = sysId;
    cmd.targetComponent = 1;
    cmd.command = common.MavCmd.REQUEST_MESSAGE;
    cmd.confirmation = i;
    cmd._param1 = standard.AutopilotVersion.MSG_ID;
    link.send(cmd);
    try {
      const m = (await answer).data;
      // PX4 copies its 64-bit git version word in little-endian order: reversed, the bytes read as the hash.
      const hash = [...m.flightCustomVersion].reverse().map((x) => x.toString(16).padStart(2, '0')).join('');
      return { version: formatSwVersion(m.flightSwVersion), flightSwVersion: m.flightSwVersion, gitHash: hash, capabilities: Number(m.capabilities) };
    } catch (err) {
      last = err;
    }
  }
  throw new Error(`no AUTOPILOT_VERSION from sys ${sysId} after ${tries} requests: ${(last as Error)?.message ?? 'no answer'}`);
}
