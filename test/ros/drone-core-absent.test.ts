/**
 * A stack without drone_core (the px4 preset when no drone_core image is here) says why in
 * `info.droneCore`; opening drone_core on it is TargetUnavailable with that reason, before any
 * ROS 2 session is tried.
 */
import { describe, expect, it } from '@jest/globals';
import { droneCoreStackReason, openDroneCore } from '../../src/ros/drone-core-stack.js';
import { TargetUnavailable, type Stack } from '../../src/targets/target.js';

const stack = (info: Record<string, string>): Stack =>
  ({ target: 'containers', vehicles: [], info, clock: null, logs: async () => ({}), reset: async () => {}, down: async () => {} }) as unknown as Stack;

describe('drone_core absent from the stack', () => {
  const reason = 'the px4 stack runs without drone_core: image flightcheck/drone-core:latest is not present (set FLIGHT_DRONE_CORE_IMAGE to your drone_core image, or docker load it)';

  it('reads the reason from the stack info', () => {
    expect(droneCoreStackReason(stack({ droneCore: `absent: ${reason}` }))).toBe(reason);
    expect(droneCoreStackReason(stack({ droneCore: 'running' }))).toBeNull();
    // Stacks that do not report it (hil, compose, native) are not judged here.
    expect(droneCoreStackReason(stack({}))).toBeNull();
  });

  it('refuses to open drone_core on it, naming the image and the variable', async () => {
    const err = await openDroneCore(stack({ droneCore: `absent: ${reason}` })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetUnavailable);
    expect((err as Error).message).toBe(`drone_core: ${reason}`);
  });
});
