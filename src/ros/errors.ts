import type { StatusText } from '../vehicle/telemetry.js';

/**
 * ROS 2 cannot be used in this process; the message is one line saying what to do
 * ("ROS 2 is not sourced (ROS_DISTRO unset): source /opt/ros/<distro>/setup.bash",
 * "rclnodejs is not installed: npm i rclnodejs").
 */
export class RosUnavailable extends Error {
  override name = 'RosUnavailable';
  constructor(
    message: string,
    /** Why, as a short key: 'not-sourced' | 'not-installed' | 'load-failed'. */
    readonly reason: 'not-sourced' | 'not-installed' | 'load-failed',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** drone_core answered `success=false`: it refused the command itself (its message says why). */
export class DroneCoreRefused extends Error {
  override name = 'DroneCoreRefused';
  constructor(
    readonly service: string,
    /** drone_core's `message` field. */
    readonly reply: string,
    readonly latencyMs: number,
  ) {
    super(`drone_core refused ${service}: "${reply || '(no message)'}"`);
  }
}

/**
 * drone_core answered `success=true` (it only means "sent") but the vehicle, observed over MAVLink,
 * did not do it within the bounded wait.
 */
export class DroneCoreMismatch extends Error {
  override name = 'DroneCoreMismatch';
  constructor(
    readonly service: string,
    /** What PX4 should have shown, e.g. 'mode Offboard'. */
    readonly expected: string,
    /** What PX4 showed instead, e.g. 'PX4 stayed in Hold'. */
    readonly observed: string,
    /** How long ground truth was watched, in the named clock. */
    readonly waitedMs: number,
    readonly clock: 'vehicle' | 'host',
    /** drone_core's `message` field. */
    readonly reply: string,
    /** The last PX4 STATUSTEXT since the call (it explains most denials), if any. */
    readonly statusText: StatusText | null,
    options?: { cause?: unknown },
  ) {
    super(
      `drone_core answered success to ${service} but ${observed} (expected ${expected} within ${Math.round(waitedMs)} ms, ${clock} clock)` +
        (statusText ? ` — PX4 said "${statusText.text}" (STATUSTEXT ${statusText.severityName})` : ''),
      options,
    );
  }
}

/** A drone_core service was not offered within the wait, or did not answer within the per-call timeout (host clock). */
export class DroneCoreTimeout extends Error {
  override name = 'DroneCoreTimeout';
  constructor(
    readonly service: string,
    readonly phase: 'discovery' | 'response',
    readonly timeoutMs: number,
    /** The DDS domain looked in, for the message. */
    readonly domainId: number,
  ) {
    super(
      phase === 'discovery'
        ? `drone_core service ${service} not available within ${timeoutMs} ms (host clock): is drone_core running on ROS_DOMAIN_ID ${domainId}?`
        : `drone_core service ${service} did not answer within ${timeoutMs} ms (host clock)`,
    );
  }
}
