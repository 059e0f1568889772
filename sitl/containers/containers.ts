import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pRetry, { AbortError } from 'p-retry';
import type { StartedTestContainer, WaitStrategy } from 'testcontainers';
import { onCleanup } from '../../src/lifecycle/cleanup.js';
import { ContainerOomKilled, StackDidNotComeUp } from '../../src/targets/target.js';
import { docker, listContainers, removeContainers } from './docker.js';
import { ownerLabels } from './identity.js';
import { LogBook } from './logs.js';
import { formatLimit, type AppliedLimit, type ContainerRole, type ResolvedProfile } from './profiles.js';
import { loadTestcontainers } from './testcontainers.js';
import { componentOf, type ContainerStart } from './resources.js';
import { hostNowMs } from '../../src/clock/host.js';
import { ContainerExited } from './waits.js';

/** Label shared by every container of one stack (a process may run several stacks one after another). */
export const STACK_LABEL = 'flightcheck.stack';
/** Pid of the stack's watchdog (see `startWatchdog`). */
export const WATCHDOG_LABEL = 'flightcheck.watchdog';

export interface ContainerSpec {
  /** Container name (also the key of its log). */
  name: string;
  image: string;
  command?: string[];
  env?: Record<string, string>;
  instance: number;
  /** The stage this container belongs to, for failure messages ("px4", "agent", …). */
  stage: string;
  wait: WaitStrategy;
  /** Share the host's IPC namespace (/dev/shm): Fast DDS talks over shared memory between processes it takes to be on one host. */
  ipcHost?: boolean;
  /**
   * The process runs its threads at real-time priorities, as PX4 does on a host (SCHED_FIFO: its
   * timer worker and simulator at 99): the container gets CAP_SYS_NICE and, on an engine with
   * real-time group scheduling, this share of each CPU's real-time time. Without them PX4 runs
   * every thread time-shared, and on a loaded host its timer worker falls behind the simulator:
   * baro, compass and GPS go stale right after arming and PX4 blind-lands.
   */
  realtimeShare?: number;
  /** What it runs, for the resource profile (its limits) and for failure messages. */
  role?: ContainerRole;
}

/** Real-time period of a container's CPU budget (µs): short, so a group over its share waits a few ms, not most of a second. */
const RT_PERIOD_US = 10_000;

/** How a container with `realtimeShare` is scheduled, as started; for the stack's info. */
export interface RealtimeOutcome {
  detail: string;
}

/**
 * The containers of one stack: started through testcontainers (host network, labelled, named,
 * output followed into a LogBook), retried with p-retry when a start fails, and removed by
 * `removeAll()`, by the cleanup hooks on SIGINT/SIGTERM/exit, or — if this process is killed —
 * by the reaper at the next start.
 */
export class ContainerSet {
  readonly id = randomBytes(6).toString('hex');
  readonly logs: LogBook;
  private readonly started = new Map<string, StartedTestContainer>();
  private readonly unregister: () => void;
  private readonly watchdog: ChildProcess | null;
  private removed = false;
  /** Per container started with `realtimeShare`: how it is scheduled. */
  readonly realtime = new Map<string, RealtimeOutcome>();
  /** Every container start that came up, in order (kept after it stops): the start timeline. */
  readonly starts: ContainerStart[] = [];
  /** Per container: the resource limits it was started with (from the profile). */
  readonly limits = new Map<string, AppliedLimit>();
  private readonly specs = new Map<string, ContainerSpec>();
  /** Containers being stopped by us: their exit is no failure. */
  private readonly stopping = new Set<string>();
  /** Containers the kernel's OOM killer hit (docker's `oom` event), by name. */
  private readonly oomSeen = new Set<string>();
  /** docker's event stream for this stack (in-process: it ends with this process, however it ends). */
  private events: NodeJS.ReadableStream | null = null;
  private readonly eventsReady: Promise<void>;
  private readonly failureListeners = new Set<(err: Error, container: string) => void>();
  private failure_: Error | null = null;
  private failedContainer = '';

