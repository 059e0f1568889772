/**
 * The px4 preset on the real images: flightcheck/px4-sitl (PX4 v1.16.0 SITL, SIH) and
 * flightcheck/xrce-agent (Micro XRCE-DDS Agent v2.4.2), built by images/build.sh from the bundles
 * in ../shared. Where the images cannot be had (no engine, no bundles), every test is skipped and
 * the reason printed.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { minimal } from 'node-mavlink';
import { afterAll, expect, it } from '@jest/globals';
import {
  configFromEnv,
  containersTarget,
  droneCoreAbsentReason,
  imageExists,
  LABEL,
  missingPx4Images,
  px4Vars,
  requestAutopilotVersion,
  runId,
  STACK_LABEL,
  type ContainersStack,
} from '../../sitl/containers/index.js';
import { StackDidNotComeUp, type UpOptions } from '../../src/targets/target.js';
import { buildImages, containersWithLabel, dockerForTests, px4Instance } from './docker-env.js';
import { describeUnless } from '../support/skip.js';

async function availability(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const docker = await dockerForTests();
  if (!docker.ok) return docker;
  // Built once here, before the tests are declared: whether they can run depends on the result.
  buildImages();
  const missing = await missingPx4Images(configFromEnv(process.env, { stack: 'px4' }).px4);
  return missing.length > 0 ? { ok: false, reason: `px4 preset images missing after images/build.sh: ${missing.join('; ')}` } : { ok: true };
}

const can = await availability();
const describePx4 = describeUnless(can.ok ? null : can.reason);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flightcheck-px4-stack-'));
const INSTANCE = px4Instance(0);

function upOptions(over: Partial<UpOptions> = {}): UpOptions {
  return { vehicles: 1, speed: 1, seed: 1, instance: INSTANCE, params: {}, artifactsDir: path.join(tmp, 'artifacts'), heartbeatTimeoutMs: 3000, ...over };
}

describePx4('containers target, px4 preset, real PX4 v1.16 and XRCE agent v2.4', () => {
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('comes up PX4 → agent session: PX4 answers as PX4 v1.16, the agent logs its session on 8888+i, PX4 publishes in its namespace, down() removes everything', async () => {
    const vars = px4Vars(upOptions(), 0);
    const stack = (await containersTarget({ stack: 'px4' }).up(upOptions())) as ContainersStack;
    const stackLabel = `${STACK_LABEL}=${stack.containers.id}`;
    try {
      const v = stack.vehicles[0]!;
      expect(v.sysId).toBe(INSTANCE + 1);
      // Real PX4 on the API port of instance i.
      const hb = await v.link.next(minimal.Heartbeat, { timeoutMs: 3000 });
      expect([hb.sysid, hb.data.autopilot, hb.data.type]).toEqual([INSTANCE + 1, minimal.MavAutopilot.PX4, minimal.MavType.QUADROTOR]);
      const version = await requestAutopilotVersion(v.link, INSTANCE + 1);
      expect(version.version).toMatch(/^1\.16\.\d+$/);
      expect(version.gitHash).toMatch(/^[0-9a-f]{16}$/);
      expect(stack.info.px4Version).toBe(`${version.version} (git ${version.gitHash})`);

      const name = (part: string) => `flightcheck-${runId()}-px4-${INSTANCE}-${part}`;
      let logs = await stack.logs();
      // The agent listens where PX4's client sends, and logs this PX4's session (client key i+1),
      // colour codes stripped.
      expect(logs[name('agent')]).toMatch(new RegExp(`running\\.\\.\\.\\s*\\| port: ${vars.agentPort}\\n`));
      expect(logs[name('agent')]).toMatch(new RegExp(`session established\\s*\\| client_key: 0x${vars.clientKey}, address: 127\\.0\\.0\\.1:`));
      expect(logs[name('agent')]).not.toContain('\x1b[');
      expect(logs[name('px4')]).toContain(`INFO  [uxrce_dds_client] init UDP agent IP:127.0.0.1, port:${vars.agentPort}`);
      // PX4 creates its DDS writers (after time sync, seconds after the session) in the namespace
      // drone_core is given for this instance: /fmu/ for instance 0, /px4_<i>/fmu/ otherwise.
      const topic = `rt${vars.px4Namespace}out/vehicle_status`;
      await stack.containers.logs.waitForLine(name('px4'), new RegExp(`successfully created ${topic.replace(/\//g, '\\/')}(_v\\d+)? data writer`), AbortSignal.timeout(20_000));
      // drone_core is bring-your-own: without its image the stack is PX4 + agent and says why.
      const droneCoreImage = configFromEnv(process.env, { stack: 'px4' }).px4.droneCoreImage;
      if (await imageExists(droneCoreImage)) {
        expect(stack.info.droneCore).toBe('running');
      } else {
        expect(stack.info.droneCore).toBe(`absent: ${droneCoreAbsentReason(droneCoreImage)}`);
        expect(stack.info.droneCore).toContain('FLIGHT_DRONE_CORE_IMAGE');
        logs = await stack.logs();
        expect(Object.keys(logs).filter((n) => n.startsWith('flightcheck-')).sort()).toEqual([name('agent'), name('px4')]);
        // No DDS peer to share memory with: the agent's /dev/shm stays its own (and goes with it).
        expect(execFileSync('docker', ['inspect', '--format', '{{.HostConfig.IpcMode}}', name('agent')], { encoding: 'utf8' }).trim()).not.toBe('host');
      }
      // PX4 schedules its threads as on a host: its timer worker and SIH SCHED_FIFO at 99 (time-
      // shared, a loaded host starved them and the simulated baro and compass went stale after arming).
      const threads = execFileSync('docker', ['exec', name('px4'), 'sh', '-c', 'for t in /proc/[0-9]*/task/*; do echo "$(cat $t/comm) $(cut -d" " -f40,41 $t/stat)"; done'], { encoding: 'utf8' });
      const sched = (comm: string) => threads.split('\n').find((l) => l.startsWith(`${comm} `))?.split(' ').slice(1).join(' ');
      expect({ hrt: sched('wkr_hrt'), sih: sched('sih') }).toEqual({ hrt: '99 1', sih: '99 1' }); // rt_priority, policy (1 = SCHED_FIFO)
      expect(stack.info.px4Scheduling).toMatch(/^real-time: \d+ of \d+ threads SCHED_FIFO\/RR \(CAP_SYS_NICE/);
      // PX4's container start → the agent's session line, bench/stack's figure (target < 10 s).
      expect(Number(stack.info.agentSessionAfterPx4StartMs)).toBeLessThan(10_000);
      expect(containersWithLabel(stackLabel)).toHaveLength(2);
    } finally {
      await stack.down();
    }
    expect(containersWithLabel(stackLabel)).toEqual([]);
  }, 60_000);

  it('fails at the agent stage, naming where PX4 sends and showing the agent log tail, when the agent listens on another port', async () => {
    const wrongPort = 8888 + INSTANCE + 1;
    const target = containersTarget({
      stack: 'px4',
      retries: 0,
      startupTimeoutMs: 8000,
      px4: { agentCommand: ['MicroXRCEAgent', 'udp4', '-p', String(wrongPort), '-v', '4'] },
    });
    const started = performance.now();
    const err = await target.up(upOptions()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StackDidNotComeUp);
    const e = err as StackDidNotComeUp;
    expect(e.stage).toBe('agent session');
    expect(e.message).toContain(`the agent saw no session of PX4 instance ${INSTANCE} (client key 0x${px4Vars(upOptions(), 0).clientKey}; PX4 sends to udp 127.0.0.1:${8888 + INSTANCE}; agent: MicroXRCEAgent udp4 -p ${wrongPort} -v 4)`);
    // The agent's own log tail, which shows the port it really listens on.
    expect(e.message).toMatch(new RegExp(`running\\.\\.\\.\\s*\\| port: ${wrongPort}\\n`));
    expect(Object.keys(e.logs).some((n) => n.endsWith('-drone-core'))).toBe(false);
    // Bounded by the stage limit, not by a test timeout.
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(containersWithLabel(`${LABEL.run}=${runId()}`)).toEqual([]);
  }, 60_000);
});

