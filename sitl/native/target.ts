import dgram from 'node:dgram';
import { minimal } from 'node-mavlink';
import pRetry, { AbortError } from 'p-retry';
import { connect } from '../../src/mavlink/index.js';
import type { Link } from '../../src/mavlink/link.js';
import { estimateClockOffset, type ClockOffset } from '../../src/vehicle/clock.js';
import { CommandDenied, CommandTimeout } from '../../src/vehicle/errors.js';
import { createVehicle, type Vehicle } from '../../src/vehicle/vehicle.js';
import { waitFor } from '../../src/vehicle/wait.js';
import { waitUntilArmable } from '../../src/vehicle/readiness.js';
import { requestAutopilotVersion } from '../../src/vehicle/autopilot-version.js';
import type { Capabilities } from '../../src/targets/capabilities.js';
import type { Requirement, Stack, Target, UpOptions } from '../../src/targets/target.js';
import { maxClockRate, StackDidNotComeUp, TargetUnavailable } from '../../src/targets/target.js';
import { SimWorldSpec } from '../sim/target.js';
import { housekeepingPilot, landDisarmHold } from '../../hil/reset.js';
import { DETECTIONS_PORT_BASE } from '../sim/ports.js';
import type { DetectionListener, DetectionMessage, DetectionSource } from '../sim/world/types.js';
import { px4SihCapabilities, rosFromHost, simCapabilities } from '../capabilities.js';
import { SitlProcess } from './process.js';
import { nativeResources } from './resources.js';
import { hostNowMs } from '../../src/clock/host.js';
import type { ResourceSource, StartStage } from '../../src/resources/index.js';
import { apiPortFor, findFlightLogs, presetFromEnv, type Launch, type NativePreset } from './presets.js';
import { px4InstancesProblem, sysIdForInstance } from '../sim/ports.js';

export interface NativeTargetOptions {
  /** The preset; default from FLIGHT_NATIVE / FLIGHT_PX4_DIR. */
  preset?: NativePreset;
  env?: NodeJS.ProcessEnv;
  /** First HEARTBEAT limit per try (host clock). Default 60 s (PX4 boots in seconds; a cold CI machine is slower). */
  readyTimeoutMs?: number;
  /** Start attempts per vehicle. Default 2. */
  attempts?: number;
}

/** The native target: a SITL executable on this host, one process per vehicle. */
export function createNativeTarget(options: NativeTargetOptions = {}): Target {
  const env = options.env ?? process.env;
  const choose = (): NativePreset => {
    if (options.preset) return options.preset;
    const r = presetFromEnv(env);
    if ('unavailable' in r) throw new TargetUnavailable(`native: ${r.unavailable}`);
    return r.preset;
  };
  return {
    name: 'native',
    description: 'a SITL executable on this host: PX4 (FLIGHT_PX4_DIR) or the built-in simulator as a process',
    async check(): Promise<Requirement[]> {
      const r = presetFromEnv(env);
      if ('unavailable' in r) return [{ what: 'a SITL executable', ok: false, detail: r.unavailable }];
      return [{ what: 'a SITL executable', ok: true, detail: `${r.preset.description} (FLIGHT_NATIVE=px4|sim; PX4 needs FLIGHT_PX4_DIR)` }];
    },
    async capabilities(): Promise<Capabilities> {
      const preset = choose();
      if (preset.name === 'sim') return simCapabilities('native (built-in simulator process)', 'run with --target containers and FLIGHT_STACK=px4, or on a hil rig');
      // PX4's startup script starts uxrce_dds_client towards udp 8888: an agent and drone_core
      // running beside it are reachable over ROS 2 from here; the target starts neither.
      return px4SihCapabilities(
        'native (PX4 SITL SIH)',
        rosFromHost(env, 'through the XRCE-DDS agent and drone_core you run beside PX4'),
        'PX4 SITL has no camera or detector: detections come from the built-in simulator (FLIGHT_NATIVE=sim, --target sim) or from DroneOS\'s detector over ROS 2',
      );
    },
    async up(opts: UpOptions): Promise<Stack> {
      const preset = choose();
      const instances = preset.name === 'px4' ? px4InstancesProblem(opts.instance, opts.instance + opts.vehicles - 1) : null;
      if (instances) throw new Error(`native: ${instances}`);
      const stack = new NativeStack(preset, opts, options);
      try {
        await stack.start();
      } catch (err) {
        await stack.down();
        throw err;
      }
      return stack;
    },
  };
}

