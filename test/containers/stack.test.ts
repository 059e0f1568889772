import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { containersTarget, LABEL, runId, STACK_LABEL, type ContainersStack } from '../../sitl/containers/index.js';
import { StackDidNotComeUp, TargetUnavailable, type UpOptions } from '../../src/targets/target.js';
import { buildImages, containersWithLabel, dockerForTests, ROOT } from './docker-env.js';
import { describeUnless } from '../support/skip.js';

const docker = await dockerForTests();
const describeDocker = describeUnless(docker.ok ? null : docker.reason);

// Instances far from the fixture's worker blocks (0..8·workers), so a parallel scenario run cannot collide.
const BASE = 200 + Number(process.env.JEST_WORKER_ID ?? '1') * 8;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flightcheck-containers-'));

function upOptions(over: Partial<UpOptions> = {}): UpOptions {
  return { vehicles: 1, speed: 5, seed: 1, instance: BASE, params: {}, artifactsDir: path.join(tmp, 'artifacts'), heartbeatTimeoutMs: 3000, ...over };
}

describeDocker('containers target', () => {
  beforeAll(() => buildImages(), 600_000);
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('brings up one sim container per vehicle and leaves none behind after down()', async () => {
    const stack = (await containersTarget({ stack: 'sim' }).up(upOptions({ vehicles: 2 }))) as ContainersStack;
    const stackLabel = `${STACK_LABEL}=${stack.containers.id}`;
    try {
      expect(stack.vehicles.map((v) => v.sysId)).toEqual([BASE + 1, BASE + 2]);
      expect(containersWithLabel(stackLabel)).toHaveLength(2);
      // Every container carries the owner labels the reaper relies on.
      const labels = JSON.parse(execFileSync('docker', ['inspect', '--format', '{{json .Config.Labels}}', containersWithLabel(stackLabel)[0]!], { encoding: 'utf8' }));
      expect(labels[LABEL.pid]).toBe(String(process.pid));
      expect(labels[LABEL.run]).toBe(runId());
      const logs = await stack.logs();
      const names = Object.keys(logs).filter((n) => n.startsWith('flightcheck-')).sort();
      expect(names).toEqual([`flightcheck-${runId()}-sim-${BASE}`, `flightcheck-${runId()}-sim-${BASE + 1}`]);
      expect(logs[names[0]!]).toMatch(/flightcheck sim ready/);
    } finally {
      await stack.down();
    }
    expect(containersWithLabel(stackLabel)).toEqual([]);
    await stack.down(); // twice is fine
  }, 60_000);

  it('resets a flown vehicle in place: same vehicle and link, back home, disarmed, in Hold', async () => {
    const stack = await containersTarget({ stack: 'sim' }).up(upOptions());
    try {
      const v = stack.vehicles[0]!;
      await stack.reset(v);
      await v.pilot.arm();
      await v.pilot.takeoff(3);
      const { waitFor } = await import('../../src/vehicle/index.js');
      await waitFor(v.telemetry, (t) => (t.altitude ?? 0) > 1, { timeout: '20s', clock: 'vehicle', what: 'climbing' });
      const before = v.telemetry.vehicleTimeMs!;
      await stack.reset(v);
      expect(stack.vehicles[0]).toBe(v);
      expect(v.telemetry.armed).toBe(false);
      expect(v.telemetry.modeName).toBe('Hold');
      expect(Math.abs(v.telemetry.altitude ?? 99)).toBeLessThan(0.3);
      // The vehicle clock carried on across the reset (recordings and clock-based waits stay valid).
      expect(v.telemetry.vehicleTimeMs!).toBeGreaterThan(before);
      expect(v.telemetry.vehicleClockResets).toBe(0);
    } finally {
      await stack.down();
    }
  }, 60_000);

  it('reaps the containers of a dead run at the next start', async () => {
    // A pid that certainly belonged to a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const run = `reap-test-${process.pid}`;
    const leftover = execFileSync('docker', [
      'run', '-d', '--network', 'host', '--init', '--name', `flightcheck-${run}-sim-0`,
      '--label', `${LABEL.run}=${run}`, '--label', `${LABEL.pid}=${dead}`, '--label', `${LABEL.host}=${os.hostname()}`,
      'flightcheck/base:bookworm', 'sleep', '300',
    ], { encoding: 'utf8' }).trim();
    // …and one of a live process (ours), which must be left alone.
    const live = execFileSync('docker', [
      'run', '-d', '--network', 'host', '--init', '--label', `${LABEL.run}=${run}`, '--label', `${LABEL.pid}=${process.pid}`,
      '--label', `${LABEL.host}=${os.hostname()}`, 'flightcheck/base:bookworm', 'sleep', '300',
    ], { encoding: 'utf8' }).trim();
    try {
      expect(containersWithLabel(`${LABEL.run}=${run}`)).toHaveLength(2);
      const stack = await containersTarget({ stack: 'sim' }).up(upOptions());
      await stack.down();
      const left = containersWithLabel(`${LABEL.run}=${run}`);
      expect(left).toHaveLength(1);
      expect(live.startsWith(left[0]!)).toBe(true);
      expect(left.some((id) => leftover.startsWith(id))).toBe(false);
    } finally {
      execFileSync('docker', ['rm', '-f', leftover, live], { stdio: 'ignore' });
    }
  }, 60_000);

  it('fails at the sim stage with the container log tail when the simulator cannot start', async () => {
    const target = containersTarget({ stack: 'sim', retries: 0 });
    const err = await target.up(upOptions({ params: { 'not-a-param': 1 } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StackDidNotComeUp);
    const e = err as StackDidNotComeUp;
    expect(e.stage).toBe('sim heartbeat');
    expect(e.message).toMatch(/exited/);
    // The simulator's own complaint, from its output, is in the message.
    expect(e.message).toMatch(/--param: expected NAME=VALUE/);
    expect(containersWithLabel(`${LABEL.run}=${runId()}`)).toEqual([]);
  }, 60_000);

  it('skips the px4 preset naming the missing image and how to provide it', async () => {
    const target = containersTarget({ stack: 'px4', px4: { px4Image: 'flightcheck/no-such-px4:none' } });
    const err = await target.up(upOptions()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetUnavailable);
    expect((err as Error).message).toContain('flightcheck/no-such-px4:none');
    expect((err as Error).message).toContain('FLIGHT_PX4_IMAGE');
  });

  // The px4 preset's orchestration with stand-in images (no PX4 image can be had here): the sim
  // image answers as PX4, the base image plays the agent (prints a session line) and drone_core.
  const standIns = (over: Record<string, unknown> = {}) => ({
    px4Image: 'flightcheck/sim:latest',
    px4Command: ['flightcheck', 'sim', '--instance', '{instance}', '--speed', '{speed}'],
    agentImage: 'flightcheck/base:bookworm',
    agentCommand: ['sh', '-c', 'echo "agent on udp {agentPort}"; sleep 0.5; echo "establish_session | session established | client_key: 0x{clientKey}, address: 127.0.0.1:40000"; exec sleep 300'],
    droneCoreImage: 'flightcheck/base:bookworm',
    droneCoreCommand: ['sh', '-c', 'echo "drone_core {droneName} ns={px4Namespace} sys={sysId} domain=$ROS_DOMAIN_ID rmw=$RMW_IMPLEMENTATION"; exec sleep 300'],
    droneCoreReadyPattern: '^drone_core drone1 ',
    ...over,
  });

  it('px4 preset: starts PX4 → agent (until its session line) → drone_core per vehicle, with their parameters', async () => {
    const stack = (await containersTarget({ stack: 'px4', px4: standIns() }).up(upOptions())) as ContainersStack;
    try {
      const v = stack.vehicles[0]!;
      expect(v.sysId).toBe(BASE + 1);
      expect(stack.info.rosDomainId).toBe(String(BASE % 233));
      const logs = await stack.logs();
      const name = (part: string) => `flightcheck-${runId()}-px4-${BASE}-${part}`;
      expect(logs[name('drone-core')]).toContain(`drone_core drone1 ns=/px4_${BASE}/fmu/ sys=${BASE + 1} domain=${BASE % 233} rmw=rmw_fastrtps_cpp`);
      expect(logs[name('agent')]).toContain(`agent on udp ${8888 + BASE}`);
      // In that order: each started only once the one before it was seen working.
      const started = (part: string) => Date.parse(execFileSync('docker', ['inspect', '--format', '{{.State.StartedAt}}', name(part)], { encoding: 'utf8' }).trim());
      expect(started('px4')).toBeLessThan(started('agent'));
      expect(started('agent') + 400).toBeLessThan(started('drone-core'));
      // Fast DDS between the agent, drone_core and the host's ROS 2 session goes over /dev/shm: shared.
      const ipc = (part: string) => execFileSync('docker', ['inspect', '--format', '{{.HostConfig.IpcMode}}', name(part)], { encoding: 'utf8' }).trim();
      expect([ipc('agent'), ipc('drone-core')]).toEqual(['host', 'host']);
      // Reset goes over MAVLink, as with a real PX4.
      await stack.reset(v);
      expect([v.telemetry.armed, v.telemetry.modeName]).toEqual([false, 'Hold']);
    } finally {
      await stack.down();
    }
    expect(containersWithLabel(`${LABEL.run}=${runId()}`)).toEqual([]);
  }, 60_000);

  it('px4 preset: an agent that never sees PX4 fails at the agent stage with its log, and drone_core is never started', async () => {
    const target = containersTarget({
      stack: 'px4',
      retries: 0,
      startupTimeoutMs: 3000,
      px4: standIns({ agentCommand: ['sh', '-c', 'echo "agent on udp {agentPort}: no client"; exec sleep 300'] }),
    });
    const err = await target.up(upOptions()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StackDidNotComeUp);
    const e = err as StackDidNotComeUp;
    expect(e.stage).toBe('agent session');
    expect(e.message).toContain(`agent on udp ${8888 + BASE}: no client`);
    expect(Object.keys(e.logs).some((n) => n.endsWith('-drone-core'))).toBe(false);
    expect(containersWithLabel(`${LABEL.run}=${runId()}`)).toEqual([]);
  }, 60_000);

  it('fails the scenarios of a px4-preset run whose images are absent (the run named the target), naming the image and how to provide it', async () => {
    const jestBin = path.join(ROOT, 'node_modules/jest/bin/jest.js');
    const json = path.join(tmp, 'px4-skip.json');
    const r = spawnSync(
      process.execPath,
      [
        '--experimental-vm-modules', jestBin, '--roots', path.join(ROOT, 'test/containers/fixtures'), '--testMatch', '**/*.scenario.ts', '--runInBand',
        // The scenarios' environment (jest.config.ts names it for the suite).
        '--testEnvironment', path.join(ROOT, 'fixtures/jest-environment.cjs'), '--json', `--outputFile=${json}`,
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, FLIGHT_TARGET: 'containers', FLIGHT_STACK: 'px4', FLIGHT_PX4_IMAGE: 'flightcheck/no-such-px4:none', FLIGHT_RESULTS_DIR: path.join(tmp, 'px4-skip'), JEST_WORKER_ID: '1' },
      },
    );
    const out = JSON.parse(fs.readFileSync(json, 'utf8')) as { numTotalTests: number; numPendingTests: number; numFailedTests: number };
    expect({ status: r.status, failed: out.numFailedTests, pending: out.numPendingTests }).toEqual({ status: 1, failed: out.numTotalTests, pending: 0 });
    expect(out.numTotalTests).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/TargetUnavailable: containers \(px4 preset\): image not present/);
    expect(r.stderr).toContain('flightcheck/no-such-px4:none (set FLIGHT_PX4_IMAGE');
  }, 60_000);

  it('fails a compose stack naming the broken service and showing its log tail', async () => {
    const dir = path.join(tmp, 'compose');
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
        '  detector:',
        '    image: flightcheck/base:bookworm',
        '    network_mode: host',
        `    command: ["sh", "-c", "echo detector starting; echo 'fatal: model file /models/edgetpu.tflite not found' >&2; exit 3"]`,
        '',
      ].join('\n'),
    );
    const err = await containersTarget({ stack: { preset: 'compose', file } }).up(upOptions()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StackDidNotComeUp);
    const msg = (err as Error).message;
    expect(msg).toMatch(/service "detector"/);
    expect(msg).toContain('exited with code 3');
    expect(msg).toContain('fatal: model file /models/edgetpu.tflite not found');
    expect(containersWithLabel(`${LABEL.run}=${runId()}`)).toEqual([]);
  }, 90_000);

  it('runs a healthy compose file as the stack and removes it on down()', async () => {
    const dir = path.join(tmp, 'compose-ok');
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
        '',
      ].join('\n'),
    );
    const stack = await containersTarget({ stack: { preset: 'compose', file }, composeWaits: { vehicle: 'log:flightcheck sim ready' } }).up(upOptions());
    try {
      expect(stack.vehicles[0]!.sysId).toBe(BASE + 1);
      expect((await stack.logs()).vehicle).toMatch(/flightcheck sim ready/);
    } finally {
      await stack.down();
    }
    expect(containersWithLabel(`${LABEL.run}=${runId()}`)).toEqual([]);
  }, 90_000);
});

