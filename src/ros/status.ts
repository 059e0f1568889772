import fs from 'node:fs';
import path from 'node:path';
import type { Requirement } from '../targets/target.js';
import { NOT_INSTALLED, NOT_SOURCED, rclnodejsDir, rosDistro, rosSourced } from './availability.js';

/**
 * What `flightcheck doctor` says about ROS 2: the sourced distro, rclnodejs, and whether DroneOS's
 * interfaces (drone_interfaces) are generated for rclnodejs — its `generated/` tree, or else what
 * `ros2 interface show` knows.
 */

export interface RosStatusProbe {
  env?: NodeJS.ProcessEnv;
  resolve?: (id: string) => string;
  /** Runs a command; resolves whether it exited 0 and its stdout (default: execa, 15 s limit). */
  run?: (cmd: string, args: string[]) => Promise<{ ok: boolean; stdout: string }>;
}

const BUILD_HINT = 'build ros_ws (colcon build), source ros_ws/install/setup.bash, then npx generate-ros-messages';

/** Files rclnodejs generated for drone_interfaces' SetPosition (one per request/response, or one per service before Humble). */
export function generatedSetPosition(rclDir: string): string[] {
  const dir = path.join(rclDir, 'generated', 'drone_interfaces');
  try {
    return fs.readdirSync(dir).filter((f) => f.startsWith('drone_interfaces__srv__SetPosition'));
  } catch {
    return [];
  }
}

async function defaultRun(cmd: string, args: string[]): Promise<{ ok: boolean; stdout: string }> {
  const { execa } = await import('execa');
  const r = await execa(cmd, args, { reject: false, timeout: 15_000, stdin: 'ignore' });
  return { ok: !r.failed && r.exitCode === 0, stdout: String(r.stdout ?? '') };
}

function version(dir: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return '?';
  }
}

export async function rosRequirements(probe: RosStatusProbe = {}): Promise<Requirement[]> {
  const env = probe.env ?? process.env;
  const sourced = rosSourced(env);
  const distro = rosDistro(env);
  const dir = rclnodejsDir(probe.resolve);
  const reqs: Requirement[] = [
    {
      what: 'ROS 2 (drone_core pilot, detector topic)',
      ok: sourced,
      detail: sourced ? (distro ? `ROS_DISTRO=${distro}` : `sourced (AMENT_PREFIX_PATH), ROS_DISTRO unset`) : `${NOT_SOURCED} — the ROS 2 parts are skipped`,
    },
    {
      what: 'rclnodejs',
      ok: dir !== null,
      detail: dir ? `${version(dir)} at ${dir}` : sourced ? NOT_INSTALLED : `not installed (only needed where ROS 2 is sourced: npm i rclnodejs)`,
    },
  ];
  if (!sourced) {
    reqs.push({ what: 'drone_interfaces for rclnodejs', ok: false, detail: 'not checked: ROS 2 is not sourced' });
    return reqs;
  }
  const generated = dir ? generatedSetPosition(dir) : [];
  if (generated.length > 0) {
    reqs.push({ what: 'drone_interfaces for rclnodejs', ok: true, detail: `generated (${path.join(dir!, 'generated', 'drone_interfaces')})` });
    return reqs;
  }
  const run = probe.run ?? defaultRun;
  const shown = await run('ros2', ['interface', 'show', 'drone_interfaces/srv/SetPosition']).catch(() => ({ ok: false, stdout: '' }));
  reqs.push({
    what: 'drone_interfaces for rclnodejs',
    ok: false,
    detail: shown.ok
      ? `known to ROS 2 (ros2 interface show) but not generated for rclnodejs: ${dir ? 'npx generate-ros-messages' : NOT_INSTALLED}`
      : `not found (ros2 interface show drone_interfaces/srv/SetPosition failed): ${BUILD_HINT}`,
  });
  return reqs;
}
