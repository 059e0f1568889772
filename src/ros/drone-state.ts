import { hostNowMs } from '../clock/host.js';
import type { Telemetry } from '../vehicle/telemetry.js';
import { DRONE_STATE_TYPE, droneStateTopic, parseDroneState, type DroneCoreState } from './drone-core-interface.js';
import type { SubscriptionQos } from './ros-api.js';
import type { RosSession } from './session.js';

export type DroneStateSample = DroneCoreState & { stampMs: number; droneName: string; receivedMs: number };

/**
 * An extra observer: what drone_core publishes about the vehicle on `/<drone>/drone_state`
 * (drone_interfaces/msg/DroneState, 10 Hz, best effort). It is drone_core's belief, not ground
 * truth; `disagreement()` compares it with MAVLink (e.g. drone_core started before the XRCE agent
 * saw PX4 reads every state as UNKNOWN).
 */
export class DroneStateObserver {
  readonly topic: string;
  received = 0;
  malformed = 0;
  lastError: string | null = null;
  private latest_: DroneStateSample | null = null;
  private readonly listeners = new Set<(s: DroneStateSample) => void>();
  private readonly off: () => void;

  constructor(session: RosSession, drone: string, opts: { qos?: SubscriptionQos } = {}) {
    this.topic = droneStateTopic(drone);
    // drone_core publishes best effort: a reliable subscription would receive nothing.
    this.off = session.subscribe(DRONE_STATE_TYPE, this.topic, opts.qos ?? { reliability: 'best_effort', depth: 10 }, (msg) => this.onMessage(msg));
  }

  get latest(): Readonly<DroneStateSample> | null {
    return this.latest_;
  }

  onState(cb: (s: DroneStateSample) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Resolves with the first sample (the latest, or a later one) for which `predicate` holds; rejects after `timeoutMs` (host clock). */
  waitFor(predicate: (s: DroneStateSample) => boolean, timeoutMs: number, what = 'drone_state condition'): Promise<DroneStateSample> {
    return new Promise((resolve, reject) => {
      if (this.latest_ && predicate(this.latest_)) return resolve(this.latest_);
      const timer = setTimeout(() => {
        off();
        const l = this.latest_;
        reject(new Error(`${this.topic}: ${what} not seen within ${timeoutMs} ms (host clock); ${l ? `last: nav_state ${l.navState}, arming_state ${l.armingState}` : `no message received (${this.malformed} malformed)`}`));
      }, timeoutMs);
      const off = this.onState((s) => {
        if (!predicate(s)) return;
        clearTimeout(timer);
        off();
        resolve(s);
      });
    });
  }

  /** Null when drone_core's latest mode and arming agree with MAVLink; otherwise what differs. */
  disagreement(telemetry: Telemetry): string | null {
    const s = this.latest_;
    if (!s) return `no ${this.topic} received`;
    const diffs: string[] = [];
    if (s.mode !== telemetry.modeName) diffs.push(`mode: drone_core ${s.navState}, PX4 ${telemetry.modeName ?? 'unknown'}`);
    if (s.armed !== telemetry.armed) diffs.push(`arming: drone_core ${s.armingState}, PX4 ${telemetry.armed ? 'ARMED' : 'DISARMED'}`);
    return diffs.length ? diffs.join('; ') : null;
  }

  close(): void {
    this.off();
    this.listeners.clear();
  }

  private onMessage(msg: unknown): void {
    const receivedMs = hostNowMs();
    let s: DroneStateSample;
    try {
      s = { ...parseDroneState(msg), receivedMs };
    } catch (err) {
      this.malformed++;
      this.lastError = (err as Error).message;
      return;
    }
    this.received++;
    this.latest_ = s;
    for (const cb of this.listeners) cb(s);
  }
}
