import { z } from 'zod';
// The simulator itself runs on its own thread: only its option schemas are loaded here.
import { CameraOptions, DetectorOptions, WorldObject } from './world/types.js';
import { PX4_VERSION } from './mavlink/px4-identity.js';
import { simCapabilities } from '../capabilities.js';
import { SimThread } from './thread.js';
import { connect } from '../../src/mavlink/index.js';
import { createVehicle, requestAutopilotVersion, waitFor, type Vehicle } from '../../src/vehicle/index.js';
import type { Capabilities } from '../../src/targets/capabilities.js';
import type { Requirement, SpeedFactor, Stack, Target, UpOptions } from '../../src/targets/target.js';
import { StackDidNotComeUp } from '../../src/targets/target.js';

/** What a scenario may say about the simulated world (sim target only; other targets ignore it). */
export const SimWorldSpec = z
  .object({
    objects: z.array(WorldObject).optional(),
    camera: z.union([z.literal(false), CameraOptions]).optional(),
    detector: DetectorOptions.optional(),
    wind: z.object({ north: z.number(), east: z.number(), gustStd: z.number().nonnegative().optional() }).strict().optional(),
    noise: z.object({ position: z.number().nonnegative().optional(), velocity: z.number().nonnegative().optional(), attitude: z.number().nonnegative().optional() }).strict().optional(),
    /** PX4 SIH's wandering height estimate (see SimWorldOptions.heightDrift). */
    heightDrift: z.boolean().optional(),
  })
  .strict();
export type SimWorldSpec = z.input<typeof SimWorldSpec>;

/**
 * The built-in simulator, in this process (on its own thread), reached over real UDP on loopback
 * like PX4 SITL.
 */
export const simTarget: Target = {
  name: 'sim',
  description: 'the built-in PX4-like simulator, in-process (nothing to install)',

  async check(): Promise<Requirement[]> {
    return [{ what: 'nothing to install', ok: true, detail: `built-in simulator (PX4 ${PX4_VERSION}-like), UDP on loopback` }];
  },

  async capabilities(): Promise<Capabilities> {
    return simCapabilities('sim (built-in simulator)', 'run with --target containers and FLIGHT_STACK=px4, or on a hil rig');
  },

  async up(opts: UpOptions): Promise<Stack> {
    const world = SimWorldSpec.parse(opts.world ?? {});
    // Under speed-up the camera produces frames faster than real time while inference latency is
    // modelled in host time: one detector per frame keeps the frame rate a vehicle-time quantity,
    // so detection-rate budgets mean the same at every speed (a single serial TPU would drop frames).
    const detector = { ...(opts.speed === 1 ? {} : { pipeline: 'parallel' as const }), ...world.detector };
    const sim = await SimThread.start({
      vehicles: opts.vehicles,
      speed: opts.speed,
      seed: opts.seed,
      instance: opts.instance,
      params: opts.params,
      transport: 'udp',
      // The simulated radio applies the faults on vehicle time, so a 40 ms link stays 40 ms of
      // vehicle time at any speed (on the client, host-clock delays would stretch by the speed).
      ...(opts.linkFaults ? { linkFaults: opts.linkFaults } : {}),
      ...world,
      detector,
    });
    const vehicles: Vehicle[] = [];
    let reported: string;
    try {
      for (const rt of sim.vehicles) {
        const link = await connect(rt.connection, { targetSysId: rt.sysId, heartbeatTimeoutMs: opts.heartbeatTimeoutMs });
        // Commands are stamped with the simulator's own clock: exact, where telemetry lags it.
        vehicles.push(createVehicle(link, { sysId: rt.sysId, name: `drone${rt.index + 1}`, detections: sim.detections(rt.index), vehicleNow: () => sim.vehicleTimeMs, simulated: true }));
      }
      lockstep(sim, vehicles);
      await Promise.all(vehicles.map((v) => waitFor(v.telemetry, (t) => t.mode !== null && t.localPosition !== null, { timeout: '10s', clock: 'host', what: `${v.name} first HEARTBEAT and position` })));
      // What the vehicle says it runs (AUTOPILOT_VERSION), as for PX4 on the other targets.
      reported = (await requestAutopilotVersion(vehicles[0]!.link, sim.vehicles[0]!.sysId)).version;
    } catch (err) {
      await closeAll(sim, vehicles);
      throw new StackDidNotComeUp('vehicle heartbeat', (err as Error).message, {}, { cause: err });
    }
    return new SimStack(sim, vehicles, opts, reported);
  },
};

class SimStack implements Stack {
  readonly target = 'sim';
  readonly info: Record<string, string>;
  private down_ = false;

  constructor(
    readonly sim: SimThread,
    readonly vehicles: Vehicle[],
    opts: UpOptions,
    px4Version: string,
  ) {
    this.info = {
      target: 'sim',
      px4Version: `${px4Version} (built-in simulator)`,
      speed: String(opts.speed),
      seed: String(opts.seed),
      instance: String(opts.instance),
    };
  }

  async reset(vehicle: Vehicle): Promise<void> {
    const index = this.vehicles.indexOf(vehicle);
    const rt = this.sim.vehicles[index]!;
    await vehicle.pilot.stopOffboard();
    const resetAt = (await this.sim.reset(index)) / 1000;
    // Known state means seen over MAVLink, not assumed: wait for telemetry from after the reset.
    await waitFor(
      vehicle.telemetry,
      (t) => (t.mode?.vehicleMs ?? 0) > resetAt && !t.armed && t.modeName === 'Hold' && t.landedState === 'ON_GROUND' && (t.localPosition?.vehicleMs ?? 0) > resetAt,
      { timeout: '10s', clock: 'host', what: `${vehicle.name} (sys ${rt.sysId}) back on the ground, disarmed, in Hold after reset` },
    );
  }

  idle(): void {
    this.sim.idle();
  }

  setSpeed(speed: SpeedFactor): Promise<void> {
    return this.sim.setSpeed(speed);
  }

  async logs(): Promise<Record<string, string>> {
    const lines = this.vehicles.map((v) => {
      const c = v.link.counters;
      return `${v.name}: ${v.telemetry.modeName ?? '?'} ${v.telemetry.armed ? 'armed' : 'disarmed'}; link received ${c.received}, sent ${c.sent}, seq-gap drops ${c.droppedBySeqGap}, bad CRC ${c.badCrc}`;
    });
    return { sim: lines.join('\n') };
  }

  async down(): Promise<void> {
    if (this.down_) return;
    this.down_ = true;
    await closeAll(this.sim, this.vehicles);
  }
}

/**
 * Ties the simulation to what the client has seen (the slowest vehicle's telemetry), so at speed
 * `max` the vehicle never outruns the test: an offboard stream paced on the vehicle clock keeps
 * up, and commands meet the state the test last observed.
 */
function lockstep(sim: SimThread, vehicles: Vehicle[]): void {
  const report = () => {
    let min = Infinity;
    for (const v of vehicles) min = Math.min(min, v.telemetry.vehicleTimeMs ?? 0);
    if (min > 0 && Number.isFinite(min)) sim.clientSaw(min);
  };
  for (const v of vehicles) v.telemetry.onUpdate(report);
}

async function closeAll(sim: SimThread, vehicles: Vehicle[]): Promise<void> {
  for (const v of vehicles) {
    await v.close();
    await v.link.close();
  }
  await sim.close();
}
