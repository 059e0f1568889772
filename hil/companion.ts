import { execa } from 'execa';
import { runCommand } from './power.js';
import type { RigConfig } from './rig-config.js';

/** The companion computer (the Pi running the XRCE agent and drone_core) did not come up. */
export class CompanionNotReady extends Error {
  override name = 'CompanionNotReady';
}

/** Readiness of the companion computer; resolves with a note on how it was established. */
export interface CompanionDriver {
  ready(signal?: AbortSignal): Promise<string>;
}

export function rosAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.ROS_DISTRO || env.AMENT_PREFIX_PATH);
}

/**
 * Chooses how to see the companion working: with ROS 2 on this host, the drone's node appears in
 * `ros2 node list` on the rig's ROS_DOMAIN_ID; otherwise the rig's readyCommand exits 0; with
 * neither, readiness is skipped and the note says so (the report shows it).
 */
export function companionDriverFor(rig: RigConfig, env: NodeJS.ProcessEnv = process.env): CompanionDriver {
  const c = rig.companion;
  const childEnv = { ...env, ROS_DOMAIN_ID: String(c.rosDomainId), FLIGHT_DRONE_NAME: c.droneName, FLIGHT_RIG_NAME: rig.name };
  if (rosAvailable(env)) {
    return {
      async ready(signal) {
        const node = `/${c.droneName}`;
        const until = Date.now() + c.readyTimeout;
        let last = '';
        while (Date.now() < until) {
          signal?.throwIfAborted();
          const r = await execa('ros2', ['node', 'list'], { env: childEnv, reject: false, timeout: 15_000, cancelSignal: signal, stdin: 'ignore' });
          last = String(r.stdout ?? '').trim();
          if (!r.failed && last.split('\n').some((l) => l.trim() === node)) return `ROS 2: ${node} seen on ROS_DOMAIN_ID ${c.rosDomainId}`;
          await new Promise((res) => setTimeout(res, 1000));
        }
        throw new CompanionNotReady(`rig "${rig.name}": ROS 2 node ${node} not seen on ROS_DOMAIN_ID ${c.rosDomainId} within ${c.readyTimeout} ms (host clock); ros2 node list: ${last || '(nothing)'}`);
      },
    };
  }
  if (c.readyCommand) {
    const cmd = c.readyCommand;
    return {
      async ready(signal) {
        const until = Date.now() + c.readyTimeout;
        let lastErr: Error | null = null;
        while (Date.now() < until) {
          signal?.throwIfAborted();
          try {
            await runCommand(`rig "${rig.name}": companion readyCommand`, cmd, { timeoutMs: Math.max(1000, until - Date.now()), signal, env: childEnv });
            return `readyCommand succeeded (${Array.isArray(cmd) ? cmd.join(' ') : cmd})`;
          } catch (err) {
            lastErr = err as Error;
          }
          await new Promise((res) => setTimeout(res, 500));
        }
        throw new CompanionNotReady(`${lastErr?.message ?? `rig "${rig.name}": companion readyCommand did not succeed`} (within ${c.readyTimeout} ms, host clock)`);
      },
    };
  }
  return {
    async ready() {
      return 'skipped: no ROS 2 on this host and no companion.readyCommand in the rig file';
    },
  };
}
