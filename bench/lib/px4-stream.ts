import { common, minimal } from 'node-mavlink';
import type { MavLinkData } from 'node-mavlink';
import { FrameEncoder } from '../../src/mavlink/codec.js';
import { seededRandom } from '../../src/mavlink/random.js';

/**
 * A synthetic but realistic PX4 telemetry stream: the message mix and rates of PX4's "onboard"
 * MAVLink mode (mavlink_main.cpp, MAVLINK_MODE_ONBOARD) as a companion computer receives it,
 * with values from a vehicle slowly circling at 10 m, serialised as MAVLink 2 with trimmed
 * payloads, packed into UDP datagrams the way PX4 flushes its network buffer once per loop.
 */

type Fill = (tMs: number, r: () => number) => MavLinkData;

const BOOT_UNIX_US = 1_735_689_600_000_000n; // 2025-01-01, for SYSTEM_TIME

function heartbeat(): MavLinkData {
  const m = new minimal.Heartbeat();
  m.type = minimal.MavType.QUADROTOR;
  m.autopilot = minimal.MavAutopilot.PX4;
  m.baseMode = (minimal.MavModeFlag.CUSTOM_MODE_ENABLED | minimal.MavModeFlag.SAFETY_ARMED) as minimal.MavModeFlag;
  m.customMode = (4 << 16) | (3 << 24); // AUTO.LOITER
  m.systemStatus = minimal.MavState.ACTIVE;
  m.mavlinkVersion = 3;
  return m;
}

// Position on a 20 m circle, 10 m up, one lap a minute.
const circle = (tMs: number) => {
  const w = (2 * Math.PI) / 60_000;
  return { x: 20 * Math.cos(w * tMs), y: 20 * Math.sin(w * tMs), z: -10, vx: -20 * w * 1000 * Math.sin(w * tMs), vy: 20 * w * 1000 * Math.cos(w * tMs), yaw: (w * tMs) % (2 * Math.PI) };
};

