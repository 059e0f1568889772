import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { ContainerSet, ContainersStack, imageExists, LogLineWait, ownerLabels, STACK_LABEL } from '../../sitl/containers/index.js';
import { loadTestcontainers } from '../../sitl/containers/testcontainers.js';
import { ResourceMonitor, type ResourceSample } from '../../src/resources/index.js';
import { containersWithLabel, dockerForTests } from './docker-env.js';
import { describeUnless } from '../support/skip.js';

/**
 * Container resources read from the engine's cgroups (no `docker stats`), on containers of the
 * base image doing known work: holding 60 MiB and keeping one core busy.
 */
const IMAGE = 'flightcheck/base:bookworm';
const docker = await dockerForTests();
const reason = !docker.ok ? docker.reason : (await imageExists(IMAGE)) ? null : `image ${IMAGE} is not built here (images/build.sh builds it)`;
const describeDocker = describeUnless(reason);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flightcheck-resources-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const INSTANCE = 96;
const PREFIX = `flightcheck-restest-${process.pid}`;
/** Says it is up as the agent does, then holds 60 MiB in tail's line buffer and spins a core. */
const HOG = `echo "session established client_key: 0x00000061"; (head -c 60m /dev/zero; sleep 600) | tail & while :; do :; done`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeDocker('containers: resources from the cgroup', () => {
  it('reads the memory and CPU a container uses, its start as seen ready, and its image size', async () => {
    const set = new ContainerSet('restest', path.join(tmp, 'a'), { startupTimeoutMs: 30_000, retries: 0 });
    const stack = new ContainersStack('restest', set, [], {}, { reset: async () => {} });
    const name = `${PREFIX}-agent`;
    const session = /session established/;
    let sources: ReturnType<typeof stack.resources> = [];
    try {
      await set.start({
        name,
        image: IMAGE,
        command: ['sh', '-c', HOG],
        instance: INSTANCE,
        stage: 'agent session',
        wait: new LogLineWait(session, (signal) => set.logs.waitForLine(name, session, signal)),
      });
      sources = stack.resources();
      expect(sources.map((s) => [s.component, s.vehicle])).toEqual([['xrce-agent', 0]]);
      const timeline = stack.startTimeline();
      expect(timeline).toHaveLength(1);
      expect(timeline[0]).toMatchObject({ stage: 'xrce-agent', vehicle: 0, detail: `${name}: agent session` });
      expect(timeline[0]!.readyHostMs).toBeGreaterThan(timeline[0]!.startedHostMs);
      expect(timeline[0]!.readyHostMs - timeline[0]!.startedHostMs).toBeLessThan(30_000);

      const samples: ResourceSample[] = [];
      const gone: string[] = [];
      const monitor = new ResourceMonitor(sources, { intervalMs: 250, onSample: (s) => samples.push(s), onGone: (s, why) => gone.push(why) }).start();
      // tail has its 60 MiB once head is through (well under a second); then sample the busy loop.
      await sleep(3000);
      await monitor.stop();
      expect(gone).toEqual([]);
      expect(sources[0]!.detail).toMatch(/cgroup v[12]/);
      const last = samples.at(-1)!;
      expect(last.memoryMiB).toBeGreaterThan(58);
      expect(last.memoryMiB).toBeLessThan(250);
      expect(last.memoryLimitMiB).toBeNull();
      const cpu = samples.slice(-6).flatMap((s) => (s.cpuPercent === null ? [] : [s.cpuPercent]));
      const mean = cpu.reduce((a, b) => a + b, 0) / cpu.length;
      console.log(`base container (60 MiB + a busy loop): memory ${last.memoryMiB.toFixed(1)} MiB, CPU ${mean.toFixed(1)} %, ready after ${Math.round(timeline[0]!.readyHostMs - timeline[0]!.startedHostMs)} ms`);
      // One core busy; on a loaded 2-core machine it gets less, never nothing.
      expect(mean).toBeGreaterThan(40);
      expect(mean).toBeLessThan(130);

      const sizes = await stack.imageSizes();
      expect(Object.keys(sizes)).toEqual([IMAGE]);
      expect(sizes[IMAGE]).toBeGreaterThan(10 * 2 ** 20);
    } finally {
      await stack.down();
    }
    expect(containersWithLabel(`${STACK_LABEL}=${set.id}`)).toEqual([]);
    // The cgroup went with the container; the stack runs nothing now.
    expect(await sources[0]!.read()).toBeNull();
    expect(stack.resources()).toEqual([]);
  }, 90_000);

  it('reads the memory limit a container runs under', async () => {
    const { GenericContainer } = await loadTestcontainers();
    const container = await new GenericContainer(IMAGE)
      .withName(`${PREFIX}-limited`)
      .withLabels(ownerLabels('restest', INSTANCE + 1))
      .withNetworkMode('host')
      .withCommand(['sleep', '600'])
      .withResourcesQuota({ memory: 0.25 })
      .start();
    try {
      const { cgroupSource } = await import('../../src/resources/index.js');
      const src = cgroupSource(container.getId(), 'drone_core', 1);
      const r = await src.read();
      expect(r).not.toBeNull();
      expect(r!.memoryLimitBytes).toBe(0.25 * 1024 ** 3);
      expect(r!.memoryBytes).toBeLessThan(50 * 2 ** 20);
      await container.stop({ timeout: 0, remove: true });
      expect(await src.read()).toBeNull();
    } finally {
      await container.stop({ timeout: 0, remove: true }).catch(() => {});
    }
  }, 60_000);
});
