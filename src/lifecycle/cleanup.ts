/**
 * One place that stops what a run started when the process ends: normal exit, Ctrl-C (SIGINT),
 * SIGTERM (Jest stopping a worker) or a crash. Stacks, processes and recorders register a hook;
 * a signal runs every hook (bounded in time) and then re-raises the signal so the exit status
 * still says how the process ended.
 *
 * Inside a Jest test file `process` is Jest's copy, whose signal and exit events never fire: there
 * the hooks hang off the real process through src/lifecycle/process-hooks.cjs, which the scenarios'
 * Jest environment hands over as `__flightcheckProcessHooks` (and which also stops a process whose
 * parent died). Registered only while this file has hooks, so a finished file leaves nothing behind.
 */
type Hook = { name: string; run: () => void | Promise<void>; sync?: () => void };

const hooks = new Set<Hook>();
let installed = false;
let running: Promise<void> | null = null;

/** What src/lifecycle/process-hooks.cjs offers a test context. */
interface ProcessHooks {
  register(run: (reason: string) => Promise<void> | void, sync?: () => void): () => void;
}
let unregisterProcessHooks: (() => void) | null = null;

export function onCleanup(name: string, run: () => void | Promise<void>, opts: { sync?: () => void } = {}): () => void {
  install();
  const hook: Hook = { name, run, sync: opts.sync };
  hooks.add(hook);
  return () => {
    hooks.delete(hook);
    if (hooks.size === 0) release();
  };
}

/** Runs every registered hook once (in reverse registration order), each bounded by timeoutMs. */
export function runCleanup(timeoutMs = 15_000): Promise<void> {
  if (running) return running;
  const list = [...hooks].reverse();
  hooks.clear();
  release();
  running = (async () => {
    for (const h of list) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(h.run),
          new Promise((resolve) => {
            timer = setTimeout(resolve, timeoutMs);
          }),
        ]);
      } catch (err) {
        process.stderr.write(`cleanup "${h.name}" failed: ${(err as Error).message}\n`);
      } finally {
        clearTimeout(timer);
      }
    }
  })().finally(() => {
    running = null;
  });
  return running;
}

function install(): void {
  const shared = (globalThis as { __flightcheckProcessHooks?: ProcessHooks }).__flightcheckProcessHooks;
  if (shared) {
    unregisterProcessHooks ??= shared.register(
      () => runCleanup(),
      () => {
        for (const h of hooks) h.sync?.();
      },
    );
    return;
  }
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      void runCleanup().finally(() => process.kill(process.pid, signal));
    });
  }
  // Last chance on a plain exit: only synchronous work runs here (flushing recordings).
  process.once('exit', () => {
    for (const h of hooks) h.sync?.();
  });
}

function release(): void {
  unregisterProcessHooks?.();
  unregisterProcessHooks = null;
}
