import os from 'node:os';
import { listContainers, removeContainers, docker, type ContainerRow } from './docker.js';
import { LABEL, processAlive } from './identity.js';

export interface ReapResult {
  /** Names of the containers removed. */
  removed: string[];
  /** Containers of live processes (or other hosts), left alone. */
  kept: number;
}

/**
 * Removes what dead runs left behind: every container labelled by flightcheck on this host whose
 * owning process (flightcheck.pid + its start time) no longer exists. Run at every stack start, so
 * a SIGKILLed run (no cleanup hook could run) costs nothing at the next one.
 */
export async function reapDeadRuns(opts: { host?: string } = {}): Promise<ReapResult> {
  const host = opts.host ?? os.hostname();
  const rows = await listContainers([LABEL.pid]);
  const dead: ContainerRow[] = [];
  let kept = 0;
  for (const c of rows) {
    const owner = Number(c.labels[LABEL.pid]);
    const onThisHost = (c.labels[LABEL.host] ?? host) === host;
    if (onThisHost && !processAlive(owner, c.labels[LABEL.pidStart] || undefined)) dead.push(c);
    else kept++;
  }
  await removeContainers(dead.map((c) => c.id));
  if (dead.length > 0) await pruneComposeNetworks(new Set(dead.map((c) => c.labels['com.docker.compose.project']).filter((p): p is string => !!p)));
  return { removed: dead.map((c) => c.name), kept };
}

/** docker-compose v1 leaves a project's default network behind when its containers are removed directly. */
async function pruneComposeNetworks(projects: Set<string>): Promise<void> {
  for (const project of projects) {
    const ids = (await docker(['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`]).catch(() => ''))
      .split('\n')
      .filter(Boolean);
    for (const id of ids) await docker(['network', 'rm', id]).catch(() => {});
  }
}
