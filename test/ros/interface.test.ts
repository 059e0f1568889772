/**
 * drone_core's interface mapping: names per drone, types, NED conversions and message parsing.
 */
import { describe, expect, it } from '@jest/globals';
import {
  altitudeToDown,
  checkDroneName,
  detectionsTopic,
  droneStateTopic,
  GET_STATE_TYPE,
  modeToNavState,
  navStateToMode,
  parseDroneState,
  parseGetState,
  parseTriggerResponse,
  serviceName,
  serviceType,
  SET_POSITION_TYPE,
  setPositionRequest,
  TRIGGER_SERVICES,
  TRIGGER_TYPE,
} from '../../src/ros/drone-core-interface.js';

const state = {
  local_x: 1.5, local_y: -2, local_z: -10, local_yaw: 0.25, position_valid: true,
  velocity_x: 0.1, velocity_y: 0, velocity_z: -1, velocity_valid: true,
  nav_state: 'OFFBOARD', arming_state: 'ARMED', landing_state: 'AIRBORNE',
};

describe('service and topic names per drone', () => {
  it('are absolute /<drone>/<name>, for every drone', () => {
    expect(serviceName('drone1', 'arm')).toBe('/drone1/arm');
    expect(serviceName('drone2', 'set_offboard')).toBe('/drone2/set_offboard');
    expect(serviceName('drone3', 'set_position')).toBe('/drone3/set_position');
    expect(serviceName('drone1', 'get_state')).toBe('/drone1/get_state');
    expect(droneStateTopic('drone2')).toBe('/drone2/drone_state');
    expect(detectionsTopic('drone2')).toBe('/drone2/detected_objects');
  });

  it('types: Trigger for the commands, drone_interfaces for set_position and get_state', () => {
    for (const s of TRIGGER_SERVICES) expect(serviceType(s)).toBe(TRIGGER_TYPE);
    expect(TRIGGER_SERVICES).toEqual(expect.arrayContaining(['arm', 'disarm', 'takeoff', 'land', 'set_offboard', 'set_position_mode', 'return_to_launch', 'flight_termination']));
    expect(serviceType('set_position')).toBe(SET_POSITION_TYPE);
    expect(serviceType('get_state')).toBe(GET_STATE_TYPE);
    expect(SET_POSITION_TYPE).toBe('drone_interfaces/srv/SetPosition');
  });

  it('rejects a drone name that is not one ROS name token, naming it', () => {
    for (const bad of ['', '1drone', 'drone 1', '/drone1', 'drone1/arm', 'drone-1']) {
      expect(() => serviceName(bad, 'arm')).toThrow(new RegExp(`drone name ${JSON.stringify(bad).replace(/[/]/g, '\\/')}: must be one ROS name token`));
    }
    expect(checkDroneName('drone_7')).toBe('drone_7');
  });
});

describe('NED conversions (SetPosition: x north, y east, z down, yaw radians)', () => {
  it('maps a NED target to x/y/z/yaw, rounded to float32 as drone_core receives it', () => {
    const r = setPositionRequest({ north: 5.1, east: -3, down: altitudeToDown(10), yaw: 0.1 });
    expect(r).toEqual({ x: Math.fround(5.1), y: -3, z: -10, yaw: Math.fround(0.1) });
    expect(r.x).not.toBe(5.1);
    expect(Math.abs(r.x - 5.1)).toBeLessThan(1e-6);
  });

  it('up is negative z', () => {
    expect(altitudeToDown(10)).toBe(-10);
    expect(altitudeToDown(0)).toBe(-0);
  });

  it('rejects a non-finite coordinate with its path', () => {
    expect(() => setPositionRequest({ north: 0, east: NaN, down: -5, yaw: 0 })).toThrow(/set_position: east: .*NaN/);
    expect(() => setPositionRequest({ north: 0, east: 0, down: Infinity, yaw: 0 })).toThrow(/set_position: down:/);
  });
});

describe('responses and state', () => {
  it('Trigger response: success and message; anything else names the field', () => {
    expect(parseTriggerResponse('/drone1/arm', { success: true, message: 'Arm command initiated' })).toEqual({ success: true, message: 'Arm command initiated' });
    expect(parseTriggerResponse('/drone1/arm', { success: false })).toEqual({ success: false, message: '' });
    expect(() => parseTriggerResponse('/drone1/arm', { success: 'yes' })).toThrow(/\/drone1\/arm: unexpected response: success:/);
    expect(() => parseTriggerResponse('/drone1/arm', null)).toThrow(/\/drone1\/arm: unexpected response/);
  });

  it('GetState: drone_core’s view in NED with its mode as a PX4 mode name', () => {
    const r = parseGetState({ success: true, message: '', ...state });
    expect(r.success).toBe(true);
    expect(r.state.position).toEqual({ north: 1.5, east: -2, down: -10, yaw: 0.25 });
    expect(r.state.velocity).toEqual({ vn: 0.1, ve: 0, vd: -1 });
    expect(r.state.mode).toBe('Offboard');
    expect(r.state.armed).toBe(true);
  });

  it('GetState: invalid position and UNKNOWN states are null, not zeros', () => {
    const r = parseGetState({ success: true, ...state, position_valid: false, velocity_valid: false, nav_state: 'UNKNOWN', arming_state: 'UNKNOWN' });
    expect(r.state.position).toBeNull();
    expect(r.state.velocity).toBeNull();
    expect(r.state.mode).toBeNull();
    expect(r.state.armed).toBeNull();
    expect(() => parseGetState({ success: true, ...state, local_z: 'low' })).toThrow(/get_state response: local_z:/);
  });

  it('DroneState: header stamp in ms and the drone name', () => {
    const s = parseDroneState({ header: { stamp: { sec: 1700000000, nanosec: 250_000_000 }, frame_id: '' }, drone_name: 'drone2', ...state, arming_state: 'DISARMED' });
    expect(s.stampMs).toBe(1700000000250);
    expect(s.droneName).toBe('drone2');
    expect(s.armed).toBe(false);
    expect(() => parseDroneState({ header: { stamp: { sec: 1, nanosec: 2e9 } }, ...state })).toThrow(/DroneState: header\.stamp\.nanosec:/);
  });

  it('nav_state ↔ PX4 mode names, both ways', () => {
    expect(navStateToMode('AUTO_LOITER')).toBe('Hold');
    expect(navStateToMode('AUTO_RTL')).toBe('Return');
    expect(navStateToMode('POSCTL')).toBe('Position');
    expect(navStateToMode('UNKNOWN')).toBeNull();
    expect(modeToNavState('Hold')).toBe('AUTO_LOITER');
    expect(modeToNavState('Offboard')).toBe('OFFBOARD');
    expect(modeToNavState('Ready')).toBeNull();
    expect(modeToNavState(null)).toBeNull();
  });
});
