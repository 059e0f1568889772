import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { StartedDockerComposeEnvironment, WaitStrategy } from 'testcontainers';
import type { UpOptions } from '../../src/targets/target.js';
import { ContainerOomKilled, StackDidNotComeUp } from '../../src/targets/target.js';
import { formatBytes, formatLimit } from './profiles.js';
import type { ContainersConfig } from './config.js';
import { ContainerSet, STACK_LABEL } from './containers.js';
import { containerLogTail, docker, inspectContainers, listContainers } from './docker.js';
import { composeProject } from './identity.js';
import { loadTestcontainers } from './testcontainers.js';
import { connect, type Link } from '../../src/mavlink/index.js';
import { apiPort, connectVehicle, ContainersStack, linkOptions } from './stack.js';
import { probeHeartbeat, RunningWait } from './waits.js';

const COMPOSE = 'docker-compose';

/** docker-compose v1 with a project and files; rejects with its stderr. */
async function compose(files: string[], project: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await execa(COMPOSE, [...files.flatMap((f) => ['-f', f]), '-p', project, ...args], { reject: false, env: { ...process.env, ...env }, timeout: 60_000 });
  if (r.failed) throw new Error(`${COMPOSE} ${args.join(' ')}: ${(r.stderr || r.stdout || (r as { shortMessage?: string }).shortMessage || 'failed').trim()}`);
  return r.stdout;
}

/** The variables a compose file can use to place its vehicles (`${FLIGHT_INSTANCE}`, …). */
export function composeEnv(opts: UpOptions, config: ContainersConfig): Record<string, string> {
  return {
    FLIGHT_INSTANCE: String(opts.instance),
    FLIGHT_VEHICLES: String(opts.vehicles),
    FLIGHT_MAV_PORT: String(apiPort(opts.instance)),
    FLIGHT_AGENT_PORT: String(8888 + opts.instance),
    FLIGHT_ROS_DOMAIN_ID: String(opts.instance % 233),
    FLIGHT_SPEED: String(opts.speed),
    FLIGHT_SEED: String(opts.seed),
    FLIGHT_SIM_IMAGE: config.simImage,
    FLIGHT_PX4_IMAGE: config.px4.px4Image,
    FLIGHT_AGENT_IMAGE: config.px4.agentImage,
    FLIGHT_DRONE_CORE_IMAGE: config.px4.droneCoreImage,
  };
}

/**
 * A wait per compose service from `composeWaits` (`log:<regex>` or `heartbeat:<port offset>`),
 * default: running. On failure the service's name and its last log lines are in the error, taken
 * before testcontainers tears the project down.
 */
