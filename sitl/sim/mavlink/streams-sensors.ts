/**
 * What PX4 SITL streams from SIH's simulated sensors: IMU, barometer, distance sensor, vibration and
 * the motor outputs, derived from the model's state (accelerations, attitude, altitude, thrust).
 */
import { common } from 'node-mavlink';
import { UINT16_MAX, attitudeFrame, clampInt, isaPressurePa, isaTemperatureC, nedToBody, paramOr, u64, type StreamDef } from './stream-def.js';

const { floor, round, max, min } = Math;
const G = 9.80665;

/**
 * The Earth's field (gauss, NED) at PX4 SITL's default home, Zurich (World Magnetic Model:
 * declination 3.4°, inclination 63.5°, 0.48 G), which SIH also uses there. A fixed value: the
 * model has no magnetic model, so another home reads Zurich's field.
 */
const MAG_NED = [0.2137, 0.0127, 0.4296] as const;
/** HIGHRES_IMU.fields_updated: accel, gyro, mag, abs_pressure, pressure_alt, temperature (no airspeed sensor). */
const HIGHRES_FIELDS = 0x3f | 0x1c0 | 0x200 | 0x800 | 0x1000;
/** SIH reports its IMU temperature as a fixed 15 °C. */
const IMU_TEMPERATURE_C = 15;
/** PWM PX4 SITL sends for an output that is off (disarmed motors, unused channels). */
const PWM_DISARMED = 900;
const PWM_MIN = 1000;
const PWM_RANGE = 1000;
const MOTORS = 4;
const MAV_DISTANCE_SENSOR_LASER = 0;
const MAV_SENSOR_ROTATION_PITCH_270 = 25;

const BODY = [0, 0, 0];

export const SENSOR_STREAMS: readonly StreamDef[] = [
  {
    name: 'HIGHRES_IMU',
    msgid: common.HighresImu.MSG_ID,
    create: () => new common.HighresImu(),
    fill(m, { timeUs, state: s }) {
      const h = m as common.HighresImu;
      const f = attitudeFrame(s.attitude.roll, s.attitude.pitch, s.attitude.yaw);
      // Specific force (what an accelerometer reads): acceleration minus gravity, in the body frame.
      nedToBody(f, s.acceleration.x, s.acceleration.y, s.acceleration.z - G, BODY);
      h.timeUsec = u64(timeUs);
      h.xacc = BODY[0]!;
      h.yacc = BODY[1]!;
      h.zacc = BODY[2]!;
      h.xgyro = s.attitude.rollRate;
      h.ygyro = s.attitude.pitchRate;
      h.zgyro = s.attitude.yawRate;
      nedToBody(f, MAG_NED[0], MAG_NED[1], MAG_NED[2], BODY);
      h.xmag = BODY[0]!;
      h.ymag = BODY[1]!;
      h.zmag = BODY[2]!;
      // PX4 v1.16 fills abs_pressure in Pa (the message says hPa).
      h.absPressure = isaPressurePa(s.global.alt);
      h.diffPressure = 0;
      h.pressureAlt = s.global.alt;
      h.temperature = IMU_TEMPERATURE_C;
      h.fieldsUpdated = HIGHRES_FIELDS;
      h.id = 0;
      return true;
    },
  },
  {
    name: 'SCALED_PRESSURE',
    msgid: common.ScaledPressure.MSG_ID,
    create: () => new common.ScaledPressure(),
    fill(m, { timeUs, state: s }) {
      const p = m as common.ScaledPressure;
      p.timeBootMs = floor(timeUs / 1000);
      p.pressAbs = isaPressurePa(s.global.alt) / 100;
      p.pressDiff = 0;
      p.temperature = round(isaTemperatureC(s.global.alt) * 100);
      p.temperaturePressDiff = 0;
      return true;
    },
  },
  {
    // SIH's downward rangefinder (SIH_DISTSNSR_*): the height above the model's flat ground.
    name: 'DISTANCE_SENSOR',
    msgid: common.DistanceSensor.MSG_ID,
    create: () => {
      const d = new common.DistanceSensor();
      d.quaternion = [0, 0, 0, 0];
      return d;
    },
    fill(m, { timeUs, state: s, params }) {
      const d = m as common.DistanceSensor;
      const minM = paramOr(params, 'SIH_DISTSNSR_MIN', 0);
      const maxM = paramOr(params, 'SIH_DISTSNSR_MAX', 100);
      d.timeBootMs = floor(timeUs / 1000);
      d.minDistance = clampInt(minM * 100, 0, UINT16_MAX);
      d.maxDistance = clampInt(maxM * 100, 0, UINT16_MAX);
      d.currentDistance = clampInt(min(maxM, max(minM, -s.truth.position.z)) * 100, 0, UINT16_MAX);
      d.type = MAV_DISTANCE_SENSOR_LASER as common.MavDistanceSensor;
      d.id = 0;
      d.orientation = MAV_SENSOR_ROTATION_PITCH_270 as common.MavSensorOrientation;
      d.covariance = 0;
      d.horizontalFov = 0;
      d.verticalFov = 0;
      d.signalQuality = 0;
      return true;
    },
  },
  {
    // The model's IMU has no vibration or clipping: zeros, as a perfect IMU reads.
    name: 'VIBRATION',
    msgid: common.Vibration.MSG_ID,
    create: () => new common.Vibration(),
    fill(m, { timeUs }) {
      const v = m as common.Vibration;
      v.timeUsec = u64(timeUs);
      v.vibrationX = 0;
      v.vibrationY = 0;
      v.vibrationZ = 0;
      v.clipping0 = 0;
      v.clipping1 = 0;
      v.clipping2 = 0;
      return true;
    },
  },
  {
    // Motors 1–4 (PWM_MAIN_FUNC1..4 = motors in SITL), the model's collective thrust on each: it
    // has no per-motor differential. Channels 5–16 are unused and read as off, as in PX4 SITL.
    name: 'SERVO_OUTPUT_RAW',
    msgid: common.ServoOutputRaw.MSG_ID,
    create: () => {
      const o = new common.ServoOutputRaw();
      const r = o as unknown as Record<string, number>;
      for (let i = MOTORS + 1; i <= 16; i++) r[`servo${i}Raw`] = PWM_DISARMED;
      return o;
    },
    fill(m, { timeUs, state: s }) {
      const o = m as common.ServoOutputRaw;
      const motor = s.armed ? clampInt(PWM_MIN + PWM_RANGE * s.throttle, PWM_MIN, PWM_MIN + PWM_RANGE) : PWM_DISARMED;
      o.timeUsec = timeUs % 4294967296;
      o.port = 0;
      o.servo1Raw = o.servo2Raw = o.servo3Raw = o.servo4Raw = motor;
      return true;
    },
  },
];
