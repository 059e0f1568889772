/**
 * What PX4 v1.16 SITL (SIH quadrotor, on the ground, disarmed) streams on its two UDP links, as
 * measured on the real binary with stream-census.ts (Hz; message types sent at a rate, not the
 * event-driven ones). The simulator's own table (sitl/sim/mavlink/stream-rates.ts) is held to this
 * one by test/sim/streams.test.ts, and this one to the binary by test/native/real-px4-streams.test.ts.
 * In the air PX4 adds POSITION_TARGET_GLOBAL_INT (10 Hz on the API link) in the auto modes.
 */
export const PX4_SITL_GROUND_RATES: Record<'api' | 'gcs', Record<string, number>> = {
  api: {
    ALTITUDE: 10,
    ATTITUDE: 100,
    ATTITUDE_QUATERNION: 50,
    ATTITUDE_TARGET: 10,
    BATTERY_STATUS: 0.5,
    CURRENT_EVENT_SEQUENCE: 0.33,
    CURRENT_MODE: 0.5,
    DISTANCE_SENSOR: 10,
    ESTIMATOR_STATUS: 1,
    EXTENDED_SYS_STATE: 5,
    GLOBAL_POSITION_INT: 50,
    GPS_RAW_INT: 8,
    HEARTBEAT: 1,
    HIGHRES_IMU: 50,
    HOME_POSITION: 0.5,
    LINK_NODE_STATUS: 1,
    LOCAL_POSITION_NED: 30,
    MISSION_CURRENT: 1,
    ODOMETRY: 30,
    OPEN_DRONE_ID_LOCATION: 1,
    OPEN_DRONE_ID_SYSTEM: 1,
    PING: 1,
    POSITION_TARGET_LOCAL_NED: 10,
    SCALED_PRESSURE: 1,
    SERVO_OUTPUT_RAW: 10,
    SYSTEM_TIME: 1,
    SYS_STATUS: 5,
    TIMESYNC: 10,
    TIME_ESTIMATE_TO_TARGET: 0.5,
    VFR_HUD: 10,
    VIBRATION: 0.5,
  },
  gcs: {
    ALTITUDE: 1,
    ATTITUDE: 50,
    ATTITUDE_QUATERNION: 50,
    ATTITUDE_TARGET: 50,
    BATTERY_STATUS: 0.5,
    CURRENT_EVENT_SEQUENCE: 0.33,
    CURRENT_MODE: 0.5,
    DISTANCE_SENSOR: 0.5,
    ESTIMATOR_STATUS: 0.5,
    EXTENDED_SYS_STATE: 1,
    GLOBAL_POSITION_INT: 50,
    GPS_RAW_INT: 5,
    HEARTBEAT: 1,
    HOME_POSITION: 0.5,
    LINK_NODE_STATUS: 1,
    LOCAL_POSITION_NED: 50,
    MISSION_CURRENT: 1,
    OPEN_DRONE_ID_LOCATION: 1,
    OPEN_DRONE_ID_SYSTEM: 1,
    PING: 0.1,
    POSITION_TARGET_LOCAL_NED: 50,
    SCALED_PRESSURE: 1,
    SERVO_OUTPUT_RAW: 50,
    SYS_STATUS: 1,
    TIME_ESTIMATE_TO_TARGET: 0.5,
    VFR_HUD: 4,
    VIBRATION: 0.1,
  },
};

/** Two rates agree within ±20 %, or within one message over the window (the slowest streams). */
export function ratesAgree(got: number, want: number, windowS: number): boolean {
  return Math.abs(got - want) <= Math.max(0.2 * want, 1 / windowS);
}
