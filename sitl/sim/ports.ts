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
 * The simulator's MAVLink system id: instance + 1 as PX4's rcS sets MAV_SYS_ID, kept to the 8 bits
 * a MAVLink system id has, so a high FLIGHT_INSTANCE_BASE (two runs on one machine) still flies:
 * instance 420 is sys 165. Only 0 (broadcast) is refused. (PX4 itself declares MAV_SYS_ID 1..250;
 * the native target keeps instance + 1.)
 */
export function sysIdForInstance(instance: number): number {
  const sysId = (instance + 1) & 0xff;
  if (sysId === 0) throw new RangeError(`instance ${instance}: the simulator would use MAVLink system id 0 (the low 8 bits of instance + 1 = ${instance + 1}); choose another FLIGHT_INSTANCE_BASE`);
  return sysId;
}
