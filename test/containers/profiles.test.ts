import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { configFromEnv, containersTarget, LABEL, resolveProfile, runId, type ContainersStack } from '../../sitl/containers/index.js';
import { ContainerOomKilled, StackDidNotComeUp, type UpOptions } from '../../src/targets/target.js';
import { LinkLost } from '../../src/mavlink/index.js';
import { ContainerExited } from '../../sitl/containers/waits.js';
import { buildImages, containersWithLabel, dockerForTests } from './docker-env.js';
import { describeUnless } from '../support/skip.js';
import { TestStackMetrics } from '../../fixtures/stack-metrics.js';

const docker = await dockerForTests();
const describeDocker = describeUnless(docker.ok ? null : docker.reason);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flightcheck-profiles-'));
const MiB = 1024 ** 2;
// Instances of these tests: 248 and 249, one stack at a time (each test takes its stack down). The
// vehicle's sys id is instance + 1, at most 250, so 250 and above cannot carry a vehicle.

function upOptions(instance: number): UpOptions {
  return { vehicles: 1, speed: 5, seed: 1, instance, params: {}, artifactsDir: path.join(tmp, String(instance)), heartbeatTimeoutMs: 3000 };
}

/** The px4 preset with stand-ins (no PX4 image is needed): the sim image answers as PX4, the base image plays the agent and drone_core. */
const standIns = (over: Record<string, unknown> = {}) => ({
  px4Image: 'flightcheck/sim:latest',
  px4Command: ['flightcheck', 'sim', '--instance', '{instance}', '--speed', '{speed}'],
  agentImage: 'flightcheck/base:bookworm',
  agentCommand: ['sh', '-c', 'echo "establish_session | session established | client_key: 0x{clientKey}, address: 127.0.0.1:40000"; echo "datawriter created"; exec sleep 300'],
  droneCoreImage: 'flightcheck/base:bookworm',
  droneCoreCommand: ['sh', '-c', 'echo "drone_core {droneName} up"; exec sleep 300'],
  droneCoreReadyPattern: '^drone_core drone1 up',
  ...over,
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const inspect = (name: string, field: string): string => execFileSync('docker', ['inspect', '--format', `{{${field}}}`, name], { encoding: 'utf8' }).trim();

describe('resource profiles: settings', () => {
  it('pi5 has DroneOS compose values: drone_core 1.5 CPU / 512 MiB no swap, the agent 128 MiB, PX4 SITL no CPU quota', () => {
    const pi5 = resolveProfile('pi5')!;
    expect(pi5.limits.drone_core).toEqual({ cpus: 1.5, memory: 512 * MiB, memswap: 512 * MiB });
    expect(pi5.limits['xrce-agent']).toEqual({ memory: 128 * MiB, memswap: 128 * MiB });
    expect(pi5.limits.px4?.cpus).toBeUndefined();
    expect(configFromEnv({ FLIGHT_RESOURCE_PROFILE: 'pi5' }).resourceProfile).toBe('pi5');
    expect(configFromEnv({}).resourceProfile).toBe('none');
  });

  it('takes user profiles as data (compose sizes, memswap = memory unless said), from the object or FLIGHT_RESOURCE_PROFILES', () => {
    const c = configFromEnv({ FLIGHT_RESOURCE_PROFILE: 'mine', FLIGHT_RESOURCE_PROFILES: '{"mine":{"drone_core":{"cpus":1,"memory":"384m"},"px4":{"memory":"1g","memswap":"2g"}}}' });
    const mine = resolveProfile(c.resourceProfile, c.resourceProfiles)!;
    expect(mine.limits).toEqual({ drone_core: { cpus: 1, memory: 384 * MiB, memswap: 384 * MiB }, px4: { memory: 1024 * MiB, memswap: 2048 * MiB } });
    const file = path.join(tmp, 'profiles.json');
    fs.writeFileSync(file, JSON.stringify({ rig: { sim: { memory: '200MiB' } } }));
    expect(configFromEnv({ FLIGHT_RESOURCE_PROFILES: file }, { resourceProfile: 'rig' }).resourceProfiles.rig!.sim!.memory).toBe(200 * MiB);
  });

  it('refuses an unknown profile name, naming the known ones, before anything starts', async () => {
    expect(() => configFromEnv({ FLIGHT_RESOURCE_PROFILE: 'pi4' })).toThrow('containers target: FLIGHT_RESOURCE_PROFILE=pi4: unknown resource profile "pi4" (known: none, pi5)');
    const before = docker.ok ? containersWithLabel(`${LABEL.run}=${runId()}`) : [];
    const err = await containersTarget({ stack: 'sim', resourceProfile: 'pi4', resourceProfiles: { mine: {} } }).up(upOptions(248)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toBe('containers target: resourceProfile: unknown resource profile "pi4" (known: none, pi5, mine)');
    if (docker.ok) expect(containersWithLabel(`${LABEL.run}=${runId()}`)).toEqual(before);
  });

  it('refuses a profile on a compose stack, whose own file sets its limits, before anything starts', () => {
    expect(() => configFromEnv({ FLIGHT_STACK: 'compose:docker-compose.yml', FLIGHT_RESOURCE_PROFILE: 'pi5' })).toThrow(
      'containers target: FLIGHT_RESOURCE_PROFILE=pi5: resource profile "pi5" is for the sim and px4 presets; a compose stack runs under its own file\'s limits',
    );
    expect(configFromEnv({ FLIGHT_STACK: 'compose:docker-compose.yml' }).resourceProfile).toBe('none');
  });

  it('refuses a profile for a container role that does not exist, and a size that is not one', () => {
    expect(() => configFromEnv({}, { resourceProfiles: { mine: { 'drone-core': { memory: '512m' } } as never } })).toThrow(/resourceProfiles\.mine.*drone-core/);
    expect(() => configFromEnv({ FLIGHT_RESOURCE_PROFILES: '{"mine":{"px4":{"memory":"lots"}}}' })).toThrow('FLIGHT_RESOURCE_PROFILES: mine.px4.memory: expected a size like 512m, 128MiB, 1g or bytes, got "lots"');
  });
});

describeDocker('resource profiles: real containers', () => {
  beforeAll(() => buildImages(), 600_000);

  it('pi5 applies its limits to each container as it starts (HostConfig and the cgroup seen from inside) and says so in the info', async () => {
    const instance = 248;
    const stack = (await containersTarget({ stack: 'px4', resourceProfile: 'pi5', px4: standIns() }).up(upOptions(instance))) as ContainersStack;
    try {
      const name = (part: string) => `flightcheck-${runId()}-px4-${instance}-${part}`;
      const host = (part: string) => ['.HostConfig.Memory', '.HostConfig.MemorySwap', '.HostConfig.NanoCpus'].map((f) => Number(inspect(name(part), f)));
      expect(host('drone-core')).toEqual([512 * MiB, 512 * MiB, 1.5e9]);
      expect(host('agent')).toEqual([128 * MiB, 128 * MiB, 0]);
      expect(host('px4')).toEqual([256 * MiB, 256 * MiB, 0]);
      // What the kernel enforces, read inside drone_core (cgroup v2 or v1).
      const cg = execFileSync('docker', ['exec', name('drone-core'), 'sh', '-c',
        'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes; cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"'], { encoding: 'utf8' }).trim().split('\n');
      expect(Number(cg[0])).toBe(512 * MiB);
      const [quota, period] = cg[1]!.split(' ').map(Number);
      expect(quota! / period!).toBeCloseTo(1.5, 5);
      expect(stack.info.resourceProfile).toMatch(new RegExp(`^pi5: limits as on the vehicle; CPU measured on ${os.cpus()[0]!.model.trim().replace(/[()]/g, '.')}`));
      expect(stack.info.resourceLimits).toBe('px4 256 MiB (no swap); xrce-agent 128 MiB (no swap); drone_core 1.5 CPU, 512 MiB (no swap)');
      // drone_core (a stand-in here: the real one is bring-your-own) is measured as the others
      // are: its cgroup sampled into memory_mib:drone_core under its limit, its start a stage.
      expect(stack.resources().map((r) => r.component).sort()).toEqual(['drone_core', 'px4', 'xrce-agent']);
      expect(stack.startTimeline().map((s) => s.stage)).toEqual(['px4', 'xrce-agent', 'drone_core']);
      const samples: { metric: string; value: number; note?: string }[] = [];
      const metrics = new TestStackMetrics(stack, (metric, value, meta) => samples.push({ metric, value, ...(meta.note ? { note: meta.note } : {}) }), 100).start();
      await new Promise((r) => setTimeout(r, 500));
      await metrics.stop();
      const core = samples.filter((x) => x.metric === 'memory_mib:drone_core');
      expect(core.length).toBeGreaterThanOrEqual(2);
      expect(core[0]!.value).toBeGreaterThan(0);
      expect(core[0]!.value).toBeLessThan(512);
      expect(core[0]!.note).toBe('limit 512 MiB');
      expect(samples.some((x) => x.metric === 'cpu_percent:drone_core')).toBe(true);
      expect(stack.failure()).toBeNull();
    } finally {
      await stack.down();
    }
    expect(containersWithLabel(`${LABEL.run}=${runId()}`)).toEqual([]);
  }, 90_000);

  it('an agent that allocates past its 64 MiB during bring-up: StackDidNotComeUp caused by ContainerOomKilled with the numbers and its log tail, not retried', async () => {
    const instance = 249;
    const t0 = Date.now();
    const err = await containersTarget({
      stack: 'px4',
      resourceProfile: 'tight',
      resourceProfiles: { tight: { 'xrce-agent': { memory: '64m' } } },
      px4: standIns({ agentCommand: ['sh', '-c', 'echo "agent on udp {agentPort}: loading"; head -c 300m /dev/zero | tail'] }),
    }).up(upOptions(instance)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StackDidNotComeUp);
    const e = err as StackDidNotComeUp;
    expect(e.stage).toBe('agent session');
    expect(e.message).toMatch(/killed by the out-of-memory killer: memory limit 64 MiB \(no swap\) = 67108864 bytes, exit code 137/);
    const oom = e.cause as ContainerOomKilled;
    expect(oom).toBeInstanceOf(ContainerOomKilled);
    expect(oom.container).toBe(`flightcheck-${runId()}-px4-${instance}-agent`);
    expect(oom.stage).toBe('xrce-agent');
    expect(oom.limit).toEqual({ memory: 64 * MiB, memswap: 64 * MiB });
    expect(oom.exitCode).toBe(137);
    expect(oom.logTail).toContain(`agent on udp ${8888 + instance}: loading`);
    expect(e.logs[oom.container]).not.toMatch(/attempt 2/);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(containersWithLabel(`${LABEL.run}=${runId()}`)).toEqual([]);
  }, 90_000);

  it('an agent OOM-killed while the stack runs: the stack fails with ContainerOomKilled naming it at once', async () => {
    const instance = 248;
    const stack = (await containersTarget({
      stack: 'px4',
      resourceProfile: 'tight',
      resourceProfiles: { tight: { 'xrce-agent': { memory: '64m' } } },
      px4: standIns({
        agentCommand: ['sh', '-c', 'echo "establish_session | session established | client_key: 0x{clientKey}, address: 127.0.0.1:40000"; echo "datawriter created"; sleep 4; echo "agent: loading a big map"; head -c 300m /dev/zero | tail'],
      }),
    }).up(upOptions(instance))) as ContainersStack;
    try {
      expect(stack.failure()).toBeNull();
      const err = await new Promise<Error>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no failure within 20 s')), 20_000);
        stack.onFailure((e) => (clearTimeout(t), resolve(e)));
      });
      expect(err).toBeInstanceOf(ContainerOomKilled);
      const oom = err as ContainerOomKilled;
      expect(oom.container).toBe(`flightcheck-${runId()}-px4-${instance}-agent`);
      expect(oom.stage).toBe('xrce-agent');
      expect(oom.message).toMatch(/^container \S+-agent \(xrce-agent\) was killed by the out-of-memory killer: memory limit 64 MiB \(no swap\) = 67108864 bytes, exit code 137/);
      expect(oom.logTail).toContain('agent: loading a big map');
      expect(stack.failure()).toBe(err);
      // The vehicle's own container (PX4) is alive: its link is not declared lost for the agent.
      expect(stack.vehicles[0]!.link.lost).toBeNull();
    } finally {
      await stack.down();
    }
    expect(containersWithLabel(`${LABEL.run}=${runId()}`)).toEqual([]);
  }, 90_000);

  it('a compose service over its own mem_limit: StackDidNotComeUp caused by ContainerOomKilled naming the service and its limit', async () => {
    const instance = 249;
    const dir = path.join(tmp, 'compose-oom');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'stack.yml');
    fs.writeFileSync(
      file,
      [
        "version: '2.4'",
        'services:',
        '  vehicle:',
        '    image: ${FLIGHT_SIM_IMAGE}',
        '    network_mode: host',
        '    init: true',
        '    command: ["flightcheck", "sim", "--instance", "${FLIGHT_INSTANCE}", "--speed", "5"]',
        '  micro_agent:',
        '    image: flightcheck/base:bookworm',
        '    network_mode: host',
        '    init: true',
        '    mem_limit: 64m',
        '    memswap_limit: 64m',
        `    command: ["sh", "-c", "echo agent loading; head -c 300m /dev/zero | tail"]`,
        '',
      ].join('\n'),
    );
    const err = await containersTarget({ stack: { preset: 'compose', file } }).up(upOptions(instance)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StackDidNotComeUp);
    const oom = (err as StackDidNotComeUp).cause as ContainerOomKilled;
    expect(oom).toBeInstanceOf(ContainerOomKilled);
    expect(oom.stage).toBe('service micro_agent');
    expect(oom.limit).toEqual({ memory: 64 * MiB, memswap: 64 * MiB });
    expect((err as Error).message).toMatch(/service "micro_agent": container \S+ \(service micro_agent\) was killed by the out-of-memory killer: memory limit 64 MiB \(no swap\) = 67108864 bytes, exit code 137/);
    expect(oom.logTail).toContain('agent loading');
    expect(containersWithLabel(`${LABEL.run}=${runId()}`)).toEqual([]);
  }, 90_000);

  it('a vehicle container killed (exit 137, no oom event) is named as exited, not as out of memory, and its link is lost with that reason', async () => {
    const instance = 249;
    const stack = (await containersTarget({ stack: 'sim', resourceProfile: 'pi5' }).up(upOptions(instance))) as ContainersStack;
    try {
      const name = `flightcheck-${runId()}-sim-${instance}`;
      expect(Number(inspect(name, '.HostConfig.Memory'))).toBe(512 * MiB);
      const lost = new Promise<LinkLost>((resolve) => stack.vehicles[0]!.link.onLost(resolve));
      execFileSync('docker', ['kill', '--signal', 'KILL', name]);
      const err = await lost;
      expect(err.cause).toBeInstanceOf(ContainerExited);
      expect(err.cause).not.toBeInstanceOf(ContainerOomKilled);
      expect(err.message).toMatch(new RegExp(`${name} \\(sim\\) exited with code 137 while the stack ran`));
      expect(stack.failure()).toBe(err.cause);
    } finally {
      await stack.down();
    }
    expect(containersWithLabel(`${LABEL.run}=${runId()}`)).toEqual([]);
  }, 90_000);
});