/** [message, rate in Hz, how to fill it]: PX4 onboard mode's streams that a quadrotor actually sends. */
export const PX4_ONBOARD_MIX: readonly (readonly [string, number, Fill])[] = [
  ['ATTITUDE', 100, (t, r) => {
    const m = new common.Attitude();
    m.timeBootMs = t; m.roll = 0.02 * (r() - 0.5); m.pitch = 0.02 * (r() - 0.5); m.yaw = circle(t).yaw;
    m.rollspeed = 0.01 * (r() - 0.5); m.pitchspeed = 0.01 * (r() - 0.5); m.yawspeed = 0.1;
    return m;
  }],
  ['ATTITUDE_QUATERNION', 50, (t, r) => {
    const m = new common.AttitudeQuaternion();
    const y = circle(t).yaw / 2;
    m.timeBootMs = t; m.q1 = Math.cos(y); m.q2 = 0.001 * r(); m.q3 = 0.001 * r(); m.q4 = Math.sin(y);
    m.rollspeed = 0.01 * (r() - 0.5); m.pitchspeed = 0.01 * (r() - 0.5); m.yawspeed = 0.1;
    m.reprOffsetQ = [0, 0, 0, 0]; // extension, zero: trimmed
    return m;
  }],
  ['HIGHRES_IMU', 50, (t, r) => {
    const m = new common.HighresImu();
    m.timeUsec = BigInt(t) * 1000n; m.xacc = 0.1 * (r() - 0.5); m.yacc = 0.1 * (r() - 0.5); m.zacc = -9.81 + 0.1 * (r() - 0.5);
    m.xgyro = 0.01 * r(); m.ygyro = 0.01 * r(); m.zgyro = 0.1; m.xmag = 0.21; m.ymag = 0.01; m.zmag = 0.42;
    m.absPressure = 1011.2; m.diffPressure = 0; m.pressureAlt = 498.2; m.temperature = 31.5; m.fieldsUpdated = 0x1fff as common.HighresImuUpdatedFlags; m.id = 0;
    return m;
  }],
  ['GLOBAL_POSITION_INT', 50, (t) => {
    const m = new common.GlobalPositionInt();
    const p = circle(t);
    m.timeBootMs = t; m.lat = 473977418 + Math.round(p.x * 90); m.lon = 85455939 + Math.round(p.y * 132);
    m.alt = 498_000; m.relativeAlt = 10_000; m.vx = Math.round(p.vx * 100); m.vy = Math.round(p.vy * 100); m.vz = 0;
    m.hdg = Math.round((p.yaw * 18000) / Math.PI);
    return m;
  }],
  ['LOCAL_POSITION_NED', 30, (t) => {
    const m = new common.LocalPositionNed();
    const p = circle(t);
    m.timeBootMs = t; m.x = p.x; m.y = p.y; m.z = p.z; m.vx = p.vx; m.vy = p.vy; m.vz = 0;
    return m;
  }],
  ['ODOMETRY', 30, (t, r) => {
    const m = new common.Odometry();
    const p = circle(t);
    m.timeUsec = BigInt(t) * 1000n; m.frameId = 1; m.childFrameId = 8; m.x = p.x; m.y = p.y; m.z = p.z;
    m.q = [Math.cos(p.yaw / 2), 0, 0, Math.sin(p.yaw / 2)]; m.vx = p.vx; m.vy = p.vy; m.vz = 0;
    m.rollspeed = 0.01 * r(); m.pitchspeed = 0.01 * r(); m.yawspeed = 0.1;
    m.poseCovariance = Array.from({ length: 21 }, (_, i) => (i === 0 || i === 6 || i === 11 ? 0.01 : Number.NaN));
    m.velocityCovariance = Array.from({ length: 21 }, (_, i) => (i === 0 || i === 6 || i === 11 ? 0.02 : Number.NaN));
    m.resetCounter = 0; m.estimatorType = 0; m.quality = 0;
    return m;
  }],
  ['ALTITUDE', 10, (t) => {
    const m = new common.Altitude();
    m.timeUsec = BigInt(t) * 1000n; m.altitudeMonotonic = 498; m.altitudeAmsl = 498; m.altitudeLocal = 10; m.altitudeRelative = 10;
    m.altitudeTerrain = Number.NaN; m.bottomClearance = Number.NaN;
    return m;
  }],
  ['ATTITUDE_TARGET', 10, (t) => {
    const m = new common.AttitudeTarget();
    const y = circle(t).yaw / 2;
    m.timeBootMs = t; m.q = [Math.cos(y), 0, 0, Math.sin(y)]; m.bodyRollRate = 0; m.bodyPitchRate = 0; m.bodyYawRate = 0.1;
    m.thrust = 0.62; m.typeMask = 0 as common.AttitudeTargetTypemask;
    return m;
  }],
  ['VFR_HUD', 10, (t) => {
    const m = new common.VfrHud();
    const p = circle(t);
    m.airspeed = 2.1; m.groundspeed = Math.hypot(p.vx, p.vy); m.alt = 498; m.climb = 0;
    m.heading = Math.round((p.yaw * 180) / Math.PI); m.throttle = 62;
    return m;
  }],
  ['TIMESYNC', 10, (t) => {
    const m = new common.TimeSync();
    m.tc1 = 0n; m.ts1 = BigInt(t) * 1_000_000n; m.targetSystem = 0; m.targetComponent = 0;
    return m;
  }],
  ['DISTANCE_SENSOR', 10, (t, r) => {
    const m = new common.DistanceSensor();
    m.timeBootMs = t; m.minDistance = 10; m.maxDistance = 4000; m.currentDistance = 1000 + Math.round(10 * r());
    m.type = common.MavDistanceSensor.LASER; m.id = 0; m.orientation = common.MavSensorOrientation.PITCH_270; m.covariance = 0;
    m.horizontalFov = 0.05; m.verticalFov = 0.05; m.quaternion = [0, 0, 0, 0]; m.signalQuality = 100;
    return m;
  }],
  ['EXTENDED_SYS_STATE', 5, () => {
    const m = new common.ExtendedSysState();
    m.vtolState = common.MavVtolState.UNDEFINED; m.landedState = common.MavLandedState.IN_AIR;
    return m;
  }],
  ['SYS_STATUS', 5, (t) => {
    const m = new common.SysStatus();
    m.onboardControlSensorsPresent = 0x3520fc2f as common.MavSysStatusSensor; m.onboardControlSensorsEnabled = 0x3520fc2f as common.MavSysStatusSensor;
    m.onboardControlSensorsHealth = 0x3520fc2f as common.MavSysStatusSensor; m.load = 350; m.voltageBattery = 15_800 - Math.round(t / 1000);
    m.currentBattery = 1250; m.batteryRemaining = 80; m.dropRateComm = 0; m.errorsComm = 0;
    return m;
  }],
  ['HEARTBEAT', 1, () => heartbeat()],
  ['ESTIMATOR_STATUS', 1, (t) => {
    const m = new common.EstimatorStatus();
    m.timeUsec = BigInt(t) * 1000n; m.velRatio = 0.1; m.posHorizRatio = 0.12; m.posVertRatio = 0.2; m.magRatio = 0.05;
    m.haglRatio = 0; m.tasRatio = 0; m.posHorizAccuracy = 0.4; m.posVertAccuracy = 0.6; m.flags = 0x3ff as common.EstimatorStatusFlags;
    return m;
  }],
  ['SYSTEM_TIME', 1, (t) => {
    const m = new common.SystemTime();
    m.timeUnixUsec = BOOT_UNIX_US + BigInt(t) * 1000n; m.timeBootMs = t;
    return m;
  }],
  ['GPS_RAW_INT', 5, (t) => {
    const m = new common.GpsRawInt();
    const p = circle(t);
    m.timeUsec = BigInt(t) * 1000n; m.lat = 473977418 + Math.round(p.x * 90); m.lon = 85455939 + Math.round(p.y * 132); m.alt = 498_000;
    m.eph = 70; m.epv = 110; m.vel = Math.round(Math.hypot(p.vx, p.vy) * 100); m.cog = 0; m.fixType = common.GpsFixType.GPS_FIX_TYPE_3D_FIX;
    m.satellitesVisible = 14; m.altEllipsoid = 545_000; m.hAcc = 700; m.vAcc = 1100; m.velAcc = 300; m.hdgAcc = 0; m.yaw = 0;
    return m;
  }],
  ['BATTERY_STATUS', 0.5, (t) => {
    const m = new common.BatteryStatus();
    m.currentConsumed = Math.round(t / 360); m.energyConsumed = -1; m.temperature = 32767;
    m.voltages = [15_800, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535, 65535]; m.currentBattery = 1250; m.id = 0;
    m.batteryFunction = common.MavBatteryFunction.ALL; m.type = common.MavBatteryType.LIPO; m.batteryRemaining = 80;
    m.timeRemaining = 1200; m.chargeState = common.MavBatteryChargeState.OK; m.voltagesExt = [0, 0, 0, 0]; m.mode = 0 as common.MavBatteryMode; m.faultBitmask = 0 as common.MavBatteryFault;
    return m;
  }],
];

