/**
 * How `flightcheck run` keeps Jest on a leash. Jest runs in a process group of its own; a Ctrl-C or
 * SIGTERM of the runner goes to that whole group (Jest and every worker, which stop their stacks and
 * close their recordings, see src/lifecycle/process-hooks.cjs), and the runner waits for the group
 * to be gone before it writes the summary. If the runner itself dies (even by SIGKILL), Jest and its
 * workers see their parent gone and stop within about 2 s (the watchdog preloaded into them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Preloaded into Jest and (through Node's execArgv, which Jest's workers inherit) into every worker. */
export const PROCESS_HOOKS = fileURLToPath(new URL('../lifecycle/process-hooks.cjs', import.meta.url));
/** Jest reporter writing the run's journal (src/cli/journal.ts reads it). */
export const JOURNAL_REPORTER = fileURLToPath(new URL('./journal-reporter.cjs', import.meta.url));

/** The exit code of a run stopped by a signal: 128 + its number, as a shell reports it. */
export const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

export interface JestEnd {
  code: number;
  /** The signal that stopped the run (sent to the runner), or null. */
  interruptedBy: NodeJS.Signals | null;
}

/** Starts Jest (`args` after node's own) in a group of its own, watched and watching. */
export function startJest(args: string[], env: NodeJS.ProcessEnv, log: number): { child: ChildProcess; ended: Promise<JestEnd> } {
  const child = spawn(process.execPath, ['--require', PROCESS_HOOKS, ...args], {
    env: { ...env, FLIGHT_WATCH_PARENT: '1' },
    stdio: ['ignore', log, log],
    detached: true,
  });
  let interruptedBy: NodeJS.Signals | null = null;
  const forward = (sig: NodeJS.Signals) => {
    interruptedBy ??= sig;
    signalGroup(child.pid, sig);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, forward);
  const ended = new Promise<JestEnd>((resolve) => {
    child.on('exit', (c, s) => {
      void (async () => {
        // Workers may outlive Jest by their cleanup (a stack going down, a recording closing).
        if (child.pid !== undefined) await groupGone(child.pid, 3000);
        for (const s of signals) process.off(s, forward);
        resolve({ code: interruptedBy ? (SIGNAL_EXIT[interruptedBy] ?? 1) : (c ?? (s ? (SIGNAL_EXIT[s] ?? 1) : 1)), interruptedBy });
      })();
    });
  });
  return { child, ended };
}

function signalGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, sig);
  } catch {
    // the group is gone already
  }
}

/** Resolves once no process of the group is left (zombies aside: their parent reaps them), or after `ms`. */
export async function groupGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return true;
    }
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}
