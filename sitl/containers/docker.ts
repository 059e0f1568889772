import { execa } from 'execa';

/** The docker CLI failed: the arguments and its stderr, so the reason is in the message. */
export class DockerCommandError extends Error {
  override name = 'DockerCommandError';
  constructor(
    readonly args: string[],
    readonly stderr: string,
    readonly exitCode: number | undefined,
  ) {
    super(`docker ${args.join(' ')} failed${exitCode !== undefined ? ` (exit ${exitCode})` : ''}: ${stderr.trim() || 'no output'}`);
  }
}

/** Runs the docker CLI and returns its stdout; a bounded wait so a hung engine cannot hang a run. */
export async function docker(args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<string> {
  const r = await execa('docker', args, { reject: false, timeout: opts.timeoutMs ?? 30_000, ...(opts.input !== undefined ? { input: opts.input } : {}) });
  if (r.failed) {
    const reason = r.timedOut ? `timed out after ${opts.timeoutMs ?? 30_000} ms` : r.stderr || (r as { shortMessage?: string }).shortMessage || '';
    throw new DockerCommandError(args, reason, r.exitCode);
  }
  return r.stdout;
}

/** Whether `docker info` answers; `detail` is the server version or why not. */
export async function engineStatus(): Promise<{ ok: boolean; detail: string }> {
  try {
    const version = await docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 10_000 });
    return { ok: true, detail: `Docker engine ${version.trim()}` };
  } catch (err) {
    const msg = err instanceof DockerCommandError ? err.stderr.split('\n').find((l) => l.trim()) ?? err.message : (err as Error).message;
    return { ok: false, detail: /ENOENT|not found/.test(msg) ? 'the docker CLI is not installed (images/engine.sh installs docker.io)' : `no engine answers: ${msg.trim()} (start one: images/engine.sh)` };
  }
}

export async function imageExists(name: string): Promise<boolean> {
  try {
    await docker(['image', 'inspect', '--format', '{{.Id}}', name], { timeoutMs: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Size in bytes of a local image, or null when it is absent. */
export async function imageSize(name: string): Promise<number | null> {
  try {
    return Number((await docker(['image', 'inspect', '--format', '{{.Size}}', name], { timeoutMs: 10_000 })).trim());
  } catch {
    return null;
  }
}

export interface ContainerRow {
  id: string;
  name: string;
  state: string;
  labels: Record<string, string>;
}

/** Containers (running or not) carrying every one of the given labels (`key` or `key=value`). */
export async function listContainers(labelFilters: string[]): Promise<ContainerRow[]> {
  const out = await docker(['ps', '-a', '--no-trunc', ...labelFilters.flatMap((l) => ['--filter', `label=${l}`]), '--format', '{{.ID}}'], { timeoutMs: 15_000 });
  const ids = out.split('\n').map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) return [];
  return inspectContainers(ids);
}

export async function inspectContainers(ids: string[]): Promise<ContainerRow[]> {
  if (ids.length === 0) return [];
  let out: string;
  try {
    out = await docker(['inspect', '--format', '{{json .}}', ...ids], { timeoutMs: 15_000 });
  } catch (err) {
    // A container removed between `ps` and `inspect` makes the whole call fail: ask one by one.
    if (ids.length === 1) return [];
    const rows = await Promise.all(ids.map((id) => inspectContainers([id])));
    return rows.flat();
  }
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const j = JSON.parse(l) as { Id: string; Name: string; State?: { Status?: string }; Config?: { Labels?: Record<string, string> | null } };
      return { id: j.Id, name: j.Name.replace(/^\//, ''), state: j.State?.Status ?? 'unknown', labels: j.Config?.Labels ?? {} };
    });
}

/** The last lines of a container's output, stdout and stderr interleaved as docker stored them. */
export async function containerLogTail(id: string, lines = 30): Promise<string> {
  const r = await execa('docker', ['logs', '--tail', String(lines), id], { reject: false, all: true, timeout: 15_000 });
  return (r.all ?? '').trimEnd();
}

/** Removes containers (stopping them first); ones already gone are not an error. */
export async function removeContainers(ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  try {
    await docker(['rm', '-f', '-v', ...ids], { timeoutMs: 30_000 });
  } catch (err) {
    if (!(err instanceof DockerCommandError) || !/No such container/i.test(err.stderr)) throw err;
    // Some were already gone: remove the rest one by one.
    for (const id of ids) await docker(['rm', '-f', '-v', id], { timeoutMs: 30_000 }).catch(() => {});
  }
}
