/**
 * The model's side of FLIGHT_INFORMATION: PX4's commander stamps the arming and the takeoff the
 * land detector calls (vehicle_status.armed_time / takeoff_time), clears both at disarm and counts
 * COM_FLIGHT_UUID up at every disarm, flown or not (Commander.cpp).
 */
import { describe, expect, it } from '@jest/globals';
import { C, Harness, R } from './helpers.js';

describe('flight information', () => {
  it('stamps arming and takeoff, clears them at disarm and counts the flight', () => {
    const h = new Harness();
    h.run(1);
    const f = () => h.v.state().flight;
    expect(f()).toEqual({ armedTimeUs: null, takeoffTimeUs: null, uuid: 0 });
    const armedAt = h.v.timeUs;
    expect(h.cmd(C.COMPONENT_ARM_DISARM, [1])).toBe(R.ACCEPTED);
    expect(f()).toEqual({ armedTimeUs: armedAt, takeoffTimeUs: null, uuid: 0 });
    expect(h.cmd(C.NAV_TAKEOFF, [0, 0, 0, NaN, NaN, NaN, NaN])).toBe(R.ACCEPTED);
    h.until(() => f().takeoffTimeUs !== null, 10, 'takeoff detected');
    expect(f().takeoffTimeUs!).toBeGreaterThan(armedAt);
    expect(f().takeoffTimeUs!).toBeLessThanOrEqual(h.v.timeUs);
    expect(h.cmd(C.NAV_LAND)).toBe(R.ACCEPTED);
    h.until(() => !h.v.state().armed, 60, 'landed and disarmed');
    expect(f()).toEqual({ armedTimeUs: null, takeoffTimeUs: null, uuid: 1 });
    expect(h.v.params.get('COM_FLIGHT_UUID')).toBe(1);
    // A disarm without a takeoff is a flight too.
    expect(h.cmd(C.COMPONENT_ARM_DISARM, [1])).toBe(R.ACCEPTED);
    expect(h.cmd(C.COMPONENT_ARM_DISARM, [0])).toBe(R.ACCEPTED);
    expect(f().uuid).toBe(2);
  });
});