class ServiceWait implements WaitStrategy {
  private timeoutMs = 30_000;
  private set = false;
  constructor(
    readonly service: string,
    private readonly spec: string | undefined,
    private readonly instance: number,
    /** The vehicle link of an instance, opened once: the probe's link becomes the vehicle's. */
    private readonly linkFor: (instance: number) => Promise<Link>,
  ) {}
  withStartupTimeout(ms: number): this {
    this.timeoutMs = ms;
    this.set = true;
    return this;
  }
  isStartupTimeoutSet(): boolean {
    return this.set;
  }
  getStartupTimeout(): number {
    return this.timeoutMs;
  }
  async waitUntilReady(container: { id: string; inspect(): Promise<{ State?: { Running?: boolean; ExitCode?: number; Status?: string } }> }): Promise<void> {
    try {
      if (!this.spec) return await new RunningWait().waitUntilReady(container);
      if (this.spec.startsWith('heartbeat:')) {
        const instance = this.instance + Number(this.spec.slice('heartbeat:'.length));
        await probeHeartbeat(apiPort(instance), { timeoutMs: this.timeoutMs, link: await this.linkFor(instance) });
        return;
      }
      const pattern = new RegExp(this.spec.slice('log:'.length));
      const deadline = Date.now() + this.timeoutMs;
      const logs = execa('docker', ['logs', '-f', container.id], { reject: false, all: true, buffer: false });
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no output line matching ${pattern} within ${this.timeoutMs} ms`)), Math.max(0, deadline - Date.now()));
          logs.all!.on('data', (chunk: Buffer) => {
            if (chunk.toString('utf8').split('\n').some((l) => pattern.test(l))) {
              clearTimeout(timer);
              resolve();
            }
          });
          void logs.then(async () => {
            clearTimeout(timer);
            const s = (await container.inspect()).State;
            reject(new Error(`exited (exit code ${s?.ExitCode ?? '?'}) before a line matched ${pattern}`));
          });
        });
      } finally {
        logs.kill();
      }
    } catch (err) {
      const tail = await containerLogTail(container.id).catch(() => '');
      throw new ServiceFailed(this.service, (err as Error).message, tail);
    }
  }
}

export class ServiceFailed extends Error {
  override name = 'ServiceFailed';
  constructor(
    readonly service: string,
    reason: string,
    readonly logTail: string,
  ) {
    super(`service "${service}": ${reason}`);
  }
}

/**
 * A user's docker-compose file as the stack (docker-compose v1 through testcontainers'
 * DockerComposeEnvironment). Every service gets our ownership labels from a generated override
 * file; vehicles are expected on PX4's API ports 14580+FLIGHT_INSTANCE+k. A service that exits
 * with an error, or fails its wait, fails the stack naming it, with its log tail.
 */
export async function upComposePreset(opts: UpOptions, config: ContainersConfig, file: string): Promise<ContainersStack> {
  if (!fs.existsSync(file)) throw new TypeError(`FLIGHT_STACK=compose:${file}: no such file`);
  const containers = new ContainerSet('compose', opts.artifactsDir, { startupTimeoutMs: config.startupTimeoutMs, retries: config.retries, ...(opts.signal ? { signal: opts.signal } : {}) });
  const project = composeProject(opts.instance);
  const env = composeEnv(opts, config);
  const dir = path.dirname(file);

  let services: string[];
  let version: string | undefined;
  try {
    // One `config` call (docker-compose v1 costs about a second per invocation): the normalised
    // file lists the services as the keys under `services:`.
    const normalised = await compose([file], project, ['config'], env);
    version = /^version:\s*['"]?([\d.]+)/m.exec(normalised)?.[1];
    services = serviceNames(normalised);
  } catch (err) {
    await containers.removeAll();
    throw new StackDidNotComeUp('compose config', (err as Error).message, {}, { cause: err });
  }
  for (const s of Object.keys(config.composeWaits)) {
    if (!services.includes(s)) {
      await containers.removeAll();
      throw new TypeError(`FLIGHT_COMPOSE_WAIT: no service "${s}" in ${file} (services: ${services.join(', ')})`);
    }
  }
  // Labels every service so the reaper finds it: compose files merge, YAML reads JSON.
  const overrideDir = opts.artifactsDir || fs.mkdtempSync('/tmp/flightcheck-compose-');
  fs.mkdirSync(overrideDir, { recursive: true });
  const override = path.join(overrideDir, `${project}.override.json`);
  const labels = containers.labels(opts.instance);
  fs.writeFileSync(override, JSON.stringify({ ...(version ? { version } : {}), services: Object.fromEntries(services.map((s) => [s, { labels }])) }, null, 2));

  const { DockerComposeEnvironment } = await loadTestcontainers();
  let environment = new DockerComposeEnvironment(dir, [path.basename(file), override])
    .withProjectName(project)
    .withEnvironment(env)
    .withStartupTimeout(config.startupTimeoutMs)
    .withClientOptions({ executable: { standalone: true, executablePath: COMPOSE } });
  // PX4 (and the sim) answer only the first client address they hear from: one link per vehicle,
  // used by the heartbeat waits and then by the vehicle itself.
  const links = new Map<number, Promise<Link>>();
  const linkFor = (instance: number): Promise<Link> => {
    let l = links.get(instance);
    if (!l) {
      l = connect(`udpout://127.0.0.1:${apiPort(instance)}`, linkOptions(opts));
      links.set(instance, l);
    }
    return l;
  };
  const closeLinks = async () => {
    for (const l of links.values()) await (await l.catch(() => null))?.close();
    links.clear();
  };
  for (const s of services) environment = environment.withWaitStrategy(`${project}_${s}_1`, new ServiceWait(s, config.composeWaits[s], opts.instance, linkFor));

  const started: { env: StartedDockerComposeEnvironment | null } = { env: null };
  const followed = new Set<string>();
  const followAll = async () => {
    for (const c of await listContainers([`${STACK_LABEL}=${containers.id}`])) {
      if (followed.has(c.id)) continue;
      followed.add(c.id);
      const service = c.labels['com.docker.compose.service'] ?? c.name;
      const p = execa('docker', ['logs', '-f', c.id], { reject: false, all: true, buffer: false });
      containers.logs.follow(service, p.all!);
      void p.catch(() => {});
    }
  };
  const teardown = async () => {
    const running = started.env;
    started.env = null;
    if (running) await running.down({ timeout: 2000, removeVolumes: true }).catch(() => {});
    else await compose([file, override], project, ['down', '-v', '--remove-orphans', '-t', '2'], env).catch(() => {});
  };
  const fail = async (stage: string, message: string, logs: Record<string, string>, cause: unknown): Promise<never> => {
    await closeLinks();
    await teardown();
    await containers.removeAll();
    throw new StackDidNotComeUp(stage, message, logs, { cause });
  };

