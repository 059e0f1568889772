/** One reading of what a component of the stack uses, cumulative where it can be. */
export interface ResourceReading {
  /** CPU time used so far (user + system), in seconds: the rate comes from two readings. */
  cpuSeconds: number;
  /** Resident memory (a process tree's RSS, or a cgroup's working set), in bytes. */
  memoryBytes: number;
  /** The memory limit it runs under, in bytes; null when there is none. */
  memoryLimitBytes: number | null;
}

/**
 * Something of the stack whose resources can be read. `component` names the part without its
 * instance ('px4', 'xrce-agent', 'drone_core', 'sim'), `vehicle` the vehicle index in the stack
 * (0-based), so a budget can address one part on every vehicle ("the agent") or on one.
 */
export interface ResourceSource {
  readonly component: string;
  readonly vehicle: number;
  /** Where it is read from, for messages ("pid 1234", "cgroup v1 docker/ab12…"). */
  readonly detail: string;
  /** The current reading; null once the thing is gone. */
  read(): Promise<ResourceReading | null>;
}

/** One sample of a source, as the monitor hands it out. */
export interface ResourceSample {
  component: string;
  vehicle: number;
  /** CPU use since the source's previous reading: 100 = one core busy; null on its first reading. */
  cpuPercent: number | null;
  memoryMiB: number;
  memoryLimitMiB: number | null;
  /** When it was read (host clock, ms: src/clock hostNowMs). */
  hostTimeMs: number;
}

/** One stage of a stack's start, as it happened (host clock, ms: src/clock hostNowMs). */
export interface StartStage {
  /** The component that started ('px4', 'xrce-agent', 'drone_core', 'px4 armable', …). */
  stage: string;
  vehicle: number;
  startedHostMs: number;
  /** When it was seen ready: a HEARTBEAT, the agent's session line, a ready log line. */
  readyHostMs: number;
  /** What "ready" meant here, and retries if there were any. */
  detail?: string;
}

/** `px4[0]`: a source's name in messages and reports. */
export function resourceKey(s: { component: string; vehicle: number }): string {
  return `${s.component}[${s.vehicle}]`;
}
