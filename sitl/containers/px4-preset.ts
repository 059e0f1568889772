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
import { requestAutopilotVersion } from '../../src/vehicle/autopilot-version.js';
import { hostNowMs } from '../../src/clock/host.js';
import { px4SpeedNeutralParams } from '../px4-speed-params.js';
import { profileInfo, resolveProfile } from './profiles.js';

/**
 * Each PX4 container's share of every CPU's real-time time (where the engine budgets it): two PX4
 * fit in the 95 % an engine's parent group has; PX4 SIH needs about 21 % of one CPU at speed 2 and
 * 44 % at speed 4 (measured here), spread over its threads.
 */
const PX4_REALTIME_SHARE = 0.45;

/** The agent has created a client's topics once its log has been quiet this long after the session (host ms). */
const AGENT_QUIET_MS = 1500;
/** At most this long for that (host ms): an agent that never goes quiet does not hold bring-up forever. */
const AGENT_SETUP_LIMIT_MS = 30_000;

/** The placeholders of the px4 preset's commands and environment, for vehicle k of a stack. */
export function px4Vars(opts: UpOptions, k: number): Record<string, string | number> {
  const instance = opts.instance + k;
  return {
    instance,
    sysId: instance + 1,
    droneName: `drone${k + 1}`,
    // PX4 SITL namespaces instance 0 as /fmu/ and instance N as /px4_N/fmu/ (drone N+1 in DroneOS).
    px4Namespace: instance === 0 ? '/fmu/' : `/px4_${instance}/fmu/`,
    // PX4's rcS sends to 8888 for every instance unless PX4_UXRCE_DDS_PORT says otherwise (the
    // preset's PX4 environment sets it to this): one agent per instance, on a port of its own.
    agentPort: 8888 + instance,
    // PX4's rcS sets UXRCE_DDS_KEY to instance+1; the agent logs it as 8 upper-case hex digits.
    clientKey: (instance + 1).toString(16).toUpperCase().padStart(8, '0'),
    // One DDS domain per stack: its vehicles see each other, parallel stacks do not.
    rosDomainId: opts.instance % 233,
    speed: opts.speed === 'max' ? 1 : opts.speed,
  };
}

/** Which of the preset's required images (PX4, the agent) are missing here, with how to provide each. */
export async function missingPx4Images(px4: Px4PresetConfig): Promise<string[]> {
  const wanted: [string, string, string][] = [
    [px4.px4Image, 'FLIGHT_PX4_IMAGE', 'images/build.sh builds flightcheck/px4-sitl:v1.16 from ../shared/px4'],
    [px4.agentImage, 'FLIGHT_AGENT_IMAGE', 'images/build.sh builds flightcheck/xrce-agent:v2.4 from ../shared/xrce-agent'],
  ];
  const missing: string[] = [];
  for (const [image, env, build] of wanted) {
    if (!(await imageExists(image))) missing.push(`${image} (set ${env} to an image you have, or build/load it: ${build}; docker load -i <file>)`);
  }
  return missing;
}

/** Why a px4 stack has no drone_core: its image is not here (drone_core is bring-your-own). */
export function droneCoreAbsentReason(image: string): string {
  return `the px4 stack runs without drone_core: image ${image} is not present (set FLIGHT_DRONE_CORE_IMAGE to your drone_core image, or docker load it)`;
}

/**
 * The px4 preset, per vehicle and in the order DroneOS needs: PX4 SITL (SIH, headless; ready on a
 * HEARTBEAT) → MicroXRCEAgent on 8888+i (ready when its log shows this PX4's session) → drone_core
 * (started only then, or it reads every state as UNKNOWN). A fresh agent per stack, that is per
 * test file. Resets go over MAVLink (land, disarm, Hold).
 *
 * drone_core is optional: without its image the stack is PX4 + agent, MAVLink scenarios fly, and
 * `info.droneCore` says why drone_core is absent (what scenarios that need it skip with).
 */
