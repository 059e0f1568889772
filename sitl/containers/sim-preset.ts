import { SimWorldSpec } from '../sim/target.js';
import type { UpOptions } from '../../src/targets/target.js';
import { maxClockRate, TargetUnavailable } from '../../src/targets/target.js';
import { DETECTIONS_PORT_BASE, sysIdForInstance } from '../sim/ports.js';
import type { ContainersConfig } from './config.js';
import { ContainerSet, type ContainerSpec } from './containers.js';
import { DetectionUdpSubscriber } from './detections.js';
import { docker, imageExists } from './docker.js';
import { containerName } from './identity.js';
import { apiPort, closeVehicle, ContainersStack, linkOptions, orTearDown, vehicleReady } from './stack.js';
import { createVehicle, waitFor, type Vehicle } from '../../src/vehicle/index.js';
import { HeartbeatWait } from './waits.js';
import { profileInfo, resolveProfile } from './profiles.js';

/** What the sim image prints when SIGUSR1 has reset its vehicles (see sitl/containers/sim-entry.ts). */
const RESET_LINE = /flightcheck sim reset at (\d+(?:\.\d+)?) ms/;

/** The `flightcheck sim` command line of vehicle k (instance i = first + k). */
export function simCommand(opts: UpOptions, k: number, world: SimWorldSpec): string[] {
  const instance = opts.instance + k;
  const args = ['flightcheck', 'sim', '--instance', String(instance), '--speed', String(opts.speed), '--seed', String(opts.seed + k)];
  for (const [name, value] of Object.entries(opts.params)) args.push('--param', `${name}=${value}`);
  // As in-process (sitl/sim/target.ts): under speed-up inference latency is host time while frames
  // come on vehicle time, so one detector per frame keeps detection rates a vehicle-time quantity.
  const spec = opts.speed === 1 ? world : { ...world, detector: { pipeline: 'parallel', ...world.detector } };
  if (Object.keys(spec).length > 0) args.push('--world-json', JSON.stringify(spec));
  return args;
}

/**
 * The sim preset: one simulator container per vehicle (`flightcheck sim --instance i`), host
 * network, PX4's ports. Ready when the vehicle answers with a HEARTBEAT on 14580+i. A reset puts
 * the vehicle back at home with a fresh model (battery full, failures cleared), as in-process.
 */
export async function upSimPreset(opts: UpOptions, config: ContainersConfig): Promise<ContainersStack> {
  const world = SimWorldSpec.parse(opts.world ?? {});
  const rateCap = maxClockRate(opts.speed);
  if (!(await imageExists(config.simImage))) {
    throw new TargetUnavailable(
      `containers (sim preset): image ${config.simImage} is not present; build it with images/build.sh (engine, base image, sim image), or set FLIGHT_SIM_IMAGE`,
    );
  }
  const resources = resolveProfile(config.resourceProfile, config.resourceProfiles)!;
  const containers = new ContainerSet('sim', opts.artifactsDir, { startupTimeoutMs: config.startupTimeoutMs, retries: config.retries, resources, ...(opts.signal ? { signal: opts.signal } : {}) });
  const detections: DetectionUdpSubscriber[] = [];
  const early: (Vehicle | undefined)[] = [];
  const specFor = (k: number): ContainerSpec => {
    const instance = opts.instance + k;
    return {
      name: containerName('sim', instance),
      image: config.simImage,
      command: simCommand(opts, k, world),
      instance,
      stage: 'sim heartbeat',
      role: 'sim',
      // The readiness probe is the vehicle's link: its telemetry sees the very first HEARTBEAT.
      wait: new HeartbeatWait(apiPort(instance), sysIdForInstance(instance), {
        options: linkOptions(opts, sysIdForInstance(instance)),
        onLink: (link) => {
          void early[k]?.close(); // an earlier attempt's vehicle (its link is already closed)
          early[k] = createVehicle(link, { sysId: sysIdForInstance(instance), name: `drone${k + 1}`, ...(rateCap !== undefined ? { maxClockRate: rateCap } : {}), ...(detections[k] ? { detections: detections[k] } : {}) });
        },
      }),
    };
  };
  const closeDetections = async () => {
    await Promise.all(detections.map((d) => d.close()));
  };
  const vehicles = await orTearDown(
    containers,
    'vehicle telemetry',
    async () => {
      for (let k = 0; k < opts.vehicles; k++) detections[k] = await new DetectionUdpSubscriber(DETECTIONS_PORT_BASE + opts.instance + k).open();
      await Promise.all(Array.from({ length: opts.vehicles }, (_, k) => containers.start(specFor(k))));
      return Promise.all(early.map((v) => vehicleReady(v!)));
    },
    async () => {
      for (const v of early) if (v) await closeVehicle(v);
      await closeDetections();
    },
  );
  return new ContainersStack(
    'sim',
    containers,
    vehicles,
    {
      target: 'containers',
      stack: 'sim',
      image: config.simImage,
      speed: String(opts.speed),
      seed: String(opts.seed),
      instance: String(opts.instance),
      containers: vehicles.map((_, k) => specFor(k).name).join(', '),
      ...profileInfo(resources, ['sim']),
    },
    {
      vehicleContainers: vehicles.map((_, k) => specFor(k).name),
      async reset(stack, index) {
        const v = stack.vehicles[index]!;
        await v.pilot.stopOffboard();
        // The same reset as in-process (SimWorld.reset), asked for with SIGUSR1: the vehicle object,
        // its link and the vehicle clock carry on, so recordings attached to it keep recording.
        const name = specFor(index).name;
        const mark = containers.logs.mark(name);
        await docker(['kill', '--signal', 'SIGUSR1', name]);
        const line = await containers.logs.waitForLine(name, RESET_LINE, AbortSignal.timeout(10_000), mark);
        const resetAt = Number(RESET_LINE.exec(line)![1]);
        await waitFor(
          v.telemetry,
          (t) => (t.mode?.vehicleMs ?? 0) > resetAt && !t.armed && t.modeName === 'Hold' && t.landedState === 'ON_GROUND' && (t.localPosition?.vehicleMs ?? 0) > resetAt,
          { timeout: '10s', clock: 'host', what: `${v.name} (sys ${v.sysId}) back on the ground, disarmed, in Hold after reset` },
        );
      },
      close: closeDetections,
    },
  );
}
