/**
 * The small part of rclnodejs this project uses, as an interface: the real library is adapted to
 * it (rclnodejs-adapter.ts) where ROS 2 is sourced, and tests replace it with an in-memory
 * stand-in. Names and call shapes follow rclnodejs so the adapter stays thin.
 */

export type Reliability = 'reliable' | 'best_effort';

/** What a subscription asks of its publishers (DDS: a reliable reader gets nothing from a best-effort writer). */
export interface SubscriptionQos {
  reliability: Reliability;
  /** KEEP_LAST depth. */
  depth: number;
}

/** A service client (rclnodejs `Client`). */
export interface RosClient {
  readonly serviceName: string;
  /** Resolves true once a server is offered, false after `timeoutMs` (host clock) without one. */
  waitForService(timeoutMs: number): Promise<boolean>;
  /** Sends a request; the callback gets the response. No timeout here: callers add their own. */
  sendRequest(request: Record<string, unknown>, callback: (response: unknown) => void): void;
}

/** A subscription handle (rclnodejs `Subscription`). */
export interface RosSubscription {
  readonly topicName: string;
}

/** A node (rclnodejs `Node`). */
export interface RosNode {
  readonly name: string;
  /** `type` as 'pkg/srv/Name', e.g. 'std_srvs/srv/Trigger'. */
  createClient(type: string, serviceName: string): RosClient;
  /** `type` as 'pkg/msg/Name'; messages arrive as plain objects with snake_case fields. */
  createSubscription(type: string, topic: string, options: { qos: SubscriptionQos }, callback: (msg: unknown) => void): RosSubscription;
  destroyClient(client: RosClient): void;
  destroySubscription(subscription: RosSubscription): void;
  /** Starts processing callbacks in the background (rclnodejs `node.spin()`, non-blocking). */
  spin(): void;
  destroy(): void;
}

export interface RosInitOptions {
  /** DDS domain (ROS_DOMAIN_ID) of this context; default the environment's, else 0. */
  domainId?: number;
}

/** One ROS 2 context: init once, then nodes; shutdown ends the context and its nodes. */
export interface RosApi {
  /** The ROS 2 distro the library runs against ('humble', …), for reports. */
  readonly distro: string;
  init(options?: RosInitOptions): Promise<void>;
  createNode(name: string, namespace?: string): RosNode;
  shutdown(): void;
}

/** Makes a fresh RosApi (one context each); what `loadRos()` returns. */
export type RosApiFactory = () => RosApi;
