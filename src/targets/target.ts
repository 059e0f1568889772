import { z } from 'zod';
import type { LinkFaults } from '../mavlink/index.js';
import type { Vehicle } from '../vehicle/index.js';
import type { Capabilities } from './capabilities.js';
import type { ResourceSource, StartStage } from '../resources/index.js';

/** Speed factor like PX4_SIM_SPEED_FACTOR: 1 = real time; 'max' = as fast as the CPU allows (sim only). */
export const SpeedFactor = z.union([z.literal('max'), z.coerce.number().positive().max(1000)]);
export type SpeedFactor = z.infer<typeof SpeedFactor>;

export function parseSpeed(value: string | number | undefined, fallback: SpeedFactor): SpeedFactor {
  if (value === undefined || value === '') return fallback;
  const r = SpeedFactor.safeParse(value === 'max' ? 'max' : Number(value));
  if (!r.success) throw new TypeError(`invalid speed "${value}": expected a positive number (1 = real time) or "max"`);
  return r.data;
}

/**
 * The fastest a SITL's vehicle clock can run against the host's at this speed factor (it only ever
 * falls behind it); undefined for 'max'. Real hardware runs at 1.
 */
export function maxClockRate(speed: SpeedFactor): number | undefined {
  return speed === 'max' ? undefined : speed;
}

/** What a scenario file asks of the target it runs on. */
export interface UpOptions {
  vehicles: number;
  speed: SpeedFactor;
  seed: number;
  /** First instance index: vehicle k uses instance `instance + k` (PX4 port convention +i). */
  instance: number;
  /** PX4 parameters set on every vehicle before the first test. */
  params: Record<string, number>;
  /** Directory for this file's logs and artifacts. */
  artifactsDir: string;
  /** Declare a vehicle's link lost after this much HEARTBEAT silence (host clock). */
  heartbeatTimeoutMs: number;
  /** Faults applied to every vehicle link, as netem would to a real one (latency, loss, …). */
  linkFaults?: LinkFaults;
  /** Target-specific world description (the sim's objects, camera, wind); validated by the target. */
  world?: unknown;
  /** Abort bring-up (Ctrl-C, test timeout). */
  signal?: AbortSignal;
}

/** A running stack: the vehicles plus what the report needs to know about where they run. */
export interface Stack {
  readonly target: string;
  readonly vehicles: Vehicle[];
  /** Shown as report parameters: PX4 version, speed factor, seed, image names, rig … */
  readonly info: Record<string, string>;
  /** Bring a vehicle back to a known state: landed, disarmed, at home if the target can, in Hold. */
  reset(vehicle: Vehicle): Promise<void>;
  /**
   * Whether a vehicle may be armed at all (false: a rig whose file forbids it). Where it may, each
   * test starts only once PX4 says it could arm; where it may not, that wait is skipped (a bench rig
   * indoors may never pass PX4's preflight checks).
   */
  armingAllowed?(vehicle: Vehicle): boolean;
  /**
   * Nothing is flying or asserted until the next reset (a test has ended): a simulated target may
   * slow its clock down meanwhile instead of burning the CPU other work needs.
   */
  idle?(): void;
  /**
   * Runs vehicle time at `speed` from when it resolves until the next reset or the next call (a
   * simulated target whose clock the test owns; absent where the target fixes the speed).
   */
  setSpeed?(speed: SpeedFactor): Promise<void>;
  /** Recent log output of every process/container of the stack, by name (attached on failure). */
  logs(): Promise<Record<string, string>>;
  /** Flight logs the vehicles wrote so far (PX4's .ulg files), where the target has them. */
  flightLogs?(): string[];
  /**
   * What the stack runs now, as sources of CPU and memory readings (src/resources): one per
   * process or container, named by component ('px4', 'xrce-agent', 'drone_core', 'sim') and vehicle
   * index. Called again after a reset: a restarted part is a new source. Absent where the target
   * cannot see its parts (a hil rig's Pi).
   */
  resources?(): ResourceSource[];
  /**
   * The stack's start as it happened, in start order: per vehicle and stage, when it was started
   * and when it was seen ready (host clock). Time to ready = readyHostMs − startedHostMs.
   */
  startTimeline?(): StartStage[];
  /** Size in bytes of each image the stack runs, by image name (containers). */
  imageSizes?(): Promise<Record<string, number>>;
  /** Stops everything the stack started. Safe to call twice. */
  down(): Promise<void>;
  /** Why the stack broke while it ran (e.g. ContainerOomKilled), or null; where the target watches its parts. */
  failure?(): Error | null;
  /** Called when the stack breaks while it runs (a part died: ContainerOomKilled when out of memory). */
  onFailure?(cb: (err: Error) => void): () => void;
}

export interface Requirement {
  what: string;
  ok: boolean;
  detail: string;
}

/** One way of running the vehicles: sim, native, containers, hil. */
export interface Target {
  readonly name: string;
  readonly description: string;
  /** What this target needs on this machine and whether it is there (used by `flightcheck doctor`). */
  check(): Promise<Requirement[]>;
  /**
   * What this target provides here, in the preset it would run (detections, which failures PX4
   * acts on, ROS 2, drone_core, how many vehicles): checked against a scenario's needs before
   * anything starts. Throws TargetUnavailable when the target cannot run here at all.
   */
  capabilities(): Promise<Capabilities>;
  up(opts: UpOptions): Promise<Stack>;
}

/** A target that cannot run here: scenarios are skipped with this reason, printed, never silently. */
export class TargetUnavailable extends Error {
  override name = 'TargetUnavailable';
}

/** The stack did not come up; carries the stage that failed and the logs of what did not start. */
export class StackDidNotComeUp extends Error {
  override name = 'StackDidNotComeUp';
  constructor(
    readonly stage: string,
    message: string,
    readonly logs: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(`stack did not come up at stage "${stage}": ${message}${formatLogTails(logs)}`, options);
  }
}

/**
 * A container of the stack was killed by the kernel's out-of-memory killer (its memory limit, or
 * the host's memory, ran out): named, with the limit it had and the last lines it wrote. During
 * bring-up it is the cause of a StackDidNotComeUp.
 */
export class ContainerOomKilled extends Error {
  override name = 'ContainerOomKilled';
  constructor(
    readonly container: string,
    /** What the container runs (px4, xrce-agent, drone_core, sim, …). */
    readonly stage: string,
    /** Its limits as applied (bytes; memswap = memory means no swap); null: none of its own. */
    readonly limit: { memory?: number; memswap?: number; cpus?: number } | null,
    readonly logTail: string,
    readonly exitCode: number | null,
    /** The limits in words, e.g. "512 MiB (no swap), 1.5 CPU". */
    limitText: string,
  ) {
    super(
      `container ${container} (${stage}) was killed by the out-of-memory killer` +
        (limit?.memory !== undefined ? `: memory limit ${limitText} = ${limit.memory} bytes` : `: it had no memory limit of its own (${limitText}): the host ran out`) +
        (exitCode !== null ? `, exit code ${exitCode}` : '') +
        formatLogTails({ [container]: logTail || '(no output)' }),
    );
  }
}

function formatLogTails(logs: Record<string, string>): string {
  const parts = Object.entries(logs).map(([name, text]) => {
    const tail = text.trimEnd().split('\n').slice(-15).join('\n    ');
    return `\n  --- ${name} (last lines) ---\n    ${tail}`;
  });
  return parts.join('');
}
