import { describe, expect, it } from '@jest/globals';
import { sysIdForInstance } from '../../sitl/sim/ports.js';

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
