import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pRetry, { AbortError } from 'p-retry';
import type { StartedTestContainer, WaitStrategy } from 'testcontainers';
import { onCleanup } from '../../src/lifecycle/cleanup.js';
import { StackDidNotComeUp } from '../../src/targets/target.js';
import { listContainers, removeContainers } from './docker.js';
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
    }
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
      return container.start();
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