  try {
    started.env = await environment.up();
  } catch (err) {
    const sf = findServiceFailed(err);
    if (sf) return fail(`service ${sf.service}`, sf.message, { [sf.service]: sf.logTail || '(no output)' }, err);
    return fail('compose up', (err as Error).message.split('\n').slice(0, 5).join('\n'), {}, err);
  }
  await followAll();
  const checkServices = async (stage: string) => {
    const rows = await inspectContainers((await listContainers([`${STACK_LABEL}=${containers.id}`])).map((c) => c.id));
    const broken = rows.filter((r) => r.state !== 'running' && r.state !== 'created');
    for (const b of broken) {
      // Exit code, OOMKilled, and the limits the compose file gave it.
      const [exit = '?', oom, memory, memswap, nanoCpus] = (await docker(['inspect', '--format', '{{.State.ExitCode}} {{.State.OOMKilled}} {{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}}', b.id]).catch(() => '?')).trim().split(' ');
      if (exit === '0') continue;
      const service = b.labels['com.docker.compose.service'] ?? b.name;
      const tail = (await containerLogTail(b.id).catch(() => '')) || containers.logs.tails([service])[service] || '(no output)';
      if (oom === 'true') {
        // Docker's MemorySwap: 0 = as much swap as memory, -1 = unlimited swap.
        const mem = Number(memory);
        const swap = Number(memswap);
        const limit = mem > 0 ? { memory: mem, ...(swap !== -1 ? { memswap: swap > 0 ? swap : 2 * mem } : {}), ...(Number(nanoCpus) > 0 ? { cpus: Number(nanoCpus) / 1e9 } : {}) } : null;
        const text = limit && swap === -1 ? `${formatBytes(mem)} (+ unlimited swap)` : formatLimit(limit ?? undefined);
        const err = new ContainerOomKilled(b.name, `service ${service}`, limit, tail, Number(exit), text);
        await fail(stage, `service "${service}": ${err.message.split('\n')[0]}`, { [service]: tail }, err);
      }
      await fail(stage, `service "${service}" exited with code ${exit} (${b.name})`, { [service]: tail }, null);
    }
  };
  await checkServices('compose services');

  const vehicles = [];
  try {
    for (let k = 0; k < opts.vehicles; k++) {
      const instance = opts.instance + k;
      const link = await linkFor(instance);
      await probeHeartbeat(apiPort(instance), { timeoutMs: config.startupTimeoutMs, link, ...(opts.signal ? { signal: opts.signal } : {}) });
      vehicles.push(await connectVehicle(opts, { instance, name: `drone${k + 1}`, link }));
    }
  } catch (err) {
    for (const v of vehicles) await v.close().catch(() => {});
    await checkServices('compose services');
    return fail('vehicle heartbeat', (err as Error).message, containers.logs.tails(), err);
  }
  try {
    await checkServices('compose services');
  } catch (err) {
    for (const v of vehicles) await v.close().catch(() => {});
    throw err;
  }

  return new ContainersStack(
    'compose',
    containers,
    vehicles,
    {
      target: 'containers',
      stack: `compose:${path.basename(file)}`,
      project,
      services: services.join(', '),
      instance: String(opts.instance),
      // The compose file's own cpus / mem_limit apply (config refuses a profile for it).
      resourceProfile: 'the compose file\'s own limits',
    },
    {
      reset: async (stack, index) => (await import('./reset.js')).resetOverMavlink(stack.vehicles[index]!),
      close: async () => {
        await closeLinks();
        await teardown();
      },
    },
  );
}

/** Service names from `docker-compose config` output (2-space indented keys under `services:`). */
export function serviceNames(normalisedYaml: string): string[] {
  const names: string[] = [];
  let inServices = false;
  for (const line of normalisedYaml.split('\n')) {
    if (/^\S/.test(line)) inServices = /^services:\s*$/.test(line);
    else if (inServices) {
      const m = /^ {2}([^\s:#][^:]*):\s*$/.exec(line);
      if (m) names.push(m[1]!.replace(/^['"]|['"]$/g, ''));
    }
  }
  return names;
}

function findServiceFailed(err: unknown): ServiceFailed | null {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ServiceFailed) return e;
  }
  return null;
}
