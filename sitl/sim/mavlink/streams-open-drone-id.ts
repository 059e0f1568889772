/**
 * Remote ID as PX4 v1.16 streams it from the autopilot on every link (OPEN_DRONE_ID_LOCATION and
 * _SYSTEM, 1 Hz, to everyone): the vehicle's position and motion, the operator at home. Sent in
 * PX4's shape so a ground station sees what it sees from PX4; the accuracy classes and the unknown
 * location timestamp are the fixed values PX4 SITL sends.
 */
import { common } from 'node-mavlink';
import { INT16_MAX, RAD2DEG, clampInt, deg1e7, type StreamDef } from './stream-def.js';

const { atan2, trunc } = Math;
const MAV_LANDED_STATE_ON_GROUND = 1;
/** OPEN_DRONE_ID_LOCATION.timestamp: 0xFFFF = unknown, as PX4 sends it. */
const TIMESTAMP_UNKNOWN = 0xffff;
/** OPEN_DRONE_ID_SYSTEM.timestamp counts seconds from 2019-01-01 00:00:00 UTC. */
const ODID_EPOCH_S = Date.UTC(2019, 0, 1) / 1000;
/** direction: 361° = unknown (not moving). */
const DIRECTION_UNKNOWN = 36100;

export const OPEN_DRONE_ID_STREAMS: readonly StreamDef[] = [
  {
    name: 'OPEN_DRONE_ID_LOCATION',
    msgid: common.OpenDroneIdLocation.MSG_ID,
    create: () => {
      const l = new common.OpenDroneIdLocation();
      l.idOrMac = new Array(20).fill(0);
      l.heightReference = common.MavOdidHeightRef.OVER_TAKEOFF;
      l.horizontalAccuracy = common.MavOdidHorAcc.MAV_ODID_HOR_ACC_1_METER;
      l.verticalAccuracy = common.MavOdidVerAcc.MAV_ODID_VER_ACC_3_METER;
      l.barometerAccuracy = common.MavOdidVerAcc.UNKNOWN;
      l.speedAccuracy = common.MavOdidSpeedAcc.MAV_ODID_SPEED_ACC_1_METERS_PER_SECOND;
      l.timestampAccuracy = common.MavOdidTimeAcc.UNKNOWN;
      l.timestamp = TIMESTAMP_UNKNOWN;
      return l;
    },
    fill(m, { state: s }) {
      const l = m as common.OpenDroneIdLocation;
      const g = s.global;
      l.targetSystem = 0;
      l.targetComponent = 0;
      l.status = (s.landedState === MAV_LANDED_STATE_ON_GROUND ? common.MavOdidStatus.GROUND : common.MavOdidStatus.AIRBORNE);
      const course = ((atan2(g.vy, g.vx) * RAD2DEG) % 360 + 360) % 360;
      l.direction = s.groundSpeed > 0.01 ? clampInt(course * 100, 0, 35999) : DIRECTION_UNKNOWN;
      l.speedHorizontal = clampInt(s.groundSpeed * 100, 0, 25425);
      l.speedVertical = clampInt(-g.vz * 100, -INT16_MAX, INT16_MAX);
      l.latitude = deg1e7(g.lat);
      l.longitude = deg1e7(g.lon);
      l.altitudeBarometric = g.alt;
      l.altitudeGeodetic = trunc(s.gps.alt); // whole metres, as PX4 sends the GPS altitude here
      l.height = g.relativeAlt;
      return true;
    },
  },
  {
    name: 'OPEN_DRONE_ID_SYSTEM',
    msgid: common.OpenDroneIdSystem.MSG_ID,
    create: () => {
      const sys = new common.OpenDroneIdSystem();
      sys.idOrMac = new Array(20).fill(0);
      sys.operatorLocationType = common.MavOdidOperatorLocationType.TAKEOFF;
      sys.classificationType = common.MavOdidClassificationType.UNDECLARED;
      sys.categoryEu = common.MavOdidCategoryEu.UNDECLARED;
      sys.classEu = common.MavOdidClassEu.UNDECLARED;
      sys.areaCount = 1;
      sys.areaRadius = 0;
      sys.areaCeiling = -1000;
      sys.areaFloor = -1000;
      return sys;
    },
    fill(m, { state: s }) {
      const sys = m as common.OpenDroneIdSystem;
      sys.targetSystem = 0;
      sys.targetComponent = 0;
      sys.operatorLatitude = deg1e7(s.home.lat);
      sys.operatorLongitude = deg1e7(s.home.lon);
      sys.operatorAltitudeGeo = s.home.alt;
      // The host's UTC clock, as SYSTEM_TIME (PX4 SITL takes it from its simulated GPS).
      sys.timestamp = trunc(Date.now() / 1000 - ODID_EPOCH_S) >>> 0;
      return true;
    },
  },
];
