/**
 * A stand-in for the parts of rclnodejs the ROS adapter uses (the RosApi interface), in memory:
 * one graph per test in which nodes of any number of contexts offer services and publish topics.
 * It keeps the DDS behaviours the adapter depends on: a context per domain id (no cross-domain
 * traffic), service types must match to connect, a reliable subscription receives nothing from a
 * best-effort publisher, callbacks only run on spinning nodes, delivery is asynchronous, and a
 * service that never answers leaves the request pending.
 */
import type { RosApi, RosApiFactory, RosClient, RosInitOptions, RosNode, RosSubscription, SubscriptionQos, Reliability } from '../../src/ros/ros-api.js';

/** What a stand-in service does with a request: answer (sync or async), or never answer ('no-reply'). */
export type StandInHandler = (request: Record<string, unknown>) => unknown | Promise<unknown>;
export const NO_REPLY = Symbol('no-reply');

interface Server {
  domainId: number;
  type: string;
  handler: StandInHandler;
}

interface Sub {
  domainId: number;
  type: string;
  topic: string;
  qos: SubscriptionQos;
  node: StandInNode;
  callback: (msg: unknown) => void;
}

export interface RecordedCall {
  domainId: number;
  service: string;
  type: string;
  request: Record<string, unknown>;
}

export class StandInRosGraph {
  readonly calls: RecordedCall[] = [];
  /** Messages dropped because the subscriber's node was not spinning. */
  droppedNotSpinning = 0;
  readonly contexts: StandInRos[] = [];
  private readonly servers = new Map<string, Server[]>();
  readonly subscriptions = new Set<Sub>();
  private readonly timers = new Set<NodeJS.Immediate>();

  /** A RosApi factory whose APIs live in this graph (each call: a new context). */
  factory(distro = 'humble'): RosApiFactory {
    return () => {
      const api = new StandInRos(this, distro);
      this.contexts.push(api);
      return api;
    };
  }

  /** Offers a service (as drone_core would) on a domain; returns the function that withdraws it. */
  advertise(domainId: number, service: string, type: string, handler: StandInHandler): () => void {
    const list = this.servers.get(service) ?? [];
    const s: Server = { domainId, type, handler };
    list.push(s);
    this.servers.set(service, list);
    return () => {
      const l = this.servers.get(service);
      if (l) this.servers.set(service, l.filter((x) => x !== s));
    };
  }

  /** Publishes a message on a domain with the publisher's reliability. Delivery is asynchronous. */
  publish(domainId: number, topic: string, type: string, msg: unknown, reliability: Reliability = 'reliable'): number {
    let matched = 0;
    for (const sub of this.subscriptions) {
      if (sub.domainId !== domainId || sub.topic !== topic || sub.type !== type) continue;
      // DDS request/offered: a reliable reader does not match a best-effort writer.
      if (sub.qos.reliability === 'reliable' && reliability === 'best_effort') continue;
      matched++;
      this.later(() => {
        if (!this.subscriptions.has(sub)) return;
        if (!sub.node.spinning) {
          this.droppedNotSpinning++;
          return;
        }
        sub.callback(structuredClone(msg));
      });
    }
    return matched;
  }

  /** Subscriptions on a topic (for asserting QoS). */
  subscriptionsOn(topic: string): { type: string; qos: SubscriptionQos; domainId: number }[] {
    return [...this.subscriptions].filter((s) => s.topic === topic).map((s) => ({ type: s.type, qos: s.qos, domainId: s.domainId }));
  }

  server(domainId: number, service: string, type: string): Server | undefined {
    return this.servers.get(service)?.find((s) => s.domainId === domainId && s.type === type);
  }

  later(fn: () => void): void {
    const t = setImmediate(() => {
      this.timers.delete(t);
      fn();
    });
    this.timers.add(t);
  }

  /** Cancels pending deliveries. */
  close(): void {
    for (const t of this.timers) clearImmediate(t);
    this.timers.clear();
    this.subscriptions.clear();
  }
}

