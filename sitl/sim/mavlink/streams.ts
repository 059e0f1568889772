import { common, minimal } from 'node-mavlink';
import { INT16_MAX, RAD2DEG, UINT16_MAX, attitudeFrame, clampInt, deg1e7, u64, type StreamDef } from './stream-def.js';
import { CONTROL_STREAMS } from './streams-control.js';
import { ESTIMATOR_STREAMS } from './streams-estimator.js';
import { LINK_STREAMS } from './streams-link.js';
import { OPEN_DRONE_ID_STREAMS } from './streams-open-drone-id.js';
import { SENSOR_STREAMS } from './streams-sensors.js';

export type { StreamContext, StreamDef } from './stream-def.js';
export { AIRBORNE_ONLY, DEFAULT_RATES, type LinkMode } from './stream-rates.js';

const { round, floor, max, atan2 } = Math;
const isFinite = Number.isFinite;

/** Heading in degrees [0, 360) from a yaw in radians. */
function headingDeg(yaw: number): number {
  const d = yaw * RAD2DEG;
  return ((d % 360) + 360) % 360;
}

const MAV_TYPE_QUADROTOR = 2;
const MAV_AUTOPILOT_PX4 = 12;

const CORE_STREAMS: readonly StreamDef[] = [
  {
    name: 'HEARTBEAT',
    msgid: minimal.Heartbeat.MSG_ID,
    create: () => new minimal.Heartbeat(),
    fill(m, { state: s }) {
      const hb = m as minimal.Heartbeat;
      hb.type = MAV_TYPE_QUADROTOR as minimal.MavType;
      hb.autopilot = MAV_AUTOPILOT_PX4 as minimal.MavAutopilot;
      hb.baseMode = s.baseMode as minimal.MavModeFlag;
      hb.customMode = s.customMode >>> 0;
      hb.systemStatus = s.systemStatus as minimal.MavState;
      hb.mavlinkVersion = 3;
      return true;
    },
  },
  {
    name: 'SYS_STATUS',
    msgid: common.SysStatus.MSG_ID,
    create: () => new common.SysStatus(),
    fill(m, { state: s }) {
      const ss = m as common.SysStatus;
      ss.onboardControlSensorsPresent = s.sensors.present >>> 0;
      ss.onboardControlSensorsEnabled = s.sensors.enabled >>> 0;
      ss.onboardControlSensorsHealth = s.sensors.health >>> 0;
      ss.load = 200;
      ss.voltageBattery = clampInt(s.battery.voltage * 1000, 0, UINT16_MAX - 1);
      ss.currentBattery = s.battery.current >= 0 ? clampInt(s.battery.current * 100, 0, INT16_MAX) : -1;
      ss.batteryRemaining = clampInt(s.battery.remaining, -1, 100);
      return true;
    },
  },
  {
    name: 'ATTITUDE',
    msgid: common.Attitude.MSG_ID,
    create: () => new common.Attitude(),
    fill(m, { timeUs, state: s }) {
      const a = m as common.Attitude;
      a.timeBootMs = floor(timeUs / 1000);
      a.roll = s.attitude.roll;
      a.pitch = s.attitude.pitch;
      a.yaw = s.attitude.yaw;
      a.rollspeed = s.attitude.rollRate;
      a.pitchspeed = s.attitude.pitchRate;
      a.yawspeed = s.attitude.yawRate;
      return true;
    },
  },
  {
    name: 'ATTITUDE_QUATERNION',
    msgid: common.AttitudeQuaternion.MSG_ID,
    create: () => {
      const q = new common.AttitudeQuaternion();
      q.reprOffsetQ = [0, 0, 0, 0];
      return q;
    },
    fill(m, { timeUs, state: s }) {
      const q = m as common.AttitudeQuaternion;
      const f = attitudeFrame(s.attitude.roll, s.attitude.pitch, s.attitude.yaw);
      q.timeBootMs = floor(timeUs / 1000);
      q.q1 = f.q[0]!;
      q.q2 = f.q[1]!;
      q.q3 = f.q[2]!;
      q.q4 = f.q[3]!;
      q.rollspeed = s.attitude.rollRate;
      q.pitchspeed = s.attitude.pitchRate;
      q.yawspeed = s.attitude.yawRate;
      return true;
    },
  },
  {
    name: 'LOCAL_POSITION_NED',
    msgid: common.LocalPositionNed.MSG_ID,
    create: () => new common.LocalPositionNed(),
    fill(m, { timeUs, state: s }) {
      const l = m as common.LocalPositionNed;
      l.timeBootMs = floor(timeUs / 1000);
      l.x = s.position.x;
      l.y = s.position.y;
      l.z = s.position.z;
      l.vx = s.velocity.x;
      l.vy = s.velocity.y;
      l.vz = s.velocity.z;
      return true;
    },
  },
  {
    name: 'GLOBAL_POSITION_INT',
    msgid: common.GlobalPositionInt.MSG_ID,
    create: () => new common.GlobalPositionInt(),
    fill(m, { timeUs, state: s }) {
      const g = m as common.GlobalPositionInt;
      g.timeBootMs = floor(timeUs / 1000);
      g.lat = deg1e7(s.global.lat);
      g.lon = deg1e7(s.global.lon);
      g.alt = round(s.global.alt * 1000);
      g.relativeAlt = round(s.global.relativeAlt * 1000);
      g.vx = clampInt(s.global.vx * 100, -INT16_MAX, INT16_MAX);
      g.vy = clampInt(s.global.vy * 100, -INT16_MAX, INT16_MAX);
      g.vz = clampInt(s.global.vz * 100, -INT16_MAX, INT16_MAX);
      g.hdg = isFinite(s.global.headingDeg) ? clampInt(s.global.headingDeg * 100, 0, 35999) : UINT16_MAX;
      return true;
    },
  },
  {
    name: 'EXTENDED_SYS_STATE',
    msgid: common.ExtendedSysState.MSG_ID,
    create: () => new common.ExtendedSysState(),
    fill(m, { state: s }) {
      const e = m as common.ExtendedSysState;
      e.vtolState = 0 as common.MavVtolState;
      e.landedState = s.landedState as common.MavLandedState;
      return true;
    },
  },
  {
    name: 'ALTITUDE',
    msgid: common.Altitude.MSG_ID,
    create: () => new common.Altitude(),
    fill(m, { timeUs, state: s }) {
      const a = m as common.Altitude;
      a.timeUsec = u64(timeUs);
      a.altitudeMonotonic = s.global.alt;
      a.altitudeAmsl = s.global.alt;
      a.altitudeLocal = -s.position.z;
      a.altitudeRelative = s.global.relativeAlt;
      a.altitudeTerrain = NaN;
      a.bottomClearance = NaN;
      return true;
    },
  },
  {
    name: 'BATTERY_STATUS',
    msgid: common.BatteryStatus.MSG_ID,
    create: () => {
      const b = new common.BatteryStatus();
      b.voltages = new Array(10).fill(UINT16_MAX);
      b.voltagesExt = [0, 0, 0, 0];
      return b;
    },
    fill(m, { state: s }) {
      const b = m as common.BatteryStatus;
      const bat = s.battery;
      b.id = 0;
      b.batteryFunction = 1 as common.MavBatteryFunction; // ALL
      b.type = 1 as common.MavBatteryType; // LIPO
      b.temperature = INT16_MAX;
      // PX4's battery library publishes no per-cell voltages, so its stream (BATTERY_STATUS.hpp)
      // reports the total in the first cell, split into UINT16_MAX − 1 chunks if it does not fit.
      let restMv = max(0, bat.voltage * 1000);
      const fields = Math.trunc(restMv / (UINT16_MAX - 1)) + 1;
      for (let i = 0; i < 10; i++) {
        if (i >= fields || fields > 10) b.voltages[i] = UINT16_MAX;
        else if (i < fields - 1) {
          b.voltages[i] = UINT16_MAX - 1;
          restMv -= UINT16_MAX - 1;
        } else b.voltages[i] = Math.trunc(restMv);
      }
      b.currentBattery = bat.current >= 0 ? clampInt(bat.current * 100, 0, INT16_MAX) : -1;
      b.currentConsumed = round(bat.consumedMah);
      b.energyConsumed = -1;
      b.batteryRemaining = clampInt(bat.remaining, -1, 100);
      b.timeRemaining = 0;
      // PX4 battery_status warning (0 none .. 3 emergency, 4 failed) → MAV_BATTERY_CHARGE_STATE (1 ok ..).
      b.chargeState = clampInt(bat.warning + 1, 1, 5) as common.MavBatteryChargeState;
      b.mode = 0 as common.MavBatteryMode;
      b.faultBitmask = 0 as common.MavBatteryFault;
      return true;
    },
  },
  {
    name: 'HOME_POSITION',
    msgid: common.HomePosition.MSG_ID,
    create: () => {
      const h = new common.HomePosition();
      h.q = [1, 0, 0, 0];
      return h;
    },
    fill(m, { timeUs, state: s }) {
      if (!s.home.valid) return false;
      const h = m as common.HomePosition;
      h.latitude = deg1e7(s.home.lat);
      h.longitude = deg1e7(s.home.lon);
      h.altitude = round(s.home.alt * 1000);
      h.x = s.home.x;
      h.y = s.home.y;
      h.z = s.home.z;
      h.approachX = 0;
      h.approachY = 0;
      h.approachZ = 0;
      h.timeUsec = u64(timeUs);
      return true;
    },
  },
  {
    name: 'GPS_RAW_INT',
    msgid: common.GpsRawInt.MSG_ID,
    create: () => new common.GpsRawInt(),
    fill(m, { timeUs, state: s }) {
      const g = m as common.GpsRawInt;
      const gps = s.gps;
      g.timeUsec = u64(timeUs);
      g.fixType = gps.fixType as common.GpsFixType;
      g.lat = deg1e7(gps.lat);
      g.lon = deg1e7(gps.lon);
      g.alt = round(gps.alt * 1000);
      g.altEllipsoid = g.alt;
      g.eph = clampInt(gps.eph * 100, 0, UINT16_MAX);
      g.epv = clampInt(gps.epv * 100, 0, UINT16_MAX);
      g.vel = clampInt(s.groundSpeed * 100, 0, UINT16_MAX - 1);
      const cog = atan2(s.global.vy, s.global.vx) * RAD2DEG;
      g.cog = s.groundSpeed > 0.1 ? clampInt(((cog % 360) + 360) % 360 * 100, 0, 35999) : UINT16_MAX;
      g.satellitesVisible = gps.satellites;
      g.hAcc = clampInt(gps.eph * 1000, 0, 0xffffffff);
      g.vAcc = clampInt(gps.epv * 1000, 0, 0xffffffff);
      g.velAcc = 300;
      g.hdgAcc = 0;
      g.yaw = 0;
      return true;
    },
  },
  {
    name: 'VFR_HUD',
    msgid: common.VfrHud.MSG_ID,
    create: () => new common.VfrHud(),
    fill(m, { state: s }) {
      const v = m as common.VfrHud;
      v.airspeed = s.groundSpeed;
      v.groundspeed = s.groundSpeed;
      v.alt = s.global.alt;
      v.climb = s.climbRate;
      v.heading = clampInt(headingDeg(s.attitude.yaw), 0, 359);
      v.throttle = clampInt(s.throttle * 100, 0, 100);
      return true;
    },
  },
  {
    name: 'SYSTEM_TIME',
    msgid: common.SystemTime.MSG_ID,
    create: () => new common.SystemTime(),
    fill(m, { timeUs }) {
      const t = m as common.SystemTime;
      // PX4 SITL reports the host's wall clock as UNIX time.
      t.timeUnixUsec = u64(Date.now() * 1000);
      t.timeBootMs = floor(timeUs / 1000);
      return true;
    },
  },
  {
    // Not streamed by default on any PX4 link mode: sent on request or at a rate a client sets.
    name: 'FLIGHT_INFORMATION',
    msgid: common.FlightInformation.MSG_ID,
    create: () => new common.FlightInformation(),
    fill(m, { timeUs, state: s }) {
      const f = m as common.FlightInformation;
      // The model's clock restarts at a vehicle reset, the link's does not: stamps go on the link's.
      const toLinkUs = (t: number | null) => (t === null ? 0 : timeUs - s.timeUs + t);
      f.timeBootMs = floor(timeUs / 1000);
      f.armingTimeUtc = u64(toLinkUs(s.flight.armedTimeUs));
      f.takeoffTimeUtc = u64(toLinkUs(s.flight.takeoffTimeUs));
      f.flightUuid = u64(s.flight.uuid);
      f.landingTime = 0; // PX4 v1.16 leaves it unset
      return true;
    },
  },
  {
    name: 'TIMESYNC',
    msgid: common.TimeSync.MSG_ID,
    create: () => new common.TimeSync(),
    fill(m, { timeUs }) {
      // PX4's own time sync request: tc1 = 0, ts1 = our time (ns).
      const t = m as common.TimeSync;
      t.tc1 = u64(0);
      t.ts1 = u64(timeUs * 1000);
      t.targetSystem = 0;
      t.targetComponent = 0;
      return true;
    },
  },
];

/** Every stream the simulator can send; DEFAULT_RATES says which run on a link, and how often. */
export const STREAMS: readonly StreamDef[] = [
  ...CORE_STREAMS,
  ...SENSOR_STREAMS,
  ...ESTIMATOR_STREAMS,
  ...CONTROL_STREAMS,
  ...LINK_STREAMS,
  ...OPEN_DRONE_ID_STREAMS,
];

export const STREAM_BY_NAME: ReadonlyMap<string, StreamDef> = new Map(STREAMS.map((s) => [s.name, s]));
export const STREAM_BY_ID: ReadonlyMap<number, StreamDef> = new Map(STREAMS.map((s) => [s.msgid, s]));
