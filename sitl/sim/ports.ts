/**
 * PX4 SITL's port convention for instance i (px4-rc.mavlink), plus the simulator's detections port.
 *   API/offboard link: PX4 binds 14580+i and sends to 14540+i (14549 for i ≥ 10)
 *   GCS link:          PX4 binds 18570+i and sends to 14550
 *   detections (sim):  JSON datagrams to 127.0.0.1:19540+i
 * The detections base sits outside PX4's ranges: 14620+i would collide with the API port
 * 14580+i of instance i+40.
 */
export const DETECTIONS_PORT_BASE = 19540;

export interface SimPorts {
  apiLocal: number;
  apiRemote: number;
  gcsLocal: number;
  gcsRemote: number;
  detections: number;
}

export function portsForInstance(i: number): SimPorts {
  return {
    apiLocal: 14580 + i,
    apiRemote: i > 9 ? 14549 : 14540 + i,
    gcsLocal: 18570 + i,
    gcsRemote: 14550,
    detections: DETECTIONS_PORT_BASE + i,
  };
}

/**
 * The MAVLink system id of instance i: PX4 SITL's i + 1 (MAV_SYS_ID) up to 255. Above that PX4
 * v1.16 is no guide (`-i 340` sets MAV_SYS_ID 341, sends HEARTBEAT as system 1 and ignores
 * commands addressed to it); the simulator wraps into 1..255, so instance blocks above 254
 * (parallel runs, FLIGHT_INSTANCE_BASE) fly with distinct ids.
 */
export function sysIdForInstance(i: number): number {
  return (i % 255) + 1;
}

/** The highest PX4 SITL instance that can fly: its rcS sets MAV_SYS_ID to i + 1, a MAVLink system id. */
export const PX4_MAX_INSTANCE = 254;

/** Why real PX4 cannot run instances first..last, or null when it can. */
export function px4InstancesProblem(first: number, last: number): string | null {
  if (last <= PX4_MAX_INSTANCE) return null;
  return `PX4 SITL instance ${last} cannot fly: PX4 sets MAV_SYS_ID to instance + 1 = ${last + 1}, beyond MAVLink's 255 ` +
    `(PX4 v1.16 then sends as system 1 and ignores commands addressed to it); keep instances ${first}..${last} at most ${PX4_MAX_INSTANCE} (lower FLIGHT_INSTANCE_BASE)`;
}