export async function upPx4Preset(opts: UpOptions, config: ContainersConfig): Promise<ContainersStack> {
  const px4 = config.px4;
  const missing = await missingPx4Images(px4);
  if (missing.length > 0) {
    throw new TargetUnavailable(`containers (px4 preset): image${missing.length > 1 ? 's' : ''} not present: ${missing.join('; ')}. No registry is needed: the images only have to exist locally.`);
  }
  const withDroneCore = await imageExists(px4.droneCoreImage);
  const resources = resolveProfile(config.resourceProfile, config.resourceProfiles)!;
  const containers = new ContainerSet('px4', opts.artifactsDir, { startupTimeoutMs: config.startupTimeoutMs, retries: config.retries, resources, ...(opts.signal ? { signal: opts.signal } : {}) });
  const names: string[] = [];
  const links = new Set<Link>();
  /** Per vehicle: PX4's container start → the agent's session line seen (host clock). */
  const sessionMs: number[] = [];
  const versions: string[] = [];
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
        names.push(px4Name, agentName, ...(withDroneCore ? [coreName] : []));
        // The probe's link becomes the vehicle's: PX4 answers only the first client address it hears.
        let link: Link | null = null;
        const t0 = hostNowMs();
        await containers.start({
          name: px4Name,
          image: px4.px4Image,
          command: fill(px4.px4Command),
          env: Object.fromEntries(Object.entries(px4.px4Env).map(([key, v]) => [key, fillTemplate(v, vars)])),
          instance,
          stage: 'px4 heartbeat',
          role: 'px4',
          // PX4 runs its threads SCHED_FIFO on a host; time-shared in a container, a loaded host
          // starves its timer worker and the simulated baro, compass and GPS go stale after arming.
          realtimeShare: Math.min(PX4_REALTIME_SHARE, 0.9 / opts.vehicles),
          wait: new HeartbeatWait(apiPort(instance), instance + 1, {
            options: linkOptions(opts, instance + 1),
            onLink: (l) => {
              void link?.close(); // an earlier attempt's
              link = l;
              links.add(l);
            },
          }),
        });
        const session = new RegExp(fillTemplate(px4.agentSessionPattern, vars), 'i');
        // Where PX4's client sends (rcS: PX4_UXRCE_DDS_PORT, else 8888), for the failure message.
        const clientPort = px4.px4Env.PX4_UXRCE_DDS_PORT !== undefined ? fillTemplate(px4.px4Env.PX4_UXRCE_DDS_PORT, vars) : '8888 (PX4_UXRCE_DDS_PORT unset)';
        await containers.start({
          name: agentName,
          image: px4.agentImage,
          command: fill(px4.agentCommand),
          env: rosEnv,
          instance,
          stage: 'agent session',
          role: 'xrce-agent',
          // With drone_core, the agent, drone_core and this process's ROS 2 session must share
          // /dev/shm: Fast DDS takes processes on one host network for one host and sends them
          // data over shared memory. Without drone_core the agent keeps a /dev/shm of its own, which
          // goes with its container (it is killed, not shut down, and would leave its segment behind).
          ipcHost: withDroneCore,
          wait: new LogLineWait(
            session,
            (signal) => containers.logs.waitForLine(agentName, session, signal),
            `the agent saw no session of PX4 instance ${instance} (client key 0x${vars.clientKey}; PX4 sends to udp 127.0.0.1:${clientPort}; agent: ${fill(px4.agentCommand).join(' ')})`,
          ),
        });
        sessionMs[k] = hostNowMs() - t0;
        // After the session PX4's client syncs its clock with the agent, then creates its topics one
        // by one (about 6 s for 51), a burst of work for both: ready (and drone_core's turn) is the
        // agent's log quiet after its first data writer (best effort, bounded).
        const setup = AbortSignal.timeout(AGENT_SETUP_LIMIT_MS);
        await containers.logs.waitForLine(agentName, /datawriter created/i, setup).catch(() => null);
        await containers.logs.waitForQuiet(agentName, AGENT_QUIET_MS, setup);
        if (withDroneCore) {
          const ready = px4.droneCoreReadyPattern ? new RegExp(px4.droneCoreReadyPattern) : null;
          await containers.start({
            name: coreName,
            image: px4.droneCoreImage,
            command: fill(px4.droneCoreCommand),
            env: rosEnv,
            instance,
            stage: 'drone_core',
            role: 'drone_core',
            ipcHost: true,
            wait: ready ? new LogLineWait(ready, (signal) => containers.logs.waitForLine(coreName, ready, signal)) : new RunningWait(),
          });
        }
        const vehicle = await connectVehicle(opts, { instance, sysId: instance + 1, name: String(vars.droneName), ...(link ? { link } : {}) });
        // The file's parameters, over MAVLink as on the native target (PX4's rcS sets some of its
        // own after any PX4_PARAM_* from the environment, e.g. the loss timeouts for the speed
        // factor, which go back to their speed-1 values: sitl/px4-speed-params.ts).
        for (const [name, value] of Object.entries({ ...px4SpeedNeutralParams(opts.speed), ...opts.params })) await vehicle.pilot.params.set(name, value);
        // What the vehicle says it runs (for the report); a PX4 that does not answer is named so, not failed.
        versions[k] = await requestAutopilotVersion(vehicle.link, instance + 1).then(
          (v) => `${v.version} (git ${v.gitHash})`,
          (err: Error) => `unknown: ${err.message}`,
        );
        return vehicle;
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
      droneCore: withDroneCore ? 'running' : `absent: ${droneCoreAbsentReason(px4.droneCoreImage)}`,
      px4Version: versions.join(', '),
      px4Scheduling: [...new Set(names.filter((n) => containers.realtime.has(n)).map((n) => containers.realtime.get(n)!.detail))].join('; '),
      agentSessionAfterPx4StartMs: sessionMs.map((ms) => ms.toFixed(0)).join(', '),
      speed: String(px4Vars(opts, 0).speed),
      instance: String(opts.instance),
      rosDomainId: String(px4Vars(opts, 0).rosDomainId),
      containers: names.join(', '),
      ...profileInfo(resources, withDroneCore ? ['px4', 'xrce-agent', 'drone_core'] : ['px4', 'xrce-agent']),
    },
    {
      reset: (stack, index) => resetOverMavlink(stack.vehicles[index]!),
      vehicleContainers: Array.from({ length: opts.vehicles }, (_, k) => containerName('px4', opts.instance + k, 'px4')),
    },
  );
}
