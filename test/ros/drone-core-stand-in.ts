/**
 * A stand-in for drone_core, offering its services in a StandInRosGraph and acting on a vehicle
 * the way drone_core does — through commands to PX4 (here over MAVLink, where drone_core uses the
 * XRCE bridge) — and answering as drone_core answers: `success=true` once a command is SENT.
 *
 * Behaviours:
 * - 'faithful': the offboard stream runs before the mode switch (what drone_core intends).
 * - 'no-prestream': set_offboard asks for OFFBOARD before any setpoint has streamed — drone_core's
 *   documented race (its 1.1 s sleep blocks the single-threaded spin that should publish the
 *   stream) — so PX4 refuses, and drone_core still answers success.
 * - 'silent': every service answers success and does nothing.
 */
import { common } from 'node-mavlink';
import { MavlinkPilot } from '../../src/vehicle/mavlink-pilot.js';
import type { Telemetry } from '../../src/vehicle/telemetry.js';
import type { Link } from '../../src/mavlink/link.js';
import { DRONE_STATE_TYPE, GET_STATE_TYPE, SET_POSITION_TYPE, TRIGGER_SERVICES, TRIGGER_TYPE, type TriggerService } from '../../src/ros/drone-core-interface.js';
import type { StandInHandler, StandInRosGraph } from './rclnodejs-stand-in.js';

export type DroneCoreBehaviour = 'faithful' | 'no-prestream' | 'silent';

const NAV_STATE: Record<string, string> = {
  Hold: 'AUTO_LOITER', Offboard: 'OFFBOARD', Position: 'POSCTL', Land: 'AUTO_LAND', Return: 'AUTO_RTL', Takeoff: 'AUTO_TAKEOFF', Mission: 'AUTO_MISSION', Altitude: 'ALTCTL', Manual: 'MANUAL',
};

const ok = (message: string) => ({ success: true, message });
const refuse = (message: string) => ({ success: false, message });

