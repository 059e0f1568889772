import { createRequire } from 'node:module';
import { RosUnavailable } from './errors.js';
import type { RosApiFactory } from './ros-api.js';

/**
 * Whether ROS 2 can be used here, decided without loading anything: ROS 2 must be sourced
 * (ROS_DISTRO or AMENT_PREFIX_PATH set) and rclnodejs installed. rclnodejs is never imported
 * anywhere else, so the project runs without it and without ROS 2.
 */

export const RCLNODEJS = 'rclnodejs';
export const NOT_SOURCED = 'ROS 2 is not sourced (ROS_DISTRO unset): source /opt/ros/<distro>/setup.bash';
export const NOT_INSTALLED = 'rclnodejs is not installed: npm i rclnodejs';

export function rosSourced(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.ROS_DISTRO || env.AMENT_PREFIX_PATH);
}

/** The sourced distro's name (ROS_DISTRO), or null. */
export function rosDistro(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.ROS_DISTRO || null;
}

/** Where rclnodejs is installed (its directory), or null when it is not resolvable from here. */
export function rclnodejsDir(resolve: (id: string) => string = createRequire(import.meta.url).resolve): string | null {
  try {
    return resolve(`${RCLNODEJS}/package.json`).replace(/[/\\]package\.json$/, '');
  } catch {
    return null;
  }
}

export interface AvailabilityProbe {
  env?: NodeJS.ProcessEnv;
  /** Resolves a module id to a path (default: Node's resolution from this package). */
  resolve?: (id: string) => string;
}

/**
 * Null when ROS 2 can be used; otherwise the one-line reason. Synchronous, for decisions at file
 * load (`describe.skip` with the reason printed).
 */
export function rosUnavailableReason(probe: AvailabilityProbe = {}): string | null {
  if (!rosSourced(probe.env)) return NOT_SOURCED;
  if (rclnodejsDir(probe.resolve) === null) return NOT_INSTALLED;
  return null;
}

export interface LoadRosOptions extends AvailabilityProbe {
  /** Imports a module by name (default: dynamic `import()`); replaced in tests. */
  importer?: (id: string) => Promise<unknown>;
}

// A computed specifier keeps TypeScript and bundlers from resolving rclnodejs where it is absent.
const dynamicImport = (id: string): Promise<unknown> => import(id);

/**
 * Loads rclnodejs and adapts it to RosApi; RosUnavailable (one line) when ROS 2 is not sourced,
 * rclnodejs is not installed, or it fails to load (e.g. built against another distro).
 */
export async function loadRos(options: LoadRosOptions = {}): Promise<RosApiFactory> {
  const env = options.env ?? process.env;
  if (!rosSourced(env)) throw new RosUnavailable(NOT_SOURCED, 'not-sourced');
  const importer = options.importer ?? dynamicImport;
  let mod: unknown;
  try {
    mod = await importer(RCLNODEJS);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND' || /Cannot find (package|module) ['"]?rclnodejs/.test(String(e?.message))) {
      throw new RosUnavailable(NOT_INSTALLED, 'not-installed', { cause: err });
    }
    const first = String(e?.message ?? err).split('\n')[0];
    throw new RosUnavailable(
      `rclnodejs failed to load with ROS_DISTRO=${env.ROS_DISTRO ?? '(unset)'}: ${first} — rebuild it where ROS 2 is sourced: npm rebuild rclnodejs`,
      'load-failed',
      { cause: err },
    );
  }
  const { adaptRclnodejs } = await import('./rclnodejs-adapter.js');
  return adaptRclnodejs(mod, env);
}
