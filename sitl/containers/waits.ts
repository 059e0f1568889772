import type { WaitStrategy } from 'testcontainers';
import { minimal } from 'node-mavlink';
import { connect, type Link, type LinkOptions } from '../../src/mavlink/index.js';

/** The part of a dockerode container the waits use (testcontainers passes the full object). */
interface InspectableContainer {
  id: string;
  inspect(): Promise<{ State?: { Running?: boolean; Status?: string; ExitCode?: number; Restarting?: boolean; OOMKilled?: boolean } }>;
}

/** A container stopped while we were waiting for it: its exit code, for the failure message. */
export class ContainerExited extends Error {
  override name = 'ContainerExited';
  constructor(
    message: string,
    /** As docker saw it when it stopped: testcontainers removes a container that failed its wait, so this is the last look. */
    readonly exit: { containerId?: string; exitCode?: number; oomKilled?: boolean } = {},
  ) {
    super(message);
  }
}

/**
 * Base of the waits below: a startup timeout like testcontainers' own strategies, and a check
 * that the container is still running, so a crash fails at once instead of at the timeout.
 */
abstract class ObservedWait implements WaitStrategy {
  protected startupTimeoutMs = 30_000;
  private timeoutSet = false;

  abstract waitUntilReady(container: InspectableContainer): Promise<void>;

  withStartupTimeout(ms: number): this {
    this.startupTimeoutMs = ms;
    this.timeoutSet = true;
    return this;
  }
  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }
  getStartupTimeout(): number {
    return this.startupTimeoutMs;
  }

  /** Polls the container's state until `signal` aborts; throws ContainerExited when it stops. */
  protected async watchRunning(container: InspectableContainer, signal: AbortSignal): Promise<never> {
    for (;;) {
      const s = (await container.inspect()).State;
      if (s && !s.Running && !s.Restarting) {
        throw new ContainerExited(`container exited (${s.Status ?? 'stopped'}, exit code ${s.ExitCode ?? '?'}${s.OOMKilled ? ', out of memory' : ''}) before it was ready`, {
          containerId: container.id,
          ...(s.ExitCode !== undefined ? { exitCode: s.ExitCode } : {}),
          ...(s.OOMKilled !== undefined ? { oomKilled: s.OOMKilled } : {}),
        });
      }
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => (clearTimeout(t), reject(signal.reason));
        const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), 200);
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }
}

/**
 * Ready when a MAVLink HEARTBEAT from an autopilot comes back on `udpout://127.0.0.1:<port>`
 * (PX4's API link port, 14580+i): we send a GCS HEARTBEAT every 200 ms, as a client would, and PX4
 * (or the sim) answers to the sender. Readiness is observed, never slept.
 */
export class HeartbeatWait extends ObservedWait {
  /** The link that saw the HEARTBEAT, when `keep` was given: the vehicle's own link from then on. */
  link: Link | null = null;

  /**
   * `keep`: open the probe as the vehicle's link with these options and hand it to `onLink` as
   * soon as it is open (before the first HEARTBEAT), so telemetry attached there misses nothing
   * and the stack does not wait for another HEARTBEAT on a second link.
   */
  constructor(
    readonly port: number,
    readonly sysId?: number,
    private readonly keep?: { options: LinkOptions; onLink: (link: Link) => void },
  ) {
    super();
  }

  async waitUntilReady(container: InspectableContainer): Promise<void> {
    await this.link?.close();
    this.link = null;
    let link: Link | null = null;
    if (this.keep) {
      link = await connect(`udpout://127.0.0.1:${this.port}`, this.keep.options);
      this.keep.onLink(link);
    }
    try {
      await probeHeartbeat(this.port, { timeoutMs: this.startupTimeoutMs, sysId: this.sysId, watch: (s) => this.watchRunning(container, s), ...(link ? { link } : {}) });
      this.link = link;
    } catch (err) {
      await link?.close();
      throw err;
    }
  }
}