export class DroneCoreStandIn {
  behaviour: DroneCoreBehaviour;
  /** Per-service replacements (a test's own answer). */
  readonly overrides = new Map<string, StandInHandler>();
  /** Requests received, by service (short name). */
  readonly requests: { service: string; request: Record<string, unknown> }[] = [];
  private readonly px4: MavlinkPilot;
  private readonly withdraw: (() => void)[] = [];
  private stateTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly graph: StandInRosGraph,
    private readonly opts: { domainId: number; drone: string; link: Link; telemetry: Telemetry; behaviour?: DroneCoreBehaviour },
  ) {
    this.behaviour = opts.behaviour ?? 'faithful';
    this.px4 = new MavlinkPilot(opts.link, opts.telemetry, { sysId: opts.telemetry.sysId });
  }

  start(): this {
    const { domainId, drone } = this.opts;
    const offer = (service: string, type: string, fn: StandInHandler) =>
      this.withdraw.push(
        this.graph.advertise(domainId, `/${drone}/${service}`, type, (req) => {
          this.requests.push({ service, request: req });
          const o = this.overrides.get(service);
          if (o) return o(req);
          if (this.behaviour === 'silent' && service !== 'get_state') return ok('command sent');
          return fn(req);
        }),
      );
    for (const s of TRIGGER_SERVICES) offer(s, TRIGGER_TYPE, () => this.trigger(s));
    offer('set_position', SET_POSITION_TYPE, (req) => this.setPosition(req));
    offer('get_state', GET_STATE_TYPE, () => ({ success: true, message: '', ...this.stateFields() }));
    // drone_state at 10 Hz, best effort, as drone_core publishes it.
    this.stateTimer = setInterval(() => {
      const now = Date.now();
      this.graph.publish(domainId, `/${drone}/drone_state`, DRONE_STATE_TYPE, {
        header: { stamp: { sec: Math.floor(now / 1000), nanosec: (now % 1000) * 1e6 }, frame_id: '' },
        drone_name: drone,
        ...this.stateFields(),
      }, 'best_effort');
    }, 100);
    return this;
  }

  /** Stops the offboard stream drone_core would be running (between tests). */
  async stopStream(): Promise<void> {
    await this.px4.stopOffboard();
  }

  async close(): Promise<void> {
    if (this.stateTimer) clearInterval(this.stateTimer);
    this.stateTimer = null;
    for (const w of this.withdraw.splice(0)) w();
    await this.px4.close();
  }

  private stateFields(): Record<string, unknown> {
    const t = this.opts.telemetry;
    const p = t.localPosition;
    return {
      local_x: p?.x ?? 0, local_y: p?.y ?? 0, local_z: p?.z ?? 0, local_yaw: t.attitude?.yaw ?? 0, position_valid: p !== null,
      velocity_x: p?.vx ?? 0, velocity_y: p?.vy ?? 0, velocity_z: p?.vz ?? 0, velocity_valid: p !== null,
      nav_state: NAV_STATE[t.modeName ?? ''] ?? 'UNKNOWN',
      arming_state: t.mode === null ? 'UNKNOWN' : t.armed ? 'ARMED' : 'DISARMED',
      landing_state: t.landedState === 'ON_GROUND' ? 'LANDED' : t.landedState === 'IN_AIR' ? 'AIRBORNE' : 'UNKNOWN',
    };
  }

  /** Fire and forget, as drone_core does: the answer does not wait for PX4. */
  private send(p: Promise<unknown>): void {
    p.catch(() => undefined);
  }

  private async trigger(service: TriggerService): Promise<unknown> {
    const t = this.opts.telemetry;
    switch (service) {
      case 'arm':
        if (t.armed) return refuse('Drone is already armed');
        this.send(this.px4.arm());
        return ok('Arm command initiated');
      case 'disarm':
        // drone_core's landed check does not return early: it answers success in flight too.
        this.send(this.px4.disarm());
        return ok('Disarm command initiated');
      case 'takeoff': {
        if (!t.armed) return refuse('Takeoff rejected: Drone must be ARMED first.');
        const p = t.localPosition!;
        if (this.px4.streamer.running) this.px4.setSetpoint({ type: 'position', north: p.x, east: p.y, down: p.z - 10, yaw: t.attitude?.yaw ?? 0 });
        return ok('Takeoff command initiated');
      }
      case 'land':
        this.send(this.px4.land().finally(() => this.px4.stopOffboard()));
        return ok('Land command initiated');
      case 'return_to_launch':
        this.send(this.px4.returnToLaunch().finally(() => this.px4.stopOffboard()));
        return ok('Return to launch command initiated');
      case 'set_position_mode':
        if (t.armed) return refuse('Cannot change mode while armed');
        this.send(this.px4.setMode('Position'));
        return ok('Set Position Mode command initiated');
      case 'flight_termination':
        this.send(this.px4.command(common.MavCmd.DO_FLIGHTTERMINATION, [1]));
        return ok('Flight termination command sent');
      case 'set_offboard': {
        const p = t.localPosition;
        if (!p) return refuse('Cannot get valid current pose to initialize offboard');
        const here = { type: 'position' as const, north: p.x, east: p.y, down: p.z, yaw: t.attitude?.yaw ?? 0 };
        if (this.behaviour === 'no-prestream') {
          // The mode switch goes out before the first setpoint; the stream starts afterwards.
          await this.px4.setMode('Offboard').catch(() => undefined);
          this.px4.streamer.start(here);
        } else {
          await this.px4.startOffboard(here).catch(() => undefined);
        }
        return ok('Set Offboard command initiated, target set to current pose');
      }
    }
  }

  private setPosition(req: Record<string, unknown>): unknown {
    const { x, y, z, yaw } = req as { x: number; y: number; z: number; yaw: number };
    // drone_core stores the target; it only moves the vehicle while its offboard stream runs.
    if (this.px4.streamer.running) this.px4.setSetpoint({ type: 'position', north: x, east: y, down: z, yaw });
    return ok('Position target set');
  }
}
