import type { RosApi, RosApiFactory, RosClient, RosInitOptions, RosNode, RosSubscription, SubscriptionQos } from './ros-api.js';

/**
 * rclnodejs (1.x and 2.x) adapted to RosApi. Only loaded by `loadRos()` once ROS 2 is sourced and
 * rclnodejs imported; never imported statically. The shapes below are the parts of rclnodejs used.
 */

interface RclQosCtor {
  new (history: number, depth: number, reliability: number): unknown;
  HistoryPolicy: { RMW_QOS_POLICY_HISTORY_KEEP_LAST: number };
  ReliabilityPolicy: { RMW_QOS_POLICY_RELIABILITY_RELIABLE: number; RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT: number };
}

interface RclNode {
  name(): string;
  createClient(type: string, serviceName: string): RosClient;
  createSubscription(type: string, topic: string, options: { qos: unknown }, cb: (msg: unknown) => void): { topic?: string };
  destroyClient(c: unknown): void;
  destroySubscription(s: unknown): void;
  spin(timeout?: number): void;
  destroy(): void;
}

interface Rclnodejs {
  init(context?: unknown, argv?: string[]): Promise<void>;
  Context: new (domainId?: number) => { shutdown(): void };
  Node: new (name: string, namespace?: string, context?: unknown) => RclNode;
  QoS: RclQosCtor;
  shutdown(context?: unknown): void;
  DistroUtils?: { getDistroName?(): string };
}

function asRclnodejs(mod: unknown): Rclnodejs {
  const m = mod as { default?: unknown };
  const r = (m && typeof m === 'object' && 'default' in m && m.default ? m.default : mod) as Partial<Rclnodejs>;
  for (const key of ['init', 'Context', 'Node', 'QoS', 'shutdown'] as const) {
    if (!r || !(key in r)) throw new TypeError(`rclnodejs: missing export "${key}" (unsupported rclnodejs version?)`);
  }
  return r as Rclnodejs;
}

function toQos(rcl: Rclnodejs, qos: SubscriptionQos): unknown {
  const R = rcl.QoS.ReliabilityPolicy;
  const reliability = qos.reliability === 'best_effort' ? R.RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT : R.RMW_QOS_POLICY_RELIABILITY_RELIABLE;
  return new rcl.QoS(rcl.QoS.HistoryPolicy.RMW_QOS_POLICY_HISTORY_KEEP_LAST, qos.depth, reliability);
}

class RclnodejsNode implements RosNode {
  constructor(
    private readonly rcl: Rclnodejs,
    private readonly node: RclNode,
  ) {}

  get name(): string {
    return this.node.name();
  }

  createClient(type: string, serviceName: string): RosClient {
    // rclnodejs's Client already has waitForService(timeout) and sendRequest(request, callback).
    const c = this.node.createClient(type, serviceName) as RosClient & { serviceName?: string };
    return c.serviceName === serviceName ? c : Object.assign(c, { serviceName });
  }

  createSubscription(type: string, topic: string, options: { qos: SubscriptionQos }, callback: (msg: unknown) => void): RosSubscription {
    const sub = this.node.createSubscription(type, topic, { qos: toQos(this.rcl, options.qos) }, callback);
    return Object.assign(sub, { topicName: topic });
  }

  destroyClient(client: RosClient): void {
    this.node.destroyClient(client);
  }

  destroySubscription(subscription: RosSubscription): void {
    this.node.destroySubscription(subscription);
  }

  spin(): void {
    this.node.spin();
  }

  destroy(): void {
    this.node.destroy();
  }
}

class RclnodejsApi implements RosApi {
  private context: { shutdown(): void } | null = null;

  constructor(
    private readonly rcl: Rclnodejs,
    readonly distro: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async init(options: RosInitOptions = {}): Promise<void> {
    if (this.context) throw new Error('RosApi.init: already initialised');
    const fromEnv = this.env.ROS_DOMAIN_ID ? Number(this.env.ROS_DOMAIN_ID) : undefined;
    const domainId = options.domainId ?? fromEnv;
    const context = domainId === undefined ? new this.rcl.Context() : new this.rcl.Context(domainId);
    // No process argv: test-runner flags are not ROS arguments.
    await this.rcl.init(context, []);
    this.context = context;
  }

  createNode(name: string, namespace = ''): RosNode {
    if (!this.context) throw new Error('RosApi.createNode: init() first');
    return new RclnodejsNode(this.rcl, new this.rcl.Node(name, namespace, this.context));
  }

  shutdown(): void {
    const c = this.context;
    this.context = null;
    if (c) this.rcl.shutdown(c);
  }
}

export function adaptRclnodejs(mod: unknown, env: NodeJS.ProcessEnv = process.env): RosApiFactory {
  const rcl = asRclnodejs(mod);
  const distro = env.ROS_DISTRO || rcl.DistroUtils?.getDistroName?.() || 'unknown';
  return () => new RclnodejsApi(rcl, distro, env);
}
