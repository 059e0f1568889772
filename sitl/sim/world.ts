import { registerMemoryEndpoint } from '../../src/mavlink/transports/memory.js';
import { SerialTransport } from '../../src/mavlink/transports/serial.js';
import type { Transport } from '../../src/mavlink/transports/transport.js';
import { UdpTransport } from '../../src/mavlink/transports/udp.js';
import { FaultyTransport, type DelayClock } from '../../src/mavlink/transports/faults.js';
import type { SimVehicleApi, SimVehicleOptions } from './model/types.js';
import { VehicleEndpoint } from './mavlink/endpoint.js';
import { SigningTransport } from './mavlink/signing-transport.js';
import { parseSimWorldOptions, type SimWorldOptions, type SimWorldOptionsInput, type VehicleFactory } from './options.js';
import { portsForInstance, sysIdForInstance, type SimPorts } from './ports.js';
import { SimScheduler, type Speed, type Steppable } from './runtime/scheduler.js';
import { SimCamera } from './world/camera.js';
import { DetectionUdpPublisher } from './world/detections-udp.js';
import { WorldObject, type DetectionListener, type DetectionSource, type WorldObjectInput } from './world/types.js';

const STEP_S = 0.004;

/**
 * One simulated vehicle: its model, its MAVLink endpoint (links, streams) and its camera. The
 * model instance is replaced on reset; everything else (ports, sequence numbers, vehicle time)
 * carries on, so a client stays connected across a reset.
 */
export class SimVehicleRuntime implements Steppable, DetectionSource {
  readonly endpoint: VehicleEndpoint;
  camera: SimCamera | null = null;
  /** Errors the model threw while stepping (the simulation keeps going). */
  stepErrors = 0;
  private readonly detectionListeners = new Set<DetectionListener>();

  constructor(
    readonly index: number,
    readonly instance: number,
    readonly ports: SimPorts,
    /** The URL a client uses: udpout://127.0.0.1:<14580+i>, memory://sim-<i> or serial://… */
    readonly connection: string,
    readonly modelOptions: SimVehicleOptions,
    model: SimVehicleApi,
    now: () => number,
    forwardEvents = false,
    private readonly onError: (err: unknown) => void = (err) => console.error(err),
  ) {
    this.endpoint = new VehicleEndpoint(model, { now, forwardEvents, onError });
  }

  get sysId(): number {
    return this.endpoint.sysId;
  }

  get model(): SimVehicleApi {
    return this.endpoint.model;
  }

  onDetections(cb: DetectionListener): () => void {
    this.detectionListeners.add(cb);
    return () => this.detectionListeners.delete(cb);
  }

  /** @internal wires the camera's output to this vehicle's listeners. */
  attachCamera(camera: SimCamera): void {
    this.camera = camera;
    camera.onDetections((msg) => {
      for (const cb of this.detectionListeners) cb(msg);
    });
  }

  step(dtS: number): void {
    try {
      this.endpoint.model.step(dtS);
    } catch (err) {
      // Report the first failure; a model failing every step would otherwise flood the log.
      if (this.stepErrors++ === 0) this.onError(err);
    }
  }

  afterStep(timeUs: number): void {
    this.endpoint.afterStep(timeUs);
    this.camera?.afterStep(timeUs);
  }

  endSlice(timeUs: number): void {
    this.endpoint.endSlice(timeUs);
  }
}

export interface ResetOptions {
  /** Keep parameters changed since boot (default true); false = back to boot values. */
  keepParams?: boolean;
}

/**
 * The built-in simulator: N PX4-like vehicles (sys id 1..N, PX4 instance `instance + k`), each with
 * its own MAVLink links and ports, driven by one fixed-step scheduler on one vehicle clock.
 */
export class SimWorld {
  readonly options: SimWorldOptions;
  readonly scheduler: SimScheduler;
  readonly vehicles: SimVehicleRuntime[] = [];
  /** Objects the cameras look for (shared by all vehicles; add more with addObject). */
  readonly objects: WorldObject[];
  private factory: VehicleFactory | null;
  private detectionsUdp: DetectionUdpPublisher | null = null;
  private started = false;
  private closed = false;
  /** Delays on vehicle time, between physics steps (the radio's latency). */
  private readonly delayClock: DelayClock = { name: 'vehicle', after: (ms, fn) => this.scheduler.after(ms, fn) };

  constructor(input: SimWorldOptionsInput = {}) {
    this.options = parseSimWorldOptions(input);
    this.scheduler = new SimScheduler({ speed: this.options.speed, stepUs: STEP_S * 1e6 });
    this.objects = [...this.options.objects];
    this.factory = this.options.vehicleFactory ?? null;
  }

  /** Validates, builds and starts a world. */
  static async start(input: SimWorldOptionsInput = {}): Promise<SimWorld> {
    return new SimWorld(input).start();
  }

  /** Vehicle time, µs since boot. */
  get timeUs(): number {
    return this.scheduler.timeUs;
  }

  async start(): Promise<this> {
    if (this.started) return this;
    this.started = true;
    const factory = this.factory ?? (this.factory = await defaultFactory());
    const o = this.options;
    if (o.detectionsUdp) this.detectionsUdp = new DetectionUdpPublisher();
    try {
      for (let k = 0; k < o.vehicles; k++) await this.addVehicle(k, factory);
    } catch (err) {
      await this.close();
      throw err;
    }
    this.scheduler.start();
    return this;
  }