export const nativeTarget: Target = createNativeTarget();

interface Instance {
  index: number;
  instance: number;
  sysId: number;
  launch: Launch;
  process: SitlProcess | null;
  /** Every process started for this vehicle (retries included), for logs(). */
  history: SitlProcess[];
  clockOffset: ClockOffset | null;
  detections: UdpDetections | null;
}

export class NativeStack implements Stack {
  readonly target = 'native';
  readonly vehicles: Vehicle[] = [];
  readonly info: Record<string, string>;
  private readonly instances: Instance[] = [];
  private readonly timeline: StartStage[] = [];
  private downed = false;

  constructor(
    readonly preset: NativePreset,
    private readonly opts: UpOptions,
    private readonly options: NativeTargetOptions,
  ) {
    this.info = {
      target: 'native',
      preset: preset.name,
      sitl: preset.description,
      speed: String(opts.speed),
      seed: String(opts.seed),
      instance: String(opts.instance),
      ...preset.info(),
    };
    // Read when the report is written (after each test): PX4 starts a .ulg on arming.
    Object.defineProperty(this.info, 'flightLogs', { enumerable: true, get: () => this.flightLogs().join(', ') || 'none yet' });
  }

  /** PX4 flight logs (.ulg) written so far by this stack's processes (artifacts for the report). */
  flightLogs(): string[] {
    return this.instances.flatMap((i) => (i.launch.flightLogDir ? findFlightLogs(i.launch.flightLogDir) : []));
  }

  /** Artifacts for the report: the flight logs and every process's full log file. */
  async artifacts(): Promise<string[]> {
    return [...this.flightLogs(), ...this.instances.flatMap((i) => i.history.map((p) => p.spec.logFile))];
  }

  /** The process ids of the running SITL processes. */
  get pids(): number[] {
    return this.instances.flatMap((i) => (i.process && i.process.exited === null ? [i.process.pid] : []));
  }

  clockOffset(vehicle: Vehicle): ClockOffset | null {
    const i = this.vehicles.indexOf(vehicle);
    return i >= 0 ? (this.instances[i]?.clockOffset ?? null) : null;
  }

  async start(): Promise<void> {
    const world = SimWorldSpec.parse(this.opts.world ?? {});
    for (let k = 0; k < this.opts.vehicles; k++) {
      const instance = this.opts.instance + k;
      const launch = this.preset.launch({
        instance,
        speed: this.opts.speed,
        seed: this.opts.seed,
        params: this.opts.params,
        artifactsDir: this.opts.artifactsDir,
        world,
      });
      const inst: Instance = { index: k, instance, sysId: sysIdForInstance(instance), launch, process: null, history: [], clockOffset: null, detections: null };
      this.instances.push(inst);
      this.info[`log${k === 0 ? '' : k}`] = launch.logFile;
      if (launch.flightLogDir) this.info[`flightLogDir${k === 0 ? '' : k}`] = launch.flightLogDir;
      const link = await this.startProcess(inst);
      this.vehicles.push(await this.prepareVehicle(inst, link));
    }
  }

