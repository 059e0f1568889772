/**
 * The simulator keeps its own copy of PX4's mode numbering (sitl/sim/model/px4-custom-mode.ts) so
 * that it checks the client's (src/vehicle/px4-modes.ts) instead of repeating it: the two copies,
 * each written from PX4 v1.16's px4_custom_mode.h, must agree on every mode the simulator flies.
 */
import { describe, expect, it } from '@jest/globals';
import * as sim from '../../sitl/sim/model/px4-custom-mode.js';
import { encodeNavState, NavState, navStateFromCustom } from '../../sitl/sim/model/modes.js';
import * as client from '../../src/vehicle/px4-modes.js';

describe('PX4 mode numbering: the simulator\'s copy against the client\'s', () => {
  it('main and AUTO sub modes have the same numbers', () => {
    expect(sim.Px4MainMode).toEqual(client.Px4MainMode);
    const { NONE: _none, ...clientAuto } = client.Px4AutoSubMode;
    expect(sim.Px4AutoSubMode).toEqual(clientAuto);
  });

  it('every navigation state the simulator reports is named alike by the client, and DO_SET_MODE of that pair leads back to it', () => {
    for (const [state, n] of Object.entries(NavState)) {
      const [main, sub, name] = encodeNavState(n);
      const custom = sim.px4CustomMode(main, sub);
      // What the client reads from the HEARTBEAT the simulator sends.
      const seen = client.decodePx4CustomMode(custom);
      expect({ state, name: client.px4ModeName(seen.main, seen.sub) }).toEqual({ state, name });
      // What the simulator does with the client's request for that mode (termination and
      // descend have no request of their own).
      if (state === 'TERMINATION' || state === 'DESCEND') continue;
      const asked = client.px4ModeByName(name);
      const decoded = sim.decodePx4CustomMode(client.px4CustomMode(asked.main, asked.sub));
      expect({ state, back: navStateFromCustom(decoded.main, decoded.sub) }).toEqual({ state, back: n });
    }
  });
});