  private async addVehicle(k: number, factory: VehicleFactory): Promise<void> {
    const o = this.options;
    const instance = o.instance + k;
    const sysId = sysIdForInstance(instance);
    const ports = portsForInstance(instance);
    const modelOptions: SimVehicleOptions = {
      sysId,
      seed: o.seed * 1000 + k,
      ...(o.home ? { home: o.home } : {}),
      params: { ...o.params, ...(o.vehicleParams[k] ?? {}) },
      ...(o.wind ? { wind: o.wind } : {}),
      ...(o.noise ? { noise: o.noise } : {}),
      ...(o.heightDrift ? { heightDrift: true } : {}),
    };
    const model = factory(modelOptions);
    let transport: Transport;
    let connection: string;
    let mode: 'onboard' | 'config' = 'onboard';
    if (o.transport === 'udp') {
      transport = new UdpTransport({
        bindHost: o.bindHost,
        bindPort: ports.apiLocal,
        remote: { host: '127.0.0.1', port: ports.apiRemote },
        followSender: 'first',
      });
      connection = `udpout://127.0.0.1:${ports.apiLocal}`;
    } else if (o.transport === 'memory') {
      const name = `sim-${instance}`;
      transport = registerMemoryEndpoint(name);
      connection = `memory://${name}`;
    } else {
      transport = new SerialTransport(o.transport.serial.path, o.transport.serial.baudRate);
      connection = `serial://${o.transport.serial.path}:${o.transport.serial.baudRate}`;
      mode = 'config';
    }
    // The radio sits on the wire, under signing; its delays run on the vehicle's clock.
    if (o.linkFaults) transport = new FaultyTransport(transport, { ...o.linkFaults, seed: (o.linkFaults.seed ?? 1) + k }, { end: 'vehicle', clock: this.delayClock });
    if (o.signing) transport = new SigningTransport(transport, o.signing);
    const v = new SimVehicleRuntime(k, instance, ports, connection, modelOptions, model, () => this.scheduler.timeUs, o.forwardEvents, o.onError);
    this.vehicles.push(v);
    this.scheduler.add(v);
    await v.endpoint.addLink({ name: `sim ${sysId} api`, transport, mode, rates: o.streams });
    if (o.gcsLink && o.transport === 'udp') {
      const gcs = new UdpTransport({
        bindHost: o.bindHost,
        bindPort: ports.gcsLocal,
        remote: { host: '127.0.0.1', port: ports.gcsRemote },
        followSender: 'first',
      });
      await v.endpoint.addLink({ name: `sim ${sysId} gcs`, transport: gcs, mode: 'normal' });
    }
    if (o.camera !== false) {
      v.attachCamera(
        new SimCamera({
          sysId,
          camera: o.camera,
          detector: o.detector,
          objects: this.objects,
          seed: o.seed,
          state: () => v.model.state(),
        }),
      );
      const pub = this.detectionsUdp;
      if (pub) v.onDetections((msg) => pub.publish(msg, ports.detections));
    }
  }

  vehicle(index: number): SimVehicleRuntime {
    const v = this.vehicles[index];
    if (!v) throw new RangeError(`no vehicle ${index} (this world has ${this.vehicles.length})`);
    return v;
  }

  /** Places an object in the world; every camera sees it from the next frame. */
  addObject(obj: WorldObjectInput): WorldObject {
    const parsed = WorldObject.parse(obj);
    this.objects.push(parsed);
    return parsed;
  }

  clearObjects(): void {
    this.objects.length = 0;
  }

  /**
   * Puts a vehicle back to a known state — landed, disarmed, at home, Hold, battery full, failures
   * cleared — by building a fresh model with the same options. Vehicle time keeps increasing and
   * the links stay up. Parameters changed since boot are kept unless `keepParams: false`.
   */
  reset(index: number, opts: ResetOptions = {}): void {
    const v = this.vehicle(index);
    const old = v.model;
    const fresh = this.factory!(v.modelOptions);
    if (opts.keepParams ?? true) {
      for (const info of [...old.params.list(), ...(old.params.unlisted?.() ?? [])]) {
        const value = old.params.get(info.name);
        if (fresh.params.has(info.name) && fresh.params.get(info.name) !== value) fresh.params.set(info.name, value);
      }
    }
    old.drainStatusTexts();
    v.endpoint.replaceModel(fresh);
  }

  pause(): void {
    this.scheduler.pause();
  }

  resume(): void {
    this.scheduler.resume();
  }

  setSpeed(speed: Speed): void {
    this.scheduler.setSpeed(speed);
  }

  /** Runs `vehicleMs` of vehicle time as fast as possible (tests), then returns to the previous state. */
  stepFor(vehicleMs: number): Promise<void> {
    return this.scheduler.stepFor(vehicleMs);
  }

  /** Stops the scheduler, the cameras and every socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.scheduler.close();
    for (const v of this.vehicles) v.camera?.close();
    await Promise.all(this.vehicles.map((v) => v.endpoint.close()));
    await this.detectionsUdp?.close();
  }
}

/** Builds a world and starts it. */
export function startSim(opts: SimWorldOptionsInput = {}): Promise<SimWorld> {
  return SimWorld.start(opts);
}

async function defaultFactory(): Promise<VehicleFactory> {
  // Loaded lazily so the endpoint and runtime work with any model passed in.
  const mod = (await import('./model/vehicle.js')) as { SimVehicle?: new (o: SimVehicleOptions) => SimVehicleApi };
  const Ctor = mod.SimVehicle;
  if (typeof Ctor !== 'function') {
    throw new Error('the built-in vehicle model (sitl/sim/model/vehicle.ts) is not available: pass vehicleFactory');
  }
  return (o) => new Ctor(o);
}