  /** Starts the process and waits for its first HEARTBEAT; a process that dies or stays silent is restarted once. */
  private async startProcess(inst: Instance): Promise<Link> {
    const readyMs = this.options.readyTimeoutMs ?? 60_000;
    const attempts = this.options.attempts ?? 2;
    const startedHostMs = hostNowMs();
    let tries = 0;
    try {
      return await pRetry(
        async () => {
          tries++;
          this.opts.signal?.throwIfAborted();
          const proc = SitlProcess.start(inst.launch);
          inst.process = proc;
          inst.history.push(proc);
          const link = await connect(`udpout://127.0.0.1:${apiPortFor(inst.instance)}`, {
            targetSysId: inst.sysId,
            heartbeatTimeoutMs: this.opts.heartbeatTimeoutMs,
            name: `${inst.launch.name} (udp 127.0.0.1:${apiPortFor(inst.instance)})`,
            ...(this.opts.linkFaults ? { linkFaults: this.opts.linkFaults } : {}),
          });
          try {
            await firstHeartbeat(link, inst.sysId, proc, readyMs, this.opts.signal);
            this.timeline.push({ stage: this.preset.name, vehicle: inst.index, startedHostMs, readyHostMs: hostNowMs(), detail: `first HEARTBEAT${tries > 1 ? ` (start ${tries})` : ''}` });
            return link;
          } catch (err) {
            await link.close();
            await proc.stop();
            if (this.opts.signal?.aborted) throw new AbortError(err as Error);
            throw err;
          }
        },
        { retries: attempts - 1, minTimeout: 200, factor: 1, randomize: false },
      );
    } catch (err) {
      throw new StackDidNotComeUp('first HEARTBEAT', `${inst.launch.name}: ${(err as Error).message}`, this.logsNow(), { cause: err });
    }
  }

  private async prepareVehicle(inst: Instance, link: Link): Promise<Vehicle> {
    const startedHostMs = hostNowMs();
    let detections: UdpDetections | null = null;
    if (this.preset.name === 'sim') {
      detections = await UdpDetections.open(DETECTIONS_PORT_BASE + inst.instance).catch(() => null);
      inst.detections = detections;
    }
    const rateCap = maxClockRate(this.opts.speed);
    const vehicle = createVehicle(link, { sysId: inst.sysId, name: `drone${inst.index + 1}`, ...(rateCap !== undefined ? { maxClockRate: rateCap } : {}), ...(detections ? { detections } : {}) });
    try {
      await waitFor(vehicle.telemetry, (t) => t.mode !== null && t.localPosition !== null, { timeout: '60s', clock: 'host', what: `${vehicle.name} local position` });
      if (!inst.launch.paramsAtStart) {
        const params = { ...inst.launch.baseParams, ...this.opts.params };
        for (const [name, value] of Object.entries(params)) await vehicle.pilot.params.set(name, value);
      }
      inst.clockOffset = await estimateClockOffset(link, { samples: 10, targetSysId: inst.sysId }).catch(() => null);
      // What the vehicle says it runs, for the report and summary.json (unknown is said, not fatal).
      const version = await requestAutopilotVersion(link, inst.sysId).then((v) => v.version, (err: Error) => `unknown (${err.message})`);
      this.info.px4Version = [...new Set([...(this.info.px4Version?.split(', ') ?? []), version])].join(', ');
      await this.holdBeforeFirstArm(vehicle);
      // Ready is PX4's word, not ours: its preflight checks pass (SIH needs seconds after boot).
      await waitUntilArmable(vehicle.telemetry, vehicle.name, { timeout: '60s', clock: 'host', pilot: housekeepingPilot(vehicle) });
      this.timeline.push({ stage: `${this.preset.name} armable`, vehicle: inst.index, startedHostMs, readyHostMs: hostNowMs(), detail: 'from the first HEARTBEAT: parameters set, Hold, preflight checks pass' });
    } catch (err) {
      await vehicle.close();
      await link.close();
      throw new StackDidNotComeUp('vehicle ready', `${vehicle.name}: ${(err as Error).message}`, this.logsNow(), { cause: err });
    }
    if (inst.clockOffset) {
      const k = inst.index === 0 ? '' : String(inst.index);
      this.info[`clockOffsetMs${k}`] = inst.clockOffset.offsetMs.toFixed(3);
      this.info[`clockOffsetUncertaintyMs${k}`] = inst.clockOffset.uncertaintyMs.toFixed(3);
    }
    return vehicle;
  }