export class StandInRos implements RosApi {
  domainId: number | null = null;
  shutdownCalls = 0;
  readonly nodes: StandInNode[] = [];

  constructor(
    readonly graph: StandInRosGraph,
    readonly distro: string,
  ) {}

  async init(options: RosInitOptions = {}): Promise<void> {
    if (this.domainId !== null) throw new Error('The context has already been initialized.');
    this.domainId = options.domainId ?? 0;
  }

  createNode(name: string, namespace = ''): RosNode {
    if (this.domainId === null) throw new Error('createNode: the context is not initialised');
    const node = new StandInNode(this.graph, this.domainId, namespace ? `${namespace}/${name}` : name);
    this.nodes.push(node);
    return node;
  }

  shutdown(): void {
    this.shutdownCalls++;
    for (const n of this.nodes) n.destroy();
    this.domainId = null;
  }
}

class StandInClient implements RosClient {
  constructor(
    private readonly node: StandInNode,
    readonly type: string,
    readonly serviceName: string,
  ) {}

  async waitForService(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (this.node.graph.server(this.node.domainId, this.serviceName, this.type)) return true;
      if (Date.now() >= until) return false;
      await new Promise((r) => setTimeout(r, Math.min(10, Math.max(1, until - Date.now()))));
    }
  }

  sendRequest(request: Record<string, unknown>, callback: (response: unknown) => void): void {
    if (this.node.destroyed) throw new Error(`client of ${this.serviceName}: node destroyed`);
    const graph = this.node.graph;
    graph.calls.push({ domainId: this.node.domainId, service: this.serviceName, type: this.type, request: structuredClone(request) });
    const server = graph.server(this.node.domainId, this.serviceName, this.type);
    // No server: the request is lost, as when a service disappears after discovery.
    if (!server) return;
    graph.later(() => {
      void Promise.resolve()
        .then(() => server.handler(structuredClone(request)))
        .then((response) => {
          if (response === NO_REPLY || this.node.destroyed) return;
          graph.later(() => {
            if (this.node.spinning && !this.node.destroyed) callback(structuredClone(response));
          });
        });
    });
  }
}

export class StandInNode implements RosNode {
  spinning = false;
  destroyed = false;
  readonly clients: StandInClient[] = [];
  private readonly subs = new Set<Sub>();

  constructor(
    readonly graph: StandInRosGraph,
    readonly domainId: number,
    readonly name: string,
  ) {}

  createClient(type: string, serviceName: string): RosClient {
    this.check();
    const c = new StandInClient(this, type, serviceName);
    this.clients.push(c);
    return c;
  }

  createSubscription(type: string, topic: string, options: { qos: SubscriptionQos }, callback: (msg: unknown) => void): RosSubscription {
    this.check();
    const sub: Sub = { domainId: this.domainId, type, topic, qos: { ...options.qos }, node: this, callback };
    this.subs.add(sub);
    this.graph.subscriptions.add(sub);
    return Object.assign(Object.create(null) as object, { topicName: topic, sub }) as RosSubscription;
  }

  destroyClient(client: RosClient): void {
    const i = this.clients.indexOf(client as StandInClient);
    if (i >= 0) this.clients.splice(i, 1);
  }

  destroySubscription(subscription: RosSubscription): void {
    const sub = (subscription as unknown as { sub: Sub }).sub;
    this.subs.delete(sub);
    this.graph.subscriptions.delete(sub);
  }

  spin(): void {
    this.check();
    if (this.spinning) throw new Error('The node is already spinning.');
    this.spinning = true;
  }

  destroy(): void {
    for (const s of this.subs) this.graph.subscriptions.delete(s);
    this.subs.clear();
    this.spinning = false;
    this.destroyed = true;
  }

  private check(): void {
    if (this.destroyed) throw new Error(`node ${this.name} destroyed`);
  }
}
