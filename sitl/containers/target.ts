import { execa } from 'execa';
import type { Capabilities } from '../../src/targets/capabilities.js';
import { lacking } from '../../src/targets/capabilities.js';
import type { Requirement, Stack, Target, UpOptions } from '../../src/targets/target.js';
import { TargetUnavailable } from '../../src/targets/target.js';
import { px4SihCapabilities, rosFromHost, simCapabilities } from '../capabilities.js';
import { configFromEnv, type ContainersConfigInput } from './config.js';
import { engineStatus, imageExists } from './docker.js';
import { reapDeadRuns } from './reaper.js';
import { formatLimit, knownProfiles, resolveProfile } from './profiles.js';
import { px4InstancesProblem } from '../sim/ports.js';

export const CONTAINERS_DESCRIPTION = 'PX4 SITL + XRCE agent + drone_core, or the sim image, in Docker (testcontainers; FLIGHT_STACK=sim|px4|compose:<file>)';

/**
 * The containers target. The preset comes from FLIGHT_STACK (sim by default), px4 images and
 * commands from FLIGHT_PX4_IMAGE / FLIGHT_AGENT_IMAGE / FLIGHT_DRONE_CORE_IMAGE / FLIGHT_*_COMMAND,
 * or from `overrides` (a config object) for a target made in code.
 */
export function containersTarget(overrides: ContainersConfigInput = {}): Target {
  return {
    name: 'containers',
    description: CONTAINERS_DESCRIPTION,

    async check(): Promise<Requirement[]> {
      const config = configFromEnv(process.env, overrides);
      const engine = await engineStatus();
      const reqs: Requirement[] = [{ what: 'Docker engine', ok: engine.ok, detail: engine.detail }];
      const image = async (what: string, name: string, how: string) => {
        const ok = engine.ok && (await imageExists(name));
        reqs.push({ what, ok, detail: ok ? `${name} present` : `${name} missing: ${how}` });
      };
      const base = process.env.FLIGHT_BASE_IMAGE ?? 'flightcheck/base:bookworm';
      await image('base image', base, 'run images/build.sh (images/base/build.sh: debootstrap + docker import)');
      await image('sim image (sim preset)', config.simImage, 'run images/build.sh (images/sim/build.sh)');
      await image('PX4 SITL image (px4 preset)', config.px4.px4Image, 'run images/build.sh (images/px4-sitl: from ../shared/px4 or your PX4 build dir), or set FLIGHT_PX4_IMAGE to your PX4 SITL (SIH) image');
      await image('XRCE agent image (px4 preset)', config.px4.agentImage, 'run images/build.sh (images/xrce-agent: from ../shared/xrce-agent), or set FLIGHT_AGENT_IMAGE to your MicroXRCEAgent image');
      await image(
        'drone_core image (px4 preset, optional)',
        config.px4.droneCoreImage,
        'set FLIGHT_DRONE_CORE_IMAGE to your drone_core image; without it the px4 stack is PX4 + agent and the drone_core scenarios skip',
      );
      const compose = await execa('docker-compose', ['version', '--short'], { reject: false, timeout: 10_000 });
      reqs.push({
        what: 'docker-compose (compose preset)',
        ok: !compose.failed,
        detail: compose.failed ? 'docker-compose (v1) not installed: apt-get install docker-compose' : `docker-compose ${compose.stdout.trim()}`,
      });
      const stack = config.stack;
      reqs.push({ what: 'stack', ok: true, detail: stack.preset === 'compose' ? `compose:${stack.file}` : stack.preset });
      const profile = resolveProfile(config.resourceProfile, config.resourceProfiles)!;
      reqs.push({
        what: 'resource profile (FLIGHT_RESOURCE_PROFILE)',
        ok: true,
        detail: `${profile.name}: ${Object.entries(profile.limits).map(([role, l]) => `${role} ${formatLimit(l)}`).join('; ') || 'no limits'} (known: ${knownProfiles(config.resourceProfiles).join(', ')})`,
      });
      return reqs;
    },

    async capabilities(): Promise<Capabilities> {
      const stack = configFromEnv(process.env, overrides).stack;
      const ros = rosFromHost(process.env, 'drone_core and the XRCE-DDS agent run in containers on the host network');
      switch (stack.preset) {
        case 'sim':
          return simCapabilities('containers (simulator image)', 'set FLIGHT_STACK=px4 (or compose:<file> with drone_core)');
        case 'px4':
          return px4SihCapabilities('containers (PX4 SITL SIH + XRCE agent + drone_core)', ros, 'the px4 preset runs no camera or detector');
        case 'compose':
          return {
            label: `containers (compose file ${stack.file})`,
            detections: lacking('the compose preset wires no detection source'),
            failureInjection: { units: [], why: "what a compose file's vehicles run is not known to flightcheck, so no failure injection is assumed" },
            ...ros,
            vehicles: { max: null },
          };
      }
    },

    async up(opts: UpOptions): Promise<Stack> {
      const config = configFromEnv(process.env, overrides);
      const engine = await engineStatus();
      if (!engine.ok) throw new TargetUnavailable(`containers: ${engine.detail}`);
      // What dead runs left behind goes first (their ports would collide with ours).
      await reapDeadRuns();
      const stack = config.stack;
      switch (stack.preset) {
        case 'sim':
          return (await import('./sim-preset.js')).upSimPreset(opts, config);
        case 'px4': {
          const instances = px4InstancesProblem(opts.instance, opts.instance + opts.vehicles - 1);
          if (instances) throw new Error(`containers: ${instances}`);
          return (await import('./px4-preset.js')).upPx4Preset(opts, config);
        }
        case 'compose':
          return (await import('./compose-preset.js')).upComposePreset(opts, config, stack.file);
      }
    },
  };
}

export const containersTargetFromEnv: Target = containersTarget();
