import { describe, expect, it } from '@jest/globals';
import { px4InstancesProblem, sysIdForInstance } from '../../sitl/sim/ports.js';

describe('system id of an instance', () => {
  it('is PX4 SITL\'s i + 1 up to 255, and wraps into 1..255 above, distinct within a stack', () => {
    expect(sysIdForInstance(0)).toBe(1);
    expect(sysIdForInstance(96)).toBe(97);
    expect(sysIdForInstance(254)).toBe(255);
    expect(sysIdForInstance(340)).toBe(86);
    expect(sysIdForInstance(341)).toBe(87);
    // FLIGHT_INSTANCE_BASE=420 must still fly on the sim.
    expect(sysIdForInstance(420)).toBe(166);
  });
});

describe('PX4 SITL instances', () => {
  it('fly up to 254; above, the error says why (MAV_SYS_ID = instance + 1) and what to lower', () => {
    expect(px4InstancesProblem(0, 7)).toBeNull();
    expect(px4InstancesProblem(247, 254)).toBeNull();
    expect(px4InstancesProblem(340, 341)).toMatch(/instance 341 cannot fly: PX4 sets MAV_SYS_ID to instance \+ 1 = 342.*FLIGHT_INSTANCE_BASE/);
  });
});