  /**
   * PX4 boots in a mode that may not be the one the test expects, and after a disarm returns to the
   * last user mode: switch to Hold (it needs a home position, so wait for one and retry a refusal).
   */
  private async holdBeforeFirstArm(vehicle: Vehicle): Promise<void> {
    const t = vehicle.telemetry;
    await waitFor(t, (x) => x.home !== null, { timeout: '60s', clock: 'host', what: `${vehicle.name} HOME_POSITION (needed for Hold)` });
    const until = Date.now() + 20_000;
    for (;;) {
      try {
        await vehicle.pilot.hold();
        break;
      } catch (err) {
        // Refused (no home yet) or unanswered: PX4 is still booting, slower still on a loaded host.
        if (!(err instanceof CommandDenied || err instanceof CommandTimeout) || Date.now() > until) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    await waitFor(t, (x) => x.modeName === 'Hold', { timeout: '5s', clock: 'vehicle', what: `${vehicle.name} in Hold` });
  }

  async reset(vehicle: Vehicle): Promise<void> {
    if (!this.vehicles.includes(vehicle)) throw new RangeError('native reset: not a vehicle of this stack');
    await landDisarmHold(vehicle, { pilot: housekeepingPilot(vehicle) });
  }

  private logsNow(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const inst of this.instances) {
      inst.history.forEach((p, n) => (out[inst.history.length > 1 ? `${p.spec.name} (start ${n + 1})` : p.spec.name] = p.logs()));
    }
    return out;
  }

  async logs(): Promise<Record<string, string>> {
    return this.logsNow();
  }

  /** The running SITL process of each vehicle (its process tree), component 'px4' or 'sim'. */
  resources(): ResourceSource[] {
    return nativeResources(this.preset.name, this.instances.map((i) => i.process));
  }

  /** Per vehicle: process start → first HEARTBEAT, then → PX4 says it can arm. */
  startTimeline(): StartStage[] {
    return this.timeline.map((s) => ({ ...s }));
  }

  async down(): Promise<void> {
    if (this.downed) return;
    this.downed = true;
    for (const v of this.vehicles) {
      await v.close().catch(() => {});
      await v.link.close().catch(() => {});
    }
    for (const inst of this.instances) {
      await inst.detections?.close();
      for (const p of inst.history) await p.stop();
    }
  }
}

/** The first HEARTBEAT of `sysId`, or why not: the process ended, the limit passed, bring-up was aborted. */
function firstHeartbeat(link: Link, sysId: number, proc: SitlProcess, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      off();
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => done(new Error(`no HEARTBEAT from sys ${sysId} within ${timeoutMs} ms (host clock) on ${link.name}`)), timeoutMs);
    const off = link.on(minimal.Heartbeat, (m) => {
      if (m.sysid === sysId) done();
    });
    const onAbort = () => done(new Error(`bring-up aborted: ${String((signal?.reason as Error | undefined)?.message ?? signal?.reason)}`));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    void proc.whenExited().then((how) => done(new Error(`${proc.spec.name} ended before its first HEARTBEAT (${how})`)));
  });
}

/** Detections the standalone simulator publishes as JSON datagrams on 127.0.0.1:19540+i. */
export class UdpDetections implements DetectionSource {
  private readonly listeners = new Set<DetectionListener>();
  received = 0;

  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (buf) => {
      let msg: DetectionMessage;
      try {
        msg = JSON.parse(buf.toString('utf8')) as DetectionMessage;
      } catch {
        return;
      }
      this.received++;
      for (const cb of this.listeners) cb(msg);
    });
  }

  static async open(port: number): Promise<UdpDetections> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', () => {});
    return new UdpDetections(socket);
  }

  onDetections(cb: DetectionListener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.socket.close(() => r()));
  }
}
