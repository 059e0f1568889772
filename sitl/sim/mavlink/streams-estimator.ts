/**
 * What PX4's estimator (EKF2) reports: ODOMETRY and ESTIMATOR_STATUS. The model's estimate is its
 * state (truth plus optional noise); the variances and test ratios it does not have are fixed values,
 * those PX4 SIH reports at rest.
 */
import { common } from 'node-mavlink';
import { attitudeFrame, copyQuat, u64, type StreamDef } from './stream-def.js';

const MAV_FRAME_LOCAL_NED = 1;
const MAV_ESTIMATOR_TYPE_AUTOPILOT = 8;
/** EKF2 variances PX4 SIH reports at rest: x, y, z (m²), roll, pitch, yaw (rad²); vx, vy, vz (m²/s²). */
const POSITION_VAR = [0.044, 0.044, 0.098] as const;
const ATTITUDE_VAR = [0.00037, 0.00037, 0.035] as const;
const VELOCITY_VAR = [0.0116, 0.0115, 0.0103] as const;
/** Diagonal entries of a 6×6 upper-right triangle (21 entries, row-major); PX4 leaves the rest NaN. */
const DIAGONAL = [0, 6, 11, 15, 18, 20] as const;

function covariance(diag: readonly number[]): number[] {
  const c = new Array<number>(21).fill(NaN);
  diag.forEach((v, i) => (c[DIAGONAL[i]!] = v));
  return c;
}

/** ESTIMATOR_STATUS_FLAGS: attitude, velocity and position (horizontal relative and absolute, vertical, AGL), predicted position. */
const FLAGS_GOOD = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | 0x100 | 0x200;
/** CONST_POS_MODE: set while landed, as PX4 SIH shows. */
const FLAG_CONST_POS_MODE = 0x80;
/** What a lost position (no GPS past EKF2_NOAID_TOUT) clears: horizontal velocity and position. */
const FLAGS_HORIZONTAL = 0x2 | 0x8 | 0x10 | 0x100 | 0x200;
const MAV_LANDED_STATE_ON_GROUND = 1;

export const ESTIMATOR_STREAMS: readonly StreamDef[] = [
  {
    // PX4 sends the local position with NED velocity (child_frame_id LOCAL_NED), as LOCAL_POSITION_NED.
    name: 'ODOMETRY',
    msgid: common.Odometry.MSG_ID,
    create: () => {
      const o = new common.Odometry();
      o.q = [1, 0, 0, 0];
      o.poseCovariance = covariance([...POSITION_VAR, ...ATTITUDE_VAR]);
      o.velocityCovariance = covariance([...VELOCITY_VAR, NaN, NaN, NaN]);
      o.frameId = MAV_FRAME_LOCAL_NED as common.MavFrame;
      o.childFrameId = MAV_FRAME_LOCAL_NED as common.MavFrame;
      o.resetCounter = 0;
      o.estimatorType = MAV_ESTIMATOR_TYPE_AUTOPILOT as common.MavEstimatorType;
      o.quality = 0;
      return o;
    },
    fill(m, { timeUs, state: s }) {
      const o = m as common.Odometry;
      o.timeUsec = u64(timeUs);
      o.x = s.position.x;
      o.y = s.position.y;
      o.z = s.position.z;
      copyQuat(attitudeFrame(s.attitude.roll, s.attitude.pitch, s.attitude.yaw), o.q);
      o.vx = s.velocity.x;
      o.vy = s.velocity.y;
      o.vz = s.velocity.z;
      o.rollspeed = s.attitude.rollRate;
      o.pitchspeed = s.attitude.pitchRate;
      o.yawspeed = s.attitude.yawRate;
      return true;
    },
  },
  {
    name: 'ESTIMATOR_STATUS',
    msgid: common.EstimatorStatus.MSG_ID,
    create: () => {
      // Test ratios and accuracies PX4 SIH reports at rest (fixed: the model runs no filter).
      const e = new common.EstimatorStatus();
      e.velRatio = 0.05;
      e.posHorizRatio = 0.02;
      e.posVertRatio = 0.02;
      e.magRatio = 0.06;
      e.haglRatio = 0.002;
      e.tasRatio = NaN; // no airspeed sensor
      e.posHorizAccuracy = 0.29;
      e.posVertAccuracy = 0.31;
      return e;
    },
    fill(m, { timeUs, state: s }) {
      const e = m as common.EstimatorStatus;
      let flags = FLAGS_GOOD;
      if (s.landedState === MAV_LANDED_STATE_ON_GROUND) flags |= FLAG_CONST_POS_MODE;
      if (s.failsafe.positionInvalid) flags &= ~FLAGS_HORIZONTAL;
      e.timeUsec = u64(timeUs);
      e.flags = flags as common.EstimatorStatusFlags;
      return true;
    },
  },
];
