import { loadRos } from './availability.js';
import { DroneCoreTimeout } from './errors.js';
import type { RosApi, RosApiFactory, RosClient, RosNode, SubscriptionQos } from './ros-api.js';

export interface RosSessionOptions {
  /** Node name (default `flightcheck_<pid>`). */
  nodeName?: string;
  /** DDS domain; default ROS_DOMAIN_ID, else 0. The containers target puts each stack on its own. */
  domainId?: number;
  /** The ROS API to use (a stand-in in tests); default rclnodejs via `loadRos()`. */
  api?: RosApi | RosApiFactory;
  env?: NodeJS.ProcessEnv;
}

export interface CallTimeouts {
  /** How long to wait for the service to be offered the first time (host clock). */
  discoveryTimeoutMs: number;
  /** How long to wait for the response (host clock). */
  responseTimeoutMs: number;
}

/**
 * One ROS 2 context and node of the test process, spinning: clients are cached per service,
 * subscriptions are closed by the function they return, and `close()` ends it all.
 */
export class RosSession {
  private readonly clients = new Map<string, RosClient>();
  private readonly offered = new Set<string>();
  private readonly subscriptions = new Set<() => void>();
  private closed = false;

  private constructor(
    readonly api: RosApi,
    readonly node: RosNode,
    readonly domainId: number,
  ) {}

  /** Initialises ROS 2 and starts a spinning node; RosUnavailable when ROS 2 cannot be used here. */
  static async open(options: RosSessionOptions = {}): Promise<RosSession> {
    const env = options.env ?? process.env;
    const source = options.api ?? (await loadRos({ env }));
    const api = typeof source === 'function' ? source() : source;
    const domainId = options.domainId ?? (env.ROS_DOMAIN_ID ? Number(env.ROS_DOMAIN_ID) : 0);
    if (!Number.isInteger(domainId) || domainId < 0 || domainId > 232) {
      throw new RangeError(`ROS 2 domain id: must be an integer 0..232, got ${options.domainId ?? env.ROS_DOMAIN_ID}`);
    }
    await api.init({ domainId });
    let node: RosNode;
    try {
      node = api.createNode(options.nodeName ?? `flightcheck_${process.pid}`);
      node.spin();
    } catch (err) {
      api.shutdown();
      throw err;
    }
    return new RosSession(api, node, domainId);
  }

  get distro(): string {
    return this.api.distro;
  }

  /** The client of a service (one per name, created on first use). */
  client(type: string, service: string): RosClient {
    this.assertOpen(service);
    let c = this.clients.get(service);
    if (!c) {
      c = this.node.createClient(type, service);
      this.clients.set(service, c);
    }
    return c;
  }

  /**
   * Calls a service: waits for it to be offered (once per service), sends the request and waits
   * for the response; DroneCoreTimeout names which of the two did not happen in time. A response
   * arriving after the timeout is dropped.
   */
  async call(type: string, service: string, request: Record<string, unknown>, timeouts: CallTimeouts): Promise<unknown> {
    const client = this.client(type, service);
    if (!this.offered.has(service)) {
      const ok = await client.waitForService(timeouts.discoveryTimeoutMs);
      if (!ok) throw new DroneCoreTimeout(service, 'discovery', timeouts.discoveryTimeoutMs, this.domainId);
      this.offered.add(service);
    }
    this.assertOpen(service);
    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new DroneCoreTimeout(service, 'response', timeouts.responseTimeoutMs, this.domainId));
      }, timeouts.responseTimeoutMs);
      try {
        client.sendRequest(request, (response) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(response);
        });
      } catch (err) {
        settled = true;
        clearTimeout(timer);
        reject(err);
      }
    });
  }

  /** Subscribes; returns the function that unsubscribes. */
  subscribe(type: string, topic: string, qos: SubscriptionQos, callback: (msg: unknown) => void): () => void {
    this.assertOpen(topic);
    const sub = this.node.createSubscription(type, topic, { qos }, callback);
    let done = false;
    const off = () => {
      if (done) return;
      done = true;
      this.subscriptions.delete(off);
      if (!this.closed) this.node.destroySubscription(sub);
    };
    this.subscriptions.add(off);
    return off;
  }

  /** Destroys the clients, subscriptions and node, and shuts the context down. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const off of [...this.subscriptions]) off();
    for (const c of this.clients.values()) this.node.destroyClient(c);
    this.clients.clear();
    this.closed = true;
    try {
      this.node.destroy();
    } finally {
      this.api.shutdown();
    }
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new Error(`ROS 2 session closed: cannot use ${what}`);
  }
}