export interface Px4StreamOptions {
  /** How many frames to generate. */
  frames: number;
  seed?: number;
  sysId?: number;
  compId?: number;
  /** PX4 flushes its UDP buffer once per loop: frames produced within one tick share a datagram. */
  tickMs?: number;
  maxDatagramBytes?: number;
}

export interface Px4Stream {
  /** Every frame, in send order. */
  frames: Buffer[];
  /** Frames packed into datagrams (a frame is never split across datagrams). */
  datagrams: Buffer[];
  /** How many frames each datagram holds, in order. */
  framesPerDatagram: number[];
  /** The message id of each frame. */
  msgids: number[];
  bytes: number;
  /** Vehicle time the stream covers. */
  durationMs: number;
}

export function px4Stream(opts: Px4StreamOptions): Px4Stream {
  const r = seededRandom(opts.seed ?? 1);
  const enc = new FrameEncoder({ sysId: opts.sysId ?? 1, compId: opts.compId ?? 1 });
  const tick = opts.tickMs ?? 4;
  const maxDatagram = opts.maxDatagramBytes ?? 1400;
  const next = PX4_ONBOARD_MIX.map((_, i) => i); // stagger first emissions by index (ms)
  const frames: Buffer[] = [];
  const msgids: number[] = [];
  const datagrams: Buffer[] = [];
  const framesPerDatagram: number[] = [];
  let bytes = 0;
  let t = 0;
  while (frames.length < opts.frames) {
    t += tick;
    let pending: Buffer[] = [];
    let pendingLen = 0;
    for (let i = 0; i < PX4_ONBOARD_MIX.length && frames.length < opts.frames; i++) {
      const [, rate, fill] = PX4_ONBOARD_MIX[i]!;
      while (next[i]! <= t && frames.length < opts.frames) {
        next[i] += 1000 / rate;
        const msg = fill(t, r);
        const frame = enc.encode(msg);
        frames.push(frame);
        msgids.push((msg.constructor as unknown as { MSG_ID: number }).MSG_ID);
        bytes += frame.length;
        if (pendingLen + frame.length > maxDatagram) {
          datagrams.push(Buffer.concat(pending, pendingLen));
          framesPerDatagram.push(pending.length);
          pending = [];
          pendingLen = 0;
        }
        pending.push(frame);
        pendingLen += frame.length;
      }
    }
    if (pendingLen > 0) {
      datagrams.push(Buffer.concat(pending, pendingLen));
      framesPerDatagram.push(pending.length);
    }
  }
  return { frames, datagrams, framesPerDatagram, msgids, bytes, durationMs: t };
}
