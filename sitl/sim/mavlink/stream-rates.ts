/**
 * Which streams run on a link, and how often (Hz by message name; HEARTBEAT always 1 Hz).
 *
 * onboard: PX4 SITL's API/offboard link (udp 14580+i ⇄ 14540+i, `mavlink start -m onboard`);
 * normal: PX4 SITL's GCS link (18570+i ⇄ 14550): the normal mode's streams at the rates
 *   px4-rc.mavlink raises for SITL (`mavlink stream -r 50 …`);
 * config: a Pixhawk's USB port (the simulator's --serial).
 *
 * onboard and normal are what PX4 v1.16 SITL (SIH quadrotor) sends, measured on the real binary
 * (test/native/real-px4-streams.test.ts holds the simulator to it). Some PX4 streams send only when
 * their data exists: POSITION_TARGET_GLOBAL_INT in the auto modes in the air; RC_CHANNELS,
 * OPTICAL_FLOW_RAD, ESC_*, GPS_STATUS, … never in SIH. MISSION_CURRENT (1 Hz) comes from the
 * mission protocol (mission-transfer.ts), STATUSTEXT and EVENT when something happens. config
 * follows PX4's mavlink_main.cpp table for MAVLINK_MODE_CONFIG (no USB in SITL to measure).
 */
export type LinkMode = 'onboard' | 'normal' | 'config';

/** Streams that send only in the air (the navigator's target in the auto modes), as PX4's do. */
export const AIRBORNE_ONLY: ReadonlySet<string> = new Set(['POSITION_TARGET_GLOBAL_INT']);

/** Streams every PX4 link sends whatever its mode (mavlink_main.cpp, outside the stream tables). */
const EVERY_LINK = {
  HEARTBEAT: 1,
  CURRENT_MODE: 0.5,
  /** The events protocol's sequence, every 3 s (mavlink_events.cpp current_sequence_interval). */
  CURRENT_EVENT_SEQUENCE: 1 / 3,
};

/** GPS_RAW_INT is "unlimited" on the onboard link (sent on every GPS update): SIH's GPS runs at 8 Hz. */
const GPS_UPDATE_HZ = 8;
/** TIME_ESTIMATE_TO_TARGET sends on each new estimate: navigator publishes one every 2 s. */
const RTL_ESTIMATE_HZ = 0.5;

export const DEFAULT_RATES: Record<LinkMode, Record<string, number>> = {
  onboard: {
    ...EVERY_LINK,
    TIMESYNC: 10,
    HIGHRES_IMU: 50,
    LOCAL_POSITION_NED: 30,
    ATTITUDE: 100,
    ALTITUDE: 10,
    DISTANCE_SENSOR: 10,
    ODOMETRY: 30,
    ATTITUDE_QUATERNION: 50,
    ATTITUDE_TARGET: 10,
    BATTERY_STATUS: 0.5,
    ESTIMATOR_STATUS: 1,
    EXTENDED_SYS_STATE: 5,
    GLOBAL_POSITION_INT: 50,
    GPS_RAW_INT: GPS_UPDATE_HZ,
    HOME_POSITION: 0.5,
    OPEN_DRONE_ID_LOCATION: 1,
    OPEN_DRONE_ID_SYSTEM: 1,
    PING: 1,
    POSITION_TARGET_GLOBAL_INT: 10,
    POSITION_TARGET_LOCAL_NED: 10,
    SCALED_PRESSURE: 1,
    SERVO_OUTPUT_RAW: 10,
    SYS_STATUS: 5,
    SYSTEM_TIME: 1,
    TIME_ESTIMATE_TO_TARGET: RTL_ESTIMATE_HZ,
    VFR_HUD: 10,
    VIBRATION: 0.5,
    LINK_NODE_STATUS: 1,
  },
  normal: {
    ...EVERY_LINK,
    ALTITUDE: 1,
    ATTITUDE: 50,
    ATTITUDE_QUATERNION: 50,
    ATTITUDE_TARGET: 50,
    BATTERY_STATUS: 0.5,
    DISTANCE_SENSOR: 0.5,
    ESTIMATOR_STATUS: 0.5,
    EXTENDED_SYS_STATE: 1,
    GLOBAL_POSITION_INT: 50,
    GPS_RAW_INT: 5,
    HOME_POSITION: 0.5,
    LOCAL_POSITION_NED: 50,
    OPEN_DRONE_ID_LOCATION: 1,
    OPEN_DRONE_ID_SYSTEM: 1,
    PING: 0.1,
    POSITION_TARGET_GLOBAL_INT: 1,
    POSITION_TARGET_LOCAL_NED: 50,
    SCALED_PRESSURE: 1,
    SERVO_OUTPUT_RAW: 50,
    SYS_STATUS: 1,
    TIME_ESTIMATE_TO_TARGET: RTL_ESTIMATE_HZ,
    VFR_HUD: 4,
    VIBRATION: 0.1,
    LINK_NODE_STATUS: 1,
  },
  config: {
    ...EVERY_LINK,
    TIMESYNC: 10,
    LOCAL_POSITION_NED: 30,
    DISTANCE_SENSOR: 10,
    ODOMETRY: 30,
    ALTITUDE: 10,
    ATTITUDE: 50,
    ATTITUDE_QUATERNION: 50,
    ATTITUDE_TARGET: 8,
    BATTERY_STATUS: 0.5,
    ESTIMATOR_STATUS: 5,
    EXTENDED_SYS_STATE: 2,
    GLOBAL_POSITION_INT: 10,
    GPS_RAW_INT: GPS_UPDATE_HZ,
    HIGHRES_IMU: 50,
    HOME_POSITION: 0.5,
    OPEN_DRONE_ID_LOCATION: 1,
    OPEN_DRONE_ID_SYSTEM: 1,
    PING: 1,
    POSITION_TARGET_GLOBAL_INT: 10,
    SCALED_PRESSURE: 1,
    SERVO_OUTPUT_RAW: 20,
    SYS_STATUS: 1,
    SYSTEM_TIME: 1,
    TIME_ESTIMATE_TO_TARGET: RTL_ESTIMATE_HZ,
    VFR_HUD: 20,
    VIBRATION: 2.5,
    LINK_NODE_STATUS: 1,
  },
};
