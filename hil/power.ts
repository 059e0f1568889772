import { execa } from 'execa';
import type { Command, RigConfig } from './rig-config.js';

/** A power command failed or timed out. */
export class PowerCommandFailed extends Error {
  override name = 'PowerCommandFailed';
}

/** How a rig is switched on and off (labgrid's power driver): the rig file's commands, run with execa. */
export interface PowerDriver {
  /** False when the rig file has no power section: the rig is assumed to be on. */
  readonly controllable: boolean;
  on(signal?: AbortSignal): Promise<void>;
  off(signal?: AbortSignal): Promise<void>;
  cycle(signal?: AbortSignal): Promise<void>;
}

export function powerDriverFor(rig: RigConfig, env: NodeJS.ProcessEnv = process.env): PowerDriver {
  const p = rig.power;
  if (!p) {
    const none = async () => {};
    return { controllable: false, on: none, off: none, cycle: none };
  }
  const run = async (what: string, cmd: Command, signal?: AbortSignal): Promise<void> => void await runCommand(`rig "${rig.name}": power ${what}`, cmd, { timeoutMs: p.timeout, signal, env: { ...env, FLIGHT_RIG_NAME: rig.name } });
  const settle = (signal?: AbortSignal) => new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, p.settle);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });
  return {
    controllable: true,
    on: (signal) => run('on', p.on, signal),
    off: (signal) => run('off', p.off, signal),
    async cycle(signal) {
      if (p.cycle) return void (await run('cycle', p.cycle, signal));
      await run('off', p.off, signal);
      await settle(signal);
      await run('on', p.on, signal);
    },
  };
}

/**
 * Runs a rig command (a shell line or an argv array); a failure names the command and its output.
 * It runs in a process group of its own so that a time limit or an abort ends everything it
 * started (a shell's children too, which would otherwise keep its output open until they exit).
 */
export async function runCommand(
  what: string,
  cmd: Command,
  opts: { timeoutMs: number; signal?: AbortSignal; env?: NodeJS.ProcessEnv },
): Promise<string> {
  const options = { reject: false, env: opts.env, all: true, stdin: 'ignore', detached: true } as const;
  const child = Array.isArray(cmd) ? execa(cmd[0]!, cmd.slice(1), options) : execa(cmd, { ...options, shell: true });
  let ended: 'timed out' | 'cancelled' | null = null;
  const stop = (why: 'timed out' | 'cancelled') => {
    if (ended) return;
    ended = why;
    killGroup(child.pid, 'SIGTERM');
    setTimeout(() => killGroup(child.pid, 'SIGKILL'), 2000).unref();
  };
  const timer = setTimeout(() => stop('timed out'), opts.timeoutMs);
  const onAbort = () => stop('cancelled');
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const r = await child;
  clearTimeout(timer);
  opts.signal?.removeEventListener('abort', onAbort);
  if (ended || r.failed) {
    const line = Array.isArray(cmd) ? cmd.join(' ') : cmd;
    const why = ended === 'timed out' ? `timed out after ${opts.timeoutMs} ms` : ended === 'cancelled' ? 'cancelled' : r.exitCode !== undefined ? `exit code ${r.exitCode}` : (r.shortMessage ?? 'failed');
    const out = String(r.all ?? '').trim().split('\n').filter(Boolean).slice(-5).join(' | ');
    throw new PowerCommandFailed(`${what}: \`${line}\` ${why}${out ? `: ${out}` : ''}`);
  }
  return String(r.all ?? '');
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}
