import { describe, expect, it } from '@jest/globals';
import { sysIdForInstance } from '../../sitl/sim/ports.js';

describe('system id of an instance', () => {
  it('is PX4 SITL\'s i + 1, and PX4\'s default 1 where that is out of range (PX4 -i 340 sets MAV_SYS_ID 341 and sends as 1)', () => {
    expect(sysIdForInstance(0)).toBe(1);
    expect(sysIdForInstance(96)).toBe(97);
    expect(sysIdForInstance(254)).toBe(255);
    expect(sysIdForInstance(340)).toBe(1);
  });
});
