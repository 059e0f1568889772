/**
 * Loading ROS 2 lazily (never without ROS_DISTRO / AMENT_PREFIX_PATH), the rclnodejs adapter's
 * mapping, and RosSession's per-call timeouts, against the in-memory rclnodejs stand-in.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { hostNowMs } from '../../src/clock/host.js';
import { loadRos, NOT_INSTALLED, NOT_SOURCED, rosUnavailableReason } from '../../src/ros/availability.js';
import { TRIGGER_TYPE } from '../../src/ros/drone-core-interface.js';
import { DroneCoreTimeout, RosUnavailable } from '../../src/ros/errors.js';
import { adaptRclnodejs } from '../../src/ros/rclnodejs-adapter.js';
import { RosSession } from '../../src/ros/session.js';
import { generatedSetPosition, rosRequirements } from '../../src/ros/status.js';
import { NO_REPLY, StandInRosGraph } from './rclnodejs-stand-in.js';

const SOURCED = { ROS_DISTRO: 'humble', AMENT_PREFIX_PATH: '/opt/ros/humble' };
const found = (id: string) => `/opt/app/node_modules/${id}`;
const missing = (id: string): string => {
  throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
};

describe('loading rclnodejs', () => {
  it('never imports rclnodejs when ROS 2 is not sourced', async () => {
    const imported: string[] = [];
    const importer = async (id: string) => {
      imported.push(id);
      return {};
    };
    const err = await loadRos({ env: {}, importer }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RosUnavailable);
    expect((err as RosUnavailable).reason).toBe('not-sourced');
    expect((err as Error).message).toBe(NOT_SOURCED);
    expect(imported).toEqual([]);
  });

  it('AMENT_PREFIX_PATH alone counts as sourced', () => {
    expect(rosUnavailableReason({ env: { AMENT_PREFIX_PATH: '/opt/ros/jazzy' }, resolve: found })).toBeNull();
    expect(rosUnavailableReason({ env: {}, resolve: found })).toBe(NOT_SOURCED);
    expect(rosUnavailableReason({ env: SOURCED, resolve: missing })).toBe(NOT_INSTALLED);
  });

  it('sourced but not installed: one line saying so', async () => {
    const importer = async (id: string) => {
      throw Object.assign(new Error(`Cannot find package '${id}' imported from /x.js`), { code: 'ERR_MODULE_NOT_FOUND' });
    };
    const err = (await loadRos({ env: SOURCED, importer }).catch((e: unknown) => e)) as RosUnavailable;
    expect(err.reason).toBe('not-installed');
    expect(err.message).toBe(NOT_INSTALLED);
  });

  it('a native-load failure names the distro and the fix, on one line', async () => {
    const importer = async () => {
      throw new Error('librcl.so: cannot open shared object file\n    at Module._extensions');
    };
    const err = (await loadRos({ env: SOURCED, importer }).catch((e: unknown) => e)) as RosUnavailable;
    expect(err.reason).toBe('load-failed');
    expect(err.message).toMatch(/ROS_DISTRO=humble: librcl\.so: cannot open shared object file — rebuild it/);
    expect(err.message).not.toMatch(/\n/);
  });

  it('this machine: no ROS 2, and importing the ros module loads nothing', async () => {
    const mod = await import('../../src/ros/index.js');
    expect(typeof mod.DroneCorePilot).toBe('function');
    if (!process.env.ROS_DISTRO && !process.env.AMENT_PREFIX_PATH) {
      await expect(RosSession.open()).rejects.toThrow(NOT_SOURCED);
    }
  });
});

describe('the rclnodejs adapter (a module-shaped stand-in of rclnodejs)', () => {
  function fakeRclnodejs() {
    const log: unknown[][] = [];
    class QoS {
      static HistoryPolicy = { RMW_QOS_POLICY_HISTORY_KEEP_LAST: 1 };
      static ReliabilityPolicy = { RMW_QOS_POLICY_RELIABILITY_RELIABLE: 1, RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT: 2 };
      constructor(
        readonly history: number,
        readonly depth: number,
        readonly reliability: number,
      ) {}
    }
    class Context {
      constructor(readonly domainId?: number) {
        log.push(['Context', domainId]);
      }
      shutdown() {}
    }
    class Node {
      constructor(
        private readonly n: string,
        ns: string,
        ctx: Context,
      ) {
        log.push(['Node', n, ns, ctx.domainId]);
      }
      name() {
        return this.n;
      }
      createClient(type: string, service: string) {
        log.push(['createClient', type, service]);
        return { waitForService: async () => true, sendRequest: () => undefined };
      }
      createSubscription(type: string, topic: string, options: { qos: QoS }) {
        log.push(['createSubscription', type, topic, options.qos]);
        return {};
      }
      destroyClient() {}
      destroySubscription() {}
      spin() {
        log.push(['spin']);
      }
      destroy() {}
    }
    const rcl = {
      init: async (ctx: Context, argv: string[]) => void log.push(['init', ctx.domainId, argv]),
      shutdown: (ctx: Context) => void log.push(['shutdown', ctx.domainId]),
      Context,
      Node,
      QoS,
    };
    return { mod: { default: rcl }, log };
  }

  it('maps init/domain, nodes, clients and QoS onto rclnodejs calls', async () => {
    const { mod, log } = fakeRclnodejs();
    const api = adaptRclnodejs(mod, { ROS_DISTRO: 'jazzy' })();
    expect(api.distro).toBe('jazzy');
    await api.init({ domainId: 42 });
    const node = api.createNode('flightcheck_1');
    expect(node.name).toBe('flightcheck_1');
    const client = node.createClient(TRIGGER_TYPE, '/drone1/arm');
    expect(client.serviceName).toBe('/drone1/arm');
    node.createSubscription('visualization_msgs/msg/MarkerArray', '/drone1/detected_objects', { qos: { reliability: 'best_effort', depth: 5 } }, () => undefined);
    node.createSubscription('drone_interfaces/msg/DroneState', '/drone1/drone_state', { qos: { reliability: 'reliable', depth: 1 } }, () => undefined);
    api.shutdown();
    expect(log).toEqual([
      ['Context', 42],
      // No process argv: Jest's flags are not ROS arguments.
      ['init', 42, []],
      ['Node', 'flightcheck_1', '', 42],
      ['createClient', TRIGGER_TYPE, '/drone1/arm'],
      ['createSubscription', 'visualization_msgs/msg/MarkerArray', '/drone1/detected_objects', { history: 1, depth: 5, reliability: 2 }],
      ['createSubscription', 'drone_interfaces/msg/DroneState', '/drone1/drone_state', { history: 1, depth: 1, reliability: 1 }],
      ['shutdown', 42],
    ]);
  });

  it('an rclnodejs without the expected exports is named', () => {
    expect(() => adaptRclnodejs({ init() {} })).toThrow(/rclnodejs: missing export "Context"/);
  });
});

describe('RosSession (stand-in graph)', () => {
  let graph: StandInRosGraph;
  let session: RosSession | null = null;
  afterEach(async () => {
    await session?.close();
    session = null;
    graph?.close();
  });

  it('calls a service on its own domain and caches the client', async () => {
    graph = new StandInRosGraph();
    graph.advertise(3, '/drone1/arm', TRIGGER_TYPE, () => ({ success: true, message: 'ok' }));
    session = await RosSession.open({ api: graph.factory(), domainId: 3 });
    const t = { discoveryTimeoutMs: 200, responseTimeoutMs: 500 };
    expect(await session.call(TRIGGER_TYPE, '/drone1/arm', {}, t)).toEqual({ success: true, message: 'ok' });
    expect(await session.call(TRIGGER_TYPE, '/drone1/arm', {}, t)).toEqual({ success: true, message: 'ok' });
    expect(graph.contexts[0]!.nodes[0]!.clients).toHaveLength(1);
    expect(graph.calls.map((c) => [c.domainId, c.service])).toEqual([[3, '/drone1/arm'], [3, '/drone1/arm']]);
  });

  it('discovery timeout: a service on another domain is not found, and the error names the domain', async () => {
    graph = new StandInRosGraph();
    graph.advertise(0, '/drone1/arm', TRIGGER_TYPE, () => ({ success: true, message: '' }));
    session = await RosSession.open({ api: graph.factory(), domainId: 5 });
    const t0 = hostNowMs();
    const err = (await session.call(TRIGGER_TYPE, '/drone1/arm', {}, { discoveryTimeoutMs: 150, responseTimeoutMs: 1000 }).catch((e: unknown) => e)) as DroneCoreTimeout;
    const waited = hostNowMs() - t0;
    expect(err).toBeInstanceOf(DroneCoreTimeout);
    expect(err.phase).toBe('discovery');
    expect(err.message).toMatch(/\/drone1\/arm not available within 150 ms \(host clock\): is drone_core running on ROS_DOMAIN_ID 5\?/);
    expect(waited).toBeGreaterThanOrEqual(149);
    expect(waited).toBeLessThan(1000);
  });

  it('response timeout: a service that never answers fails after the per-call limit, and a late answer is dropped', async () => {
    graph = new StandInRosGraph();
    let release: (v: unknown) => void = () => undefined;
    graph.advertise(0, '/drone1/land', TRIGGER_TYPE, () => new Promise((r) => (release = r)));
    graph.advertise(0, '/drone1/disarm', TRIGGER_TYPE, () => NO_REPLY);
    session = await RosSession.open({ api: graph.factory(), domainId: 0 });
    const t0 = hostNowMs();
    const err = (await session.call(TRIGGER_TYPE, '/drone1/land', {}, { discoveryTimeoutMs: 500, responseTimeoutMs: 200 }).catch((e: unknown) => e)) as DroneCoreTimeout;
    expect(err.phase).toBe('response');
    expect(err.message).toBe('drone_core service /drone1/land did not answer within 200 ms (host clock)');
    expect(hostNowMs() - t0).toBeGreaterThanOrEqual(199);
    release({ success: true, message: 'late' });
    await expect(session.call(TRIGGER_TYPE, '/drone1/disarm', {}, { discoveryTimeoutMs: 500, responseTimeoutMs: 100 })).rejects.toMatchObject({ name: 'DroneCoreTimeout', phase: 'response' });
  });

  it('rejects a bad domain id before initialising anything', async () => {
    graph = new StandInRosGraph();
    await expect(RosSession.open({ api: graph.factory(), domainId: 300 })).rejects.toThrow(/ROS 2 domain id: must be an integer 0\.\.232, got 300/);
    await expect(RosSession.open({ api: graph.factory(), env: { ROS_DOMAIN_ID: 'x' } })).rejects.toThrow(/got x/);
    expect(graph.contexts.every((c) => c.domainId === null)).toBe(true);
  });

  it('close() destroys the node, shuts the context down, and is safe twice', async () => {
    graph = new StandInRosGraph();
    const s = await RosSession.open({ api: graph.factory() });
    const off = s.subscribe('std_msgs/msg/String', '/x', { reliability: 'reliable', depth: 1 }, () => undefined);
    expect(graph.subscriptionsOn('/x')).toHaveLength(1);
    await s.close();
    await s.close();
    off();
    expect(graph.subscriptionsOn('/x')).toHaveLength(0);
    expect(graph.contexts[0]!.shutdownCalls).toBe(1);
    expect(() => s.client(TRIGGER_TYPE, '/drone1/arm')).toThrow(/ROS 2 session closed: cannot use \/drone1\/arm/);
  });
});

describe('doctor: ROS 2 status', () => {
  const noRun = async () => {
    throw new Error('must not run a command');
  };

  it('without ROS 2: says not sourced and does not probe further', async () => {
    const reqs = await rosRequirements({ env: {}, resolve: missing, run: noRun });
    expect(reqs.map((r) => [r.what, r.ok])).toEqual([
      ['ROS 2 (drone_core pilot, detector topic)', false],
      ['rclnodejs', false],
      ['drone_interfaces for rclnodejs', false],
    ]);
    expect(reqs[0]!.detail).toMatch(/not sourced.*skipped/);
    expect(reqs[2]!.detail).toBe('not checked: ROS 2 is not sourced');
  });

  it('sourced, rclnodejs present, interfaces not generated but known to ROS 2: says which command generates them', async () => {
    const calls: string[][] = [];
    const reqs = await rosRequirements({
      env: { ROS_DISTRO: 'humble' },
      resolve: () => '/nonexistent/rclnodejs/package.json',
      run: async (cmd, args) => {
        calls.push([cmd, ...args]);
        return { ok: true, stdout: 'float32 x\n' };
      },
    });
    expect(reqs[0]).toMatchObject({ ok: true, detail: 'ROS_DISTRO=humble' });
    expect(reqs[1]).toMatchObject({ ok: true });
    expect(reqs[2]).toMatchObject({ ok: false });
    expect(reqs[2]!.detail).toMatch(/known to ROS 2 .* not generated for rclnodejs: npx generate-ros-messages/);
    expect(calls).toEqual([['ros2', 'interface', 'show', 'drone_interfaces/srv/SetPosition']]);
  });

  it('sourced, interfaces unknown: says to build ros_ws', async () => {
    const reqs = await rosRequirements({ env: { ROS_DISTRO: 'jazzy' }, resolve: missing, run: async () => ({ ok: false, stdout: '' }) });
    expect(reqs[1]!.detail).toBe(NOT_INSTALLED);
    expect(reqs[2]!.detail).toMatch(/build ros_ws \(colcon build\)/);
  });

  it('sourced, drone_interfaces generated in rclnodejs: ok, without running ros2', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rclnodejs-'));
    try {
      fs.mkdirSync(path.join(dir, 'generated', 'drone_interfaces'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ version: '1.9.0' }));
      expect(generatedSetPosition(dir)).toEqual([]);
      for (const f of ['drone_interfaces__srv__SetPosition.js', 'drone_interfaces__srv__SetPosition_Request.js', 'drone_interfaces__msg__DroneState.js']) {
        fs.writeFileSync(path.join(dir, 'generated', 'drone_interfaces', f), '');
      }
      expect(generatedSetPosition(dir).sort()).toEqual(['drone_interfaces__srv__SetPosition.js', 'drone_interfaces__srv__SetPosition_Request.js']);
      const reqs = await rosRequirements({ env: { ROS_DISTRO: 'humble' }, resolve: () => path.join(dir, 'package.json'), run: noRun });
      expect(reqs[1]).toMatchObject({ ok: true, detail: `1.9.0 at ${dir}` });
      expect(reqs[2]).toMatchObject({ ok: true, detail: `generated (${path.join(dir, 'generated', 'drone_interfaces')})` });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
