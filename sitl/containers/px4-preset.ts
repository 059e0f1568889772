import type { UpOptions } from '../../src/targets/target.js';
import { TargetUnavailable } from '../../src/targets/target.js';
import { fillTemplate, type ContainersConfig, type Px4PresetConfig } from './config.js';
import { ContainerSet } from './containers.js';
import { imageExists } from './docker.js';
import { containerName } from './identity.js';
import { resetOverMavlink } from './reset.js';
import type { Link } from '../../src/mavlink/index.js';
import { apiPort, connectVehicle, ContainersStack, linkOptions, orTearDown } from './stack.js';
import { HeartbeatWait, LogLineWait, RunningWait } from './waits.js';

/** The placeholders of the px4 preset's commands and environment, for vehicle k of a stack. */
export function px4Vars(opts: UpOptions, k: number): Record<string, string | number> {
  const instance = opts.instance + k;
  return {
    instance,
    sysId: instance + 1,
    droneName: `drone${k + 1}`,
    // PX4 SITL namespaces instance 0 as /fmu/ and instance N as /px4_N/fmu/ (drone N+1 in DroneOS).
    px4Namespace: instance === 0 ? '/fmu/' : `/px4_${instance}/fmu/`,
    agentPort: 8888 + instance,
    // One DDS domain per stack: its vehicles see each other, parallel stacks do not.
    rosDomainId: opts.instance % 233,
    speed: opts.speed === 'max' ? 1 : opts.speed,
  };
}

/** Which of the preset's images are missing here, with how to provide each. */
export async function missingPx4Images(px4: Px4PresetConfig): Promise<string[]> {
  const wanted: [string, string][] = [
    [px4.px4Image, 'FLIGHT_PX4_IMAGE'],
    [px4.agentImage, 'FLIGHT_AGENT_IMAGE'],
    [px4.droneCoreImage, 'FLIGHT_DRONE_CORE_IMAGE'],
  ];
  const missing: string[] = [];
  for (const [image, env] of wanted) if (!(await imageExists(image))) missing.push(`${image} (set ${env} to an image you have, or build/load it: docker load -i <file>)`);
  return missing;
}

/**
 * The px4 preset, per vehicle and in the order DroneOS needs: PX4 SITL (SIH, headless; ready on a
 * HEARTBEAT) → MicroXRCEAgent on 8888+i (ready when its log shows PX4's session, `client_key`) →
 * drone_core (started only then, or it reads every state as UNKNOWN). A fresh agent per stack,
 * that is per test file. Resets go over MAVLink (land, disarm, Hold).
 */
export async function upPx4Preset(opts: UpOptions, config: ContainersConfig): Promise<ContainersStack> {
  const px4 = config.px4;
  const missing = await missingPx4Images(px4);
  if (missing.length > 0) {
    throw new TargetUnavailable(`containers (px4 preset): image${missing.length > 1 ? 's' : ''} not present: ${missing.join('; ')}. No registry is needed: the images only have to exist locally.`);
  }
  const containers = new ContainerSet('px4', opts.artifactsDir, { startupTimeoutMs: config.startupTimeoutMs, retries: config.retries, ...(opts.signal ? { signal: opts.signal } : {}) });
  const names: string[] = [];
  const links = new Set<Link>();
  const vehicles = await orTearDown(containers, 'vehicle telemetry', () =>
    Promise.all(
      Array.from({ length: opts.vehicles }, async (_, k) => {
        const vars = px4Vars(opts, k);
        const instance = opts.instance + k;
        const fill = (words: string[]) => words.map((w) => fillTemplate(w, vars));
        const rosEnv = { ROS_DOMAIN_ID: String(vars.rosDomainId), RMW_IMPLEMENTATION: 'rmw_fastrtps_cpp' };
        const px4Name = containerName('px4', instance, 'px4');
        const agentName = containerName('px4', instance, 'agent');
        const coreName = containerName('px4', instance, 'drone-core');
        names.push(px4Name, agentName, coreName);
        // The probe's link becomes the vehicle's: PX4 answers only the first client address it hears.
        let link: Link | null = null;
        await containers.start({
          name: px4Name,
          image: px4.px4Image,
          command: fill(px4.px4Command),
          env: Object.fromEntries(Object.entries(px4.px4Env).map(([key, v]) => [key, fillTemplate(v, vars)])),
          instance,
          stage: 'px4 heartbeat',
          wait: new HeartbeatWait(apiPort(instance), instance + 1, {
            options: linkOptions(opts, instance + 1),
            onLink: (l) => {
              void link?.close(); // an earlier attempt's
              link = l;
              links.add(l);
            },
          }),
        });
        const session = new RegExp(px4.agentSessionPattern);
        await containers.start({
          name: agentName,
          image: px4.agentImage,
          command: fill(px4.agentCommand),
          env: rosEnv,
          instance,
          stage: 'agent session',
          wait: new LogLineWait(session, (signal) => containers.logs.waitForLine(agentName, session, signal)),
        });
        const ready = px4.droneCoreReadyPattern ? new RegExp(px4.droneCoreReadyPattern) : null;
        await containers.start({
          name: coreName,
          image: px4.droneCoreImage,
          command: fill(px4.droneCoreCommand),
          env: rosEnv,
          instance,
          stage: 'drone_core',
          wait: ready ? new LogLineWait(ready, (signal) => containers.logs.waitForLine(coreName, ready, signal)) : new RunningWait(),
        });
        return connectVehicle(opts, { instance, sysId: instance + 1, name: String(vars.droneName), ...(link ? { link } : {}) });
      }),
    ),
    async () => {
      for (const l of links) await l.close();
    },
  );
  return new ContainersStack(
    'px4',
    containers,
    vehicles,
    {
      target: 'containers',
      stack: 'px4',
      px4Image: px4.px4Image,
      agentImage: px4.agentImage,
      droneCoreImage: px4.droneCoreImage,
      speed: String(px4Vars(opts, 0).speed),
      instance: String(opts.instance),
      rosDomainId: String(px4Vars(opts, 0).rosDomainId),
      containers: names.join(', '),
    },
    { reset: (stack, index) => resetOverMavlink(stack.vehicles[index]!) },
  );
}