  constructor(
    readonly preset: string,
    artifactsDir: string | null,
    private readonly opts: { startupTimeoutMs: number; retries: number; signal?: AbortSignal; resources?: ResolvedProfile },
  ) {
    this.logs = new LogBook(artifactsDir ? path.join(artifactsDir, 'containers') : null);
    // A signal runs the async hook; a plain exit (an uncaught error) can only run synchronous code.
    this.unregister = onCleanup(`containers ${preset} stack ${this.id}`, () => this.removeAll(), {
      sync: () => {
        try {
          const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=${STACK_LABEL}=${this.id}`], { encoding: 'utf8', timeout: 10_000 })
            .split('\n')
            .filter(Boolean);
          if (ids.length > 0) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore', timeout: 20_000 });
        } catch {
          // The reaper removes them at the next start.
        }
      },
    });
    this.watchdog = startWatchdog(this.id);
    this.eventsReady = this.watchEvents();
  }

  /** The profile the containers are limited by, if any. */
  get resources(): ResolvedProfile | undefined {
    return this.opts.resources;
  }

  /** The first container that died while the stack ran (OOM-killed: ContainerOomKilled), or null. */
  get failure(): Error | null {
    return this.failure_;
  }

  /** Called when a started container dies without being stopped by us (ContainerOomKilled when the OOM killer did it). */
  onFailure(cb: (err: Error, container: string) => void): () => void {
    if (this.failure_) {
      const [err, name] = [this.failure_, this.failedContainer];
      queueMicrotask(() => cb(err, name));
    }
    this.failureListeners.add(cb);
    return () => this.failureListeners.delete(cb);
  }

  /**
   * Follows docker's events for this stack's containers: `oom` (the kernel's OOM killer hit one)
   * and `die`. A container that dies after it came up is a failure of the stack, named at once
   * rather than found later as a silent link or a timeout.
   */
  private async watchEvents(): Promise<void> {
    try {
      const { getContainerRuntimeClient } = await loadTestcontainers();
      const client = await getContainerRuntimeClient();
      const stream = await client.container.dockerode.getEvents({ filters: { type: ['container'], label: [`${STACK_LABEL}=${this.id}`] } });
      if (this.removed) {
        (stream as unknown as { destroy(): void }).destroy();
        return;
      }
      this.events = stream;
      stream.on('error', () => {});
      createInterface({ input: stream }).on('line', (line) => {
        let e: { status?: string; Action?: string; Actor?: { Attributes?: Record<string, string> } };
        try {
          e = JSON.parse(line) as typeof e;
        } catch {
          return;
        }
        const name = e.Actor?.Attributes?.name;
        const action = e.status ?? e.Action;
        if (!name) return;
        if (action === 'oom') this.oomSeen.add(name);
        if (action === 'die') void this.died(name, Number(e.Actor?.Attributes?.exitCode ?? NaN));
      });
    } catch {
      // Without events a death is still seen by the waits during bring-up, and as a lost link after.
    }
  }

  private async died(name: string, exitCode: number): Promise<void> {
    if (this.removed || this.stopping.has(name) || !this.started.has(name)) return;
    const err = await this.deathError(name, { exitCode: Number.isNaN(exitCode) ? undefined : exitCode });
    if (this.removed || this.stopping.has(name)) return;
    if (!this.failure_) [this.failure_, this.failedContainer] = [err, name];
    for (const cb of this.failureListeners) cb(err, name);
  }

  /** Whether the OOM killer ended this container: docker's State.OOMKilled, or its `oom` event (which may come just after the exit). */
  private async oomKilled(name: string, exit: { exitCode?: number; oomKilled?: boolean }): Promise<boolean> {
    if (exit.oomKilled || this.oomSeen.has(name)) return true;
    if (exit.oomKilled === undefined) {
      const known = await docker(['inspect', '--format', '{{.State.OOMKilled}}', name], { timeoutMs: 5000 }).catch(() => '');
      if (known.trim() === 'true') return true;
    }
    // 137 is SIGKILL, from anyone; only the kernel's oom event makes it an OOM kill.
    if (exit.exitCode === 137) await new Promise((r) => setTimeout(r, 500));
    return this.oomSeen.has(name);
  }

  /** ContainerOomKilled, or ContainerExited, for a container that stopped on its own; with its limit and log tail. */
  private async deathError(name: string, exit: { exitCode?: number; oomKilled?: boolean }): Promise<Error> {
    const oom = await this.oomKilled(name, exit);
    // Its last lines may still be on their way from docker's log stream.
    await new Promise((r) => setTimeout(r, 200));
    const spec = this.specs.get(name);
    const stage = spec?.role ?? spec?.stage ?? 'container';
    const tail = this.logs.tails([name])[name] ?? '';
    if (oom) {
      const limit = this.limits.get(name) ?? null;
      return new ContainerOomKilled(name, stage, limit, tail, exit.exitCode ?? null, formatLimit(limit ?? undefined));
    }
    return new ContainerExited(`container ${name} (${stage}) exited with code ${exit.exitCode ?? '?'} while the stack ran\n  --- ${name} (last lines) ---\n    ${tail.split('\n').slice(-15).join('\n    ')}`, {
      ...(exit.exitCode !== undefined ? { exitCode: exit.exitCode } : {}),
      oomKilled: false,
    });
  }

  labels(instance: number): Record<string, string> {
    return { ...ownerLabels(this.preset, instance), [STACK_LABEL]: this.id, ...(this.watchdog?.pid ? { [WATCHDOG_LABEL]: String(this.watchdog.pid) } : {}) };
  }

  get(name: string): StartedTestContainer | undefined {
    return this.started.get(name);
  }

  names(): string[] {
    return [...this.started.keys()];
  }

  /** Starts one container and waits until its wait strategy sees it ready; retried on failure. */
  async start(spec: ContainerSpec): Promise<StartedTestContainer> {
    if (this.removed) throw new Error(`containers ${this.preset} stack: already stopped`);
    const { GenericContainer } = await loadTestcontainers();
    await this.eventsReady;
    // docker's --init (tini) as PID 1: SIGTERM reaches the process even before it installs a
    // handler, so `docker stop` never waits out its grace period on a container that just started.
    class InitContainer extends GenericContainer {
      withInit(): this {
        this.hostConfig.Init = true;
        return this;
      }
      /** Compose's cpus / mem_limit / memswap_limit (testcontainers' withResourcesQuota sets no MemorySwap, so swap would double the limit). */
      withLimits(l: AppliedLimit): this {
        if (l.cpus !== undefined) this.hostConfig.NanoCpus = Math.round(l.cpus * 1e9);
        if (l.memory !== undefined) {
          this.hostConfig.Memory = l.memory;
          this.hostConfig.MemorySwap = l.memswap ?? l.memory;
        }
        return this;
      }
      withRealtimeBudget(share: number): this {
        this.hostConfig.CpuRealtimePeriod = RT_PERIOD_US;
        this.hostConfig.CpuRealtimeRuntime = Math.floor(RT_PERIOD_US * share);
        return this;
      }
    }
    // Cleared when the engine refuses it: the retries then start time-shared.
    let withBudget = spec.realtimeShare ? await realtimeBudgetWanted() : false;
    const limit = spec.role ? this.opts.resources?.limits[spec.role] : undefined;
    this.specs.set(spec.name, spec);
    if (limit) this.limits.set(spec.name, limit);
    else this.limits.delete(spec.name);
    const startedHostMs = hostNowMs();
    let attempts = 0;
    const attempt = async (n: number) => {
      attempts = n;
      this.opts.signal?.throwIfAborted();
      if (n > 1) this.logs.note(spec.name, `attempt ${n}`);
      // A name left by an earlier attempt (or a reset) must go before it can be reused.
      await removeContainers((await listContainers([`${STACK_LABEL}=${this.id}`])).filter((c) => c.name === spec.name).map((c) => c.id));
      const container = new InitContainer(spec.image)
        .withInit()
        .withName(spec.name)
        .withNetworkMode('host')
        .withLabels(this.labels(spec.instance))
        .withEnvironment(spec.env ?? {})
        .withWaitStrategy(spec.wait)
        .withStartupTimeout(this.opts.startupTimeoutMs)
        .withLogConsumer(this.logs.consumer(spec.name));
      if (spec.command) container.withCommand(spec.command);
      if (spec.ipcHost) container.withIpcMode('host');
      if (limit) container.withLimits(limit);
      if (spec.realtimeShare) {
        container.withAddedCapabilities('SYS_NICE');
        if (withBudget) container.withRealtimeBudget(spec.realtimeShare);
      }
      try {
        return await container.start();
      } catch (err) {
        // An engine whose parent group has no real-time time to hand out (dockerd started without
        // --cpu-rt-runtime) refuses the budget: start without it, time-shared, and say so.
        if (withBudget && /rt_runtime|rt_period|real-?time/i.test((err as Error).message)) {
          withBudget = false;
          this.realtime.set(spec.name, { detail: `the engine refused a real-time budget (${(err as Error).message.split('\n')[0]!.slice(-160)}); start dockerd with --cpu-rt-runtime=950000 (images/engine.sh does)` });
          this.logs.note(spec.name, 'real-time budget refused by the engine: starting time-shared');
        }
        throw err;
      }
    };
    try {
      const c = await pRetry(attempt, {
        retries: this.opts.retries,
        minTimeout: 200,
        factor: 2,
        ...(this.opts.signal ? { signal: this.opts.signal } : {}),
        // Out of memory once is out of memory again: not retried.
        shouldRetry: ({ error }) => !this.opts.signal?.aborted && !/No such image|not found|pull access denied/i.test(error.message) && !(error instanceof ContainerExited && (error.exit.oomKilled || this.oomSeen.has(spec.name))),
        onFailedAttempt: ({ error, attemptNumber }) => this.logs.note(spec.name, `attempt ${attemptNumber} failed: ${error.message.split('\n')[0]}`),
      });
      this.started.set(spec.name, c);
      this.starts.push({ name: spec.name, component: componentOf(spec), instance: spec.instance, image: spec.image, startedHostMs, readyHostMs: hostNowMs(), detail: `${spec.stage}${attempts > 1 ? ` (attempt ${attempts})` : ''}` });
      if (spec.realtimeShare) this.realtime.set(spec.name, await realtimeOutcome(c, withBudget ? spec.realtimeShare : null, this.realtime.get(spec.name)));
      return c;
    } catch (err) {
      const exited = findExited(err);
      if (exited) {
        // testcontainers removed the container that failed its wait: what the wait saw is the last look.
        const death = await this.deathError(spec.name, exited.exit.containerId ? { ...exited.exit, oomKilled: exited.exit.oomKilled ?? false } : exited.exit);
        if (death instanceof ContainerOomKilled) {
          throw new StackDidNotComeUp(spec.stage, `${spec.name} (${spec.image}): ${death.message.split('\n')[0]}`, this.logs.tails(), { cause: death });
        }
      }
      const reason = err instanceof AbortError ? err.message : (err as Error).message.split('\n')[0];
      throw new StackDidNotComeUp(spec.stage, `${spec.name} (${spec.image}): ${reason}`, this.logs.tails(), { cause: err });
    }
  }

  /** Stops (SIGTERM, then SIGKILL after `graceMs`) and removes one container. */
  async stop(name: string, graceMs = 2000): Promise<void> {
    const c = this.started.get(name);
    this.stopping.add(name);
    this.started.delete(name);
    try {
      if (c) await c.stop({ timeout: graceMs, remove: true }).catch(() => {});
    } finally {
      this.stopping.delete(name);
    }
  }

  /** Stops every container of the stack, then removes anything left by label. Safe to call twice. */
  async removeAll(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    this.unregister();
    await Promise.all([...this.started.keys()].map((n) => this.stop(n)));
    const left = await listContainers([`${STACK_LABEL}=${this.id}`]).catch(() => []);
    await removeContainers(left.map((c) => c.id)).catch(() => {});
    this.watchdog?.kill('SIGKILL');
    (this.events as unknown as { destroy?: () => void } | null)?.destroy?.();
    this.failureListeners.clear();
    await this.logs.close();
  }
}

function findExited(err: unknown): ContainerExited | null {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ContainerExited) return e;
  }
  return null;
}

/**
 * A detached shell that outlives this process: when the process is gone — however it ended,
 * SIGKILL included — it removes the stack's containers. Signal hooks alone are not enough: under
 * Jest, test code sees a copy of `process`, so its signal and exit handlers never run. The
 * reaper at the next start stays as the last resort (a rebooted host, a killed watchdog).
 */
function startWatchdog(stackId: string): ChildProcess | null {
  const script = [
    'while kill -0 "$0" 2>/dev/null; do sleep 0.5; done',
    'ids=$(docker ps -aq --filter "label=$1=$2")',
    '[ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1',
    'exit 0',
  ].join('\n');
  try {
    const child = spawn('sh', ['-c', script, String(process.pid), STACK_LABEL, stackId], { detached: true, stdio: 'ignore' });
    child.on('error', () => {});
    child.unref();
    return child;
  } catch {
    return null;
  }
}

let budgetWanted: Promise<boolean> | null = null;

/**
 * Whether the engine schedules real-time groups (cgroup v1 with cpu.rt_runtime_us): there a
 * container gets no real-time CPU time without a budget of its own, and SCHED_FIFO is refused even
 * with CAP_SYS_NICE. Under cgroup v2 (and kernels without RT group scheduling) the capability is enough.
 */
function realtimeBudgetWanted(): Promise<boolean> {
  budgetWanted ??= docker(['info', '--format', '{{.CgroupVersion}}'], { timeoutMs: 10_000 }).then(
    (v) => v.trim() === '1',
    () => false,
  );
  return budgetWanted;
}

/**
 * How the started container's threads are really scheduled (field 41 of each /proc/<pid>/task/*\/stat,
 * the policy: 1 FIFO, 2 RR): a process refused real-time priorities runs on without a word.
 */
async function realtimeOutcome(c: StartedTestContainer, share: number | null, refused: RealtimeOutcome | undefined): Promise<RealtimeOutcome> {
  const r = await c.exec(['sh', '-c', 'cat /proc/[0-9]*/task/*/stat 2>/dev/null']).catch((err: Error) => ({ exitCode: -1, output: err.message }));
  // After the command name in parentheses (which may hold spaces) the fields count from 3.
  const policies = r.output
    .split('\n')
    .filter((l) => l.includes(')'))
    .map((l) => Number(l.slice(l.lastIndexOf(')') + 2).split(' ')[41 - 3]))
    .filter((p) => !Number.isNaN(p));
  const rt = policies.filter((p) => p === 1 || p === 2).length;
  if (rt > 0) {
    return { detail: `real-time: ${rt} of ${policies.length} threads SCHED_FIFO/RR (CAP_SYS_NICE${share ? `, ${Math.round(share * 100)} % of each CPU's real-time time` : ''})` };
  }
  const why = refused?.detail ?? (policies.length === 0 ? `its threads could not be read (${r.output.trim().slice(0, 120) || 'no output'})` : 'the engine gave CAP_SYS_NICE but the kernel refused SCHED_FIFO');
  return { detail: `time-shared, not real-time as on a host: ${why}` };
}
