import { minimal } from 'node-mavlink';
import { connect, type Link } from '../../src/mavlink/index.js';
import type { Stack, UpOptions } from '../../src/targets/target.js';
import { maxClockRate, StackDidNotComeUp } from '../../src/targets/target.js';
import { createVehicle, waitFor, type Vehicle } from '../../src/vehicle/index.js';
import type { ContainerSet } from './containers.js';
import type { ResourceSource, StartStage } from '../../src/resources/index.js';
import { containersResources, containersTimeline, imageSizesOf } from './resources.js';

/** PX4's API link: the vehicle of instance i listens on 14580+i. */
export const apiPort = (instance: number): number => 14580 + instance;

/** The client link options of a stack's vehicles. */
export function linkOptions(opts: UpOptions, sysId?: number) {
  return {
    ...(sysId !== undefined ? { targetSysId: sysId } : {}),
    heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
    ...(opts.linkFaults ? { linkFaults: opts.linkFaults } : {}),
  };
}

/** Waits until a vehicle's telemetry has its mode, position and home (what scenarios start from). */
export async function vehicleReady(vehicle: Vehicle): Promise<Vehicle> {
  await waitFor(vehicle.telemetry, (t) => t.mode !== null && t.localPosition !== null && t.home !== null, {
    timeout: '10s',
    clock: 'host',
    what: `${vehicle.name} first HEARTBEAT, position and home`,
  });
  return vehicle;
}

/**
 * The vehicle on PX4's API port: its first HEARTBEAT, then mode, position and home. `v.link` is
 * the link that probed it, when there was one: PX4 (and the sim) answer only the first client
 * address they hear from, so the probe's link must become the vehicle's.
 */
export async function connectVehicle(
  opts: UpOptions,
  v: { instance: number; sysId?: number; name: string; detections?: unknown; link?: Link },
): Promise<Vehicle> {
  const link: Link = v.link ?? (await connect(`udpout://127.0.0.1:${apiPort(v.instance)}`, linkOptions(opts, v.sysId)));
  try {
    const first = await link.next(minimal.Heartbeat, {
      timeoutMs: 10_000,
      where: (m) => (v.sysId === undefined || m.sysid === v.sysId) && m.data.autopilot !== minimal.MavAutopilot.INVALID,
    });
    const rateCap = maxClockRate(opts.speed);
    const vehicle = createVehicle(link, { sysId: v.sysId ?? first.sysid, name: v.name, ...(rateCap !== undefined ? { maxClockRate: rateCap } : {}), ...(v.detections !== undefined ? { detections: v.detections } : {}) });
    try {
      await waitFor(vehicle.telemetry, (t) => t.mode !== null && t.localPosition !== null && t.home !== null, { timeout: '10s', clock: 'host', what: `${v.name} first HEARTBEAT, position and home` });
    } catch (err) {
      await vehicle.close();
      throw err;
    }
    return vehicle;
  } catch (err) {
    await link.close();
    throw err;
  }
}

export async function closeVehicle(v: Vehicle): Promise<void> {
  await v.close().catch(() => {});
  await v.link.close().catch(() => {});
}

/** What a preset adds to the common stack: how to reset a vehicle and what else to close. */
export interface PresetHooks {
  reset(stack: ContainersStack, index: number): Promise<void>;
  close?(): Promise<void>;
  /** Per vehicle, the container that serves its MAVLink (PX4 or the sim): when it dies, the vehicle's link is lost with the reason. */
  vehicleContainers?: string[];
}

/** A running containers stack (any preset): vehicles over MAVLink, containers, their logs. */
export class ContainersStack implements Stack {
  readonly target = 'containers';
  private down_ = false;

  constructor(
    readonly preset: string,
    readonly containers: ContainerSet,
    readonly vehicles: Vehicle[],
    readonly info: Record<string, string>,
    private readonly hooks: PresetHooks,
  ) {
    // A vehicle whose PX4 (or sim) container died is lost now, and the link says why (an OOM
    // kill, an exit code), instead of a bare silence a couple of seconds later.
    containers.onFailure((err, name) => {
      const k = hooks.vehicleContainers?.indexOf(name) ?? -1;
      if (k >= 0) this.vehicles[k]?.link.lose(err);
    });
  }

  failure(): Error | null {
    return this.containers.failure;
  }

  onFailure(cb: (err: Error) => void): () => void {
    return this.containers.onFailure((err) => cb(err));
  }

  async reset(vehicle: Vehicle): Promise<void> {
    const index = this.vehicles.indexOf(vehicle);
    if (index < 0) throw new RangeError(`containers stack: ${vehicle.name} is not a vehicle of this stack (reset replaces vehicles: use stack.vehicles after it)`);
    // A reset of the first vehicle starts a test (useFlight resets every vehicle before each test):
    // from here on logs() is that test's share of every container's output.
    if (index === 0) this.containers.logs.startSection();
    await this.hooks.reset(this, index);
  }

  /**
   * Every container's output since the current test began (since the last reset of the first
   * vehicle; all of it before any reset), and each vehicle link's counters. The whole logs are
   * in `<artifactsDir>/containers/<name>.log`.
   */
  async logs(): Promise<Record<string, string>> {
    const out = this.containers.logs.sectionLogs();
    out.links = this.vehicles
      .map((v) => {
        const c = v.link.counters;
        return `${v.name}: ${v.telemetry.modeName ?? '?'} ${v.telemetry.armed ? 'armed' : 'disarmed'}; link received ${c.received}, sent ${c.sent}, seq-gap drops ${c.droppedBySeqGap}, bad CRC ${c.badCrc}`;
      })
      .join('\n');
    return out;
  }

  /** Each running container's cgroup, by component ('px4', 'xrce-agent', 'drone_core', 'sim') and vehicle. */
  resources(): ResourceSource[] {
    return containersResources(this.containers.starts, (name) => this.containers.get(name));
  }

  /** Container start → seen ready (its wait strategy), per container, in the order they came up. */
  startTimeline(): StartStage[] {
    return containersTimeline(this.containers.starts);
  }

  /** Bytes of each image the stack runs. */
  imageSizes(): Promise<Record<string, number>> {
    return imageSizesOf(this.containers.starts);
  }

  async down(): Promise<void> {
    if (this.down_) return;
    this.down_ = true;
    for (const v of this.vehicles) await closeVehicle(v);
    await this.hooks.close?.().catch(() => {});
    await this.containers.removeAll();
  }
}

/** Runs `fn`; on failure removes what was started and rethrows as StackDidNotComeUp with the logs. */
export async function orTearDown<T>(containers: ContainerSet, stage: string, fn: () => Promise<T>, cleanup: () => Promise<void> = async () => {}): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const logs = containers.logs.tails();
    await cleanup().catch(() => {});
    await containers.removeAll().catch(() => {});
    if (err instanceof StackDidNotComeUp) throw err;
    throw new StackDidNotComeUp(stage, (err as Error).message, logs, { cause: err });
  }
}
