import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * Who owns a container: every container a stack starts carries these labels, so what a run left
 * behind (killed with SIGKILL, a crashed worker) can be found and removed by the next start.
 */
export const LABEL = {
  /** Run id: FLIGHT_RUN_ID, or one per process. */
  run: 'flightcheck.run',
  /** Pid of the process that started the container (the Jest worker). */
  pid: 'flightcheck.pid',
  /** That process's start time (clock ticks since boot), so a reused pid is not taken for the owner. */
  pidStart: 'flightcheck.pid-start',
  /** Host name: pids are only meaningful on the host that started the container. */
  host: 'flightcheck.host',
  preset: 'flightcheck.preset',
  instance: 'flightcheck.instance',
} as const;

let generatedRunId: string | null = null;

/** The run id: FLIGHT_RUN_ID when set (lower-case letters, digits, dashes), else one per process. */
export function runId(): string {
  const fromEnv = process.env.FLIGHT_RUN_ID;
  if (fromEnv) {
    if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(fromEnv)) {
      throw new TypeError(`FLIGHT_RUN_ID: "${fromEnv}" must be 1–32 lower-case letters, digits or dashes`);
    }
    return fromEnv;
  }
  generatedRunId ??= `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  return generatedRunId;
}

/** Start time of a process in clock ticks since boot (/proc/PID/stat field 22), or null. */
export function processStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether a process with this pid (and, when known, this start time) is alive on this host. */
export function processAlive(pid: number, startTicks?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (startTicks) {
    const now = processStartTicks(pid);
    if (now !== null && now !== startTicks) return false;
  }
  return true;
}

/** Labels for a container this process starts. */
export function ownerLabels(preset: string, instance: number): Record<string, string> {
  return {
    [LABEL.run]: runId(),
    [LABEL.pid]: String(process.pid),
    [LABEL.pidStart]: processStartTicks(process.pid) ?? '',
    [LABEL.host]: os.hostname(),
    [LABEL.preset]: preset,
    [LABEL.instance]: String(instance),
  };
}

/** `flightcheck-<run id>-<preset>-<instance>[-<part>]`: unique per run and instance. */
export function containerName(preset: string, instance: number, part?: string): string {
  return `flightcheck-${runId()}-${preset}-${instance}${part ? `-${part}` : ''}`;
}

/** docker-compose project name for a stack (v1 names containers `<project>_<service>_1`). */
export function composeProject(instance: number): string {
  return `flightcheck_${runId().replace(/-/g, '')}_${instance}`;
}
