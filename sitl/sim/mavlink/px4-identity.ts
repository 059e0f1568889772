import { standard } from 'node-mavlink';
import { ProtocolVersion } from '../../../src/mavlink/protocol-version.js';

/** The PX4 release the simulator answers as. */
export const PX4_VERSION_PARTS = { major: 1, minor: 16, patch: 0 } as const;
/** The same as text, e.g. for reports: "1.16.0". */
export const PX4_VERSION = `${PX4_VERSION_PARTS.major}.${PX4_VERSION_PARTS.minor}.${PX4_VERSION_PARTS.patch}`;

/** FIRMWARE_VERSION_TYPE_OFFICIAL, in the low byte of *_sw_version. */
const FIRMWARE_VERSION_TYPE_OFFICIAL = 255;

/** PX4's version word: major.minor.patch.type, one byte each (0x011000FF for 1.16.0). */
export const PX4_SW_VERSION =
  ((PX4_VERSION_PARTS.major << 24) | (PX4_VERSION_PARTS.minor << 16) | (PX4_VERSION_PARTS.patch << 8) | FIRMWARE_VERSION_TYPE_OFFICIAL) >>> 0;

const C = standard.MavProtocolCapability;

/**
 * The capabilities PX4 v1.16 advertises in AUTOPILOT_VERSION (mavlink_main.cpp, without a gimbal
 * manager), as the real binary sends them (test/native/real-px4.test.ts).
 */
export const PX4_CAPABILITIES =
  C.MISSION_FLOAT |
  C.MISSION_INT |
  C.PARAM_FLOAT |
  C.COMMAND_INT |
  C.PARAM_ENCODE_BYTEWISE |
  C.FTP |
  C.SET_ATTITUDE_TARGET |
  C.SET_POSITION_TARGET_LOCAL_NED |
  C.FLIGHT_TERMINATION |
  C.MAVLINK2 |
  C.MISSION_FENCE |
  C.MISSION_RALLY;

/**
 * What the simulator advertises: PX4's capabilities less those it does not implement — MAVLink FTP
 * and SET_ATTITUDE_TARGET. A client that reads the capabilities (as QGroundControl and MAVSDK do)
 * must not be told the simulator answers what it never will. The mission protocol (int and float
 * items, geofence, rally) is answered as PX4 answers it (mission-transfer.ts).
 */
export const SIM_CAPABILITIES = PX4_CAPABILITIES & ~(C.FTP | C.SET_ATTITUDE_TARGET);

/** A fixed stand-in for the git hash PX4 reports (8 bytes). */
const CUSTOM_VERSION = [0x73, 0x69, 0x6d, 0x2d, 0x31, 0x2e, 0x31, 0x36];

export function autopilotVersion(sysId: number): standard.AutopilotVersion {
  const m = new standard.AutopilotVersion();
  m.capabilities = SIM_CAPABILITIES as unknown as standard.MavProtocolCapability;
  m.flightSwVersion = PX4_SW_VERSION;
  m.middlewareSwVersion = PX4_SW_VERSION;
  m.osSwVersion = 0;
  m.boardVersion = 0;
  m.vendorId = 0;
  m.productId = 0;
  // A stable per-vehicle UID, so two simulated vehicles are told apart as two real boards are.
  m.uid = (0x5349_4d00_0000n + BigInt(sysId)) as bigint;
  m.flightCustomVersion = CUSTOM_VERSION.slice();
  m.middlewareCustomVersion = CUSTOM_VERSION.slice();
  m.osCustomVersion = new Array(8).fill(0);
  m.uid2 = new Array(18).fill(0);
  return m;
}

/** PROTOCOL_VERSION as PX4's mavlink module sends it (MAVLink 2; no spec hash, as PX4 leaves it 0). */
export function protocolVersion(): ProtocolVersion {
  const m = new ProtocolVersion();
  m.version = 200;
  m.minVersion = 100;
  m.maxVersion = 200;
  return m;
}
