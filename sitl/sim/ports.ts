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
 * The MAVLink system id of instance i as PX4 SITL sends it: its start script sets MAV_SYS_ID to
 * i + 1, and PX4 v1.16 keeps its default 1 when that is out of MAVLink's range (seen: `-i 340`
 * sets MAV_SYS_ID 341 and sends as system 1). Instance blocks above 254 (parallel runs,
 * FLIGHT_INSTANCE_BASE) then still find their vehicle; each vehicle has its own ports.
 */
export function sysIdForInstance(i: number): number {
  return i + 1 <= 255 ? i + 1 : 1;
}