/** Ready when a line of the container's output matches (e.g. the XRCE agent's `client_key` session line). */
export class LogLineWait extends ObservedWait {
  /** `what`: what the line means, to lead the timeout's message (e.g. "no session of PX4 instance 3 …"). */
  constructor(
    readonly pattern: RegExp,
    private readonly lines: (signal: AbortSignal) => Promise<string>,
    private readonly what?: string,
  ) {
    super();
  }

  async waitUntilReady(container: InspectableContainer): Promise<void> {
    const ac = new AbortController();
    const missing = `no output line matching ${this.pattern} within ${this.startupTimeoutMs} ms`;
    const timer = setTimeout(() => ac.abort(new Error(this.what ? `${this.what}: ${missing}` : missing)), this.startupTimeoutMs);
    try {
      await Promise.race([this.lines(ac.signal), this.watchRunning(container, ac.signal)]);
    } finally {
      clearTimeout(timer);
      ac.abort();
    }
  }
}

/** Ready once the container runs (compose services with nothing better to observe); a crash fails it. */
export class RunningWait extends ObservedWait {
  async waitUntilReady(container: InspectableContainer): Promise<void> {
    const s = (await container.inspect()).State;
    if (s && !s.Running && !s.Restarting && s.ExitCode !== 0) {
      throw new ContainerExited(`container exited (${s.Status ?? 'stopped'}, exit code ${s.ExitCode ?? '?'}${s.OOMKilled ? ', out of memory' : ''}) at start`, {
        containerId: container.id,
        ...(s.ExitCode !== undefined ? { exitCode: s.ExitCode } : {}),
        ...(s.OOMKilled !== undefined ? { oomKilled: s.OOMKilled } : {}),
      });
    }
  }
}

/**
 * Sends GCS HEARTBEATs to 127.0.0.1:<port> until an autopilot HEARTBEAT comes back (from `sysId`
 * when given). Resolves with the host time it took; `watch` may throw to fail early.
 */
export async function probeHeartbeat(
  port: number,
  opts: { timeoutMs: number; sysId?: number; signal?: AbortSignal; watch?: (signal: AbortSignal) => Promise<never>; link?: Link },
): Promise<number> {
  const t0 = performance.now();
  // A link of the caller's stays open afterwards; our own probe link is closed.
  const link = opts.link ?? (await connect(`udpout://127.0.0.1:${port}`, { gcsHeartbeat: false, heartbeatTimeoutMs: 0, name: `heartbeat probe :${port}` }));
  const ac = new AbortController();
  const hb = new minimal.Heartbeat();
  hb.type = minimal.MavType.GCS;
  hb.autopilot = minimal.MavAutopilot.INVALID;
  hb.mavlinkVersion = 3;
  const sendTimer = setInterval(() => link.send(hb), 200);
  link.send(hb);
  const onAbort = () => ac.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  // Our own wait (not link.next): its timer must end with the probe, whichever way it ends.
  const stops: (() => void)[] = [];
  try {
    const what = `no HEARTBEAT${opts.sysId !== undefined ? ` from sys ${opts.sysId}` : ''} on udp 127.0.0.1:${port} within ${opts.timeoutMs} ms`;
    const got = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(what)), opts.timeoutMs);
      const off = link.on(minimal.Heartbeat, (m) => {
        if (m.data.autopilot !== minimal.MavAutopilot.INVALID && (opts.sysId === undefined || m.sysid === opts.sysId)) resolve();
      });
      stops.push(() => (clearTimeout(timer), off()));
    });
    const aborted = new Promise<never>((_, reject) => {
      if (opts.signal?.aborted) reject(opts.signal.reason);
      ac.signal.addEventListener('abort', () => reject(ac.signal.reason ?? new Error('aborted')), { once: true });
    });
    await Promise.race([got, aborted, ...(opts.watch ? [opts.watch(ac.signal)] : [])]);
    return performance.now() - t0;
  } finally {
    for (const stop of stops) stop();
    opts.signal?.removeEventListener('abort', onAbort);
    clearInterval(sendTimer);
    ac.abort();
    if (!opts.link) await link.close();
  }
}
