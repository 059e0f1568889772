import { describe, expect, it } from '@jest/globals';
import { sysIdForInstance } from '../../sitl/sim/ports.js';

describe('the simulator\'s MAVLink system id per instance', () => {
  it('is instance + 1 as PX4\'s rcS sets it, kept to the 8 bits of a MAVLink system id', () => {
    expect(sysIdForInstance(0)).toBe(1);
    expect(sysIdForInstance(254)).toBe(255);
    // FLIGHT_INSTANCE_BASE=420 must still fly on the sim.
    expect(sysIdForInstance(420)).toBe(165);
    expect(() => sysIdForInstance(255)).toThrow(/system id 0/);
  });
});
