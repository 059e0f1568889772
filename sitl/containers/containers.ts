import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pRetry, { AbortError } from 'p-retry';
import type { StartedTestContainer, WaitStrategy } from 'testcontainers';
import { onCleanup } from '../../src/lifecycle/cleanup.js';
import { StackDidNotComeUp } from '../../src/targets/target.js';
import { docker, listContainers, removeContainers } from './docker.js';
import { ownerLabels } from './identity.js';
import { LogBook } from './logs.js';
import { loadTestcontainers } from './testcontainers.js';

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

  constructor(
    readonly preset: string,
    artifactsDir: string | null,
    private readonly opts: { startupTimeoutMs: number; retries: number; signal?: AbortSignal },
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
    // docker's --init (tini) as PID 1: SIGTERM reaches the process even before it installs a
    // handler, so `docker stop` never waits out its grace period on a container that just started.
    class InitContainer extends GenericContainer {
      withInit(): this {
        this.hostConfig.Init = true;
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
    const attempt = async (n: number) => {
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
        shouldRetry: ({ error }) => !this.opts.signal?.aborted && !/No such image|not found|pull access denied/i.test(error.message),
        onFailedAttempt: ({ error, attemptNumber }) => this.logs.note(spec.name, `attempt ${attemptNumber} failed: ${error.message.split('\n')[0]}`),
      });
      this.started.set(spec.name, c);
      if (spec.realtimeShare) this.realtime.set(spec.name, await realtimeOutcome(c, withBudget ? spec.realtimeShare : null, this.realtime.get(spec.name)));
      return c;
    } catch (err) {
      const reason = err instanceof AbortError ? err.message : (err as Error).message.split('\n')[0];
      throw new StackDidNotComeUp(spec.stage, `${spec.name} (${spec.image}): ${reason}`, this.logs.tails(), { cause: err });
    }
  }

  /** Stops (SIGTERM, then SIGKILL after `graceMs`) and removes one container. */
  async stop(name: string, graceMs = 2000): Promise<void> {
    const c = this.started.get(name);
    this.started.delete(name);
    if (c) await c.stop({ timeout: graceMs, remove: true }).catch(() => {});
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
    await this.logs.close();
  }
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
