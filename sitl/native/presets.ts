import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SpeedFactor } from '../../src/targets/target.js';
import type { SitlProcessSpec } from './process.js';
import type { SimWorldSpec } from '../sim/target.js';
import { px4SpeedNeutralParams } from '../px4-speed-params.js';

/** What a preset needs to start vehicle instance i. */
export interface LaunchContext {
  instance: number;
  speed: SpeedFactor;
  seed: number;
  params: Record<string, number>;
  /** This scenario file's artifacts directory (logs, rootfs, flight logs). */
  artifactsDir: string;
  /** The scenario's world (objects, camera, detector, wind): only the built-in simulator takes it. */
  world?: SimWorldSpec;
}

export interface Launch extends SitlProcessSpec {
  /** Where PX4 writes its flight logs (.ulg), when the preset has one. */
  flightLogDir?: string;
  /** Parameters the process already applied at start (the rest are set over MAVLink). */
  paramsAtStart: boolean;
  /** Parameters set over MAVLink before the scenario's own (which win), where the preset needs any. */
  baseParams?: Record<string, number>;
}

/** How to run one kind of SITL executable (testcontainers-style presets). */
export interface NativePreset {
  readonly name: 'px4' | 'sim';
  /** One line for reports. */
  readonly description: string;
  launch(ctx: LaunchContext): Launch;
  /** Report parameters. */
  info(): Record<string, string>;
}

/** PX4's SITL ports for instance i: it listens on 14580+i (and answers whoever writes to it). */
export function apiPortFor(instance: number): number {
  return 14580 + instance;
}

export interface Px4PresetOptions {
  /** A PX4 build directory (e.g. PX4-Autopilot/build/px4_sitl_default) with bin/px4 and etc/. */
  px4Dir: string;
  /** PX4_SIM_MODEL; default sihsim_quadx (SIH: no external simulator). */
  model?: string;
}

export class Px4PresetError extends Error {
  override name = 'Px4PresetError';
}

/** Checks a PX4 build directory; returns the problem, or null when it looks usable. */
export function px4DirProblem(px4Dir: string): string | null {
  const bin = path.join(px4Dir, 'bin', 'px4');
  if (!fs.existsSync(px4Dir)) return `FLIGHT_PX4_DIR ${px4Dir} does not exist`;
  try {
    fs.accessSync(bin, fs.constants.X_OK);
  } catch {
    return `FLIGHT_PX4_DIR ${px4Dir} has no executable bin/px4 (build with: make px4_sitl_default)`;
  }
  if (!fs.existsSync(path.join(px4Dir, 'etc', 'init.d-posix', 'rcS'))) return `FLIGHT_PX4_DIR ${px4Dir} has no etc/init.d-posix/rcS (not a PX4 SITL build directory?)`;
  return null;
}

/**
 * PX4 SITL with SIH, as Tools/simulation/sitl_multiple_run.sh starts it: from a working directory
 * of its own, `bin/px4 -i N -d <build>/etc`. PX4 links `etc` into the working directory, makes
 * `log/` and `eeprom/` there and keeps its parameters (parameters.bson) there, so a fresh
 * directory per run means default parameters and flight logs that belong to this run.
 */
export function px4Preset(opts: Px4PresetOptions): NativePreset {
  const px4Dir = path.resolve(opts.px4Dir);
  const model = opts.model ?? 'sihsim_quadx';
  return {
    name: 'px4',
    description: `PX4 SITL (${model}) from ${px4Dir}`,
    launch(ctx) {
      if (ctx.speed === 'max') throw new Px4PresetError('native (PX4): speed "max" is not possible: PX4_SIM_SPEED_FACTOR needs a number (SIH tops out near 9x on 2 cores)');
      // Absolute: PX4 runs in the rootfs and takes it as its data path too (a relative path would be
      // resolved twice).
      const rootfs = path.resolve(ctx.artifactsDir, `px4-${ctx.instance}`, 'rootfs');
      fs.rmSync(rootfs, { recursive: true, force: true });
      fs.mkdirSync(rootfs, { recursive: true });
      // PX4 makes this link itself when given the data path; made here too so the rootfs is complete before it starts.
      fs.symlinkSync(path.join(px4Dir, 'etc'), path.join(rootfs, 'etc'));
      return {
        name: `px4-${ctx.instance}`,
        file: path.join(px4Dir, 'bin', 'px4'),
        args: ['-d', '-i', String(ctx.instance), '-w', rootfs, path.join(px4Dir, 'etc')],
        cwd: rootfs,
        env: {
          PX4_SIM_MODEL: model,
          PX4_SIMULATOR: 'sihsim',
          PX4_SIM_SPEED_FACTOR: String(ctx.speed),
          HEADLESS: '1',
        },
        logFile: path.join(ctx.artifactsDir, `px4-${ctx.instance}.log`),
        flightLogDir: path.join(rootfs, 'log'),
        paramsAtStart: false,
        baseParams: px4SpeedNeutralParams(ctx.speed),
      };
    },
    info() {
      return { px4Dir, px4Model: model, px4Simulator: 'sihsim' };
    },
  };
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The built-in simulator as its own process: `node bin/flightcheck.js sim --instance i --speed S`. */
export function simProcessPreset(opts: { cli?: string } = {}): NativePreset {
  const cli = opts.cli ?? path.join(REPO_ROOT, 'bin', 'flightcheck.js');
  return {
    name: 'sim',
    description: 'the built-in simulator as a process (flightcheck sim)',
    launch(ctx) {
      const params = Object.entries(ctx.params).flatMap(([k, v]) => ['--param', `${k}=${v}`]);
      // As in-process (sitl/sim/target.ts): under speed-up inference latency is host time while
      // frames come on vehicle time, so one detector per frame keeps detection rates a vehicle-time quantity.
      const world = ctx.speed === 1 ? (ctx.world ?? {}) : { ...ctx.world, detector: { pipeline: 'parallel' as const, ...ctx.world?.detector } };
      const worldArgs = Object.keys(world).length > 0 ? ['--world-json', JSON.stringify(world)] : [];
      return {
        name: `sim-${ctx.instance}`,
        file: process.execPath,
        args: [cli, 'sim', '--instance', String(ctx.instance), '--speed', String(ctx.speed), '--seed', String(ctx.seed), ...params, ...worldArgs],
        cwd: REPO_ROOT,
        env: {},
        logFile: path.join(ctx.artifactsDir, `sim-${ctx.instance}.log`),
        paramsAtStart: true,
      };
    },
    info() {
      return { simCli: path.relative(REPO_ROOT, cli) || cli };
    },
  };
}

/**
 * FLIGHT_NATIVE=px4|sim chooses; unset, PX4 when FLIGHT_PX4_DIR is set, else the built-in
 * simulator's process. Returns the reason when the choice cannot run here.
 */
export function presetFromEnv(env: NodeJS.ProcessEnv = process.env): { preset: NativePreset } | { unavailable: string } {
  const want = env.FLIGHT_NATIVE;
  if (want !== undefined && want !== '' && want !== 'px4' && want !== 'sim') return { unavailable: `FLIGHT_NATIVE=${want}: expected px4 or sim` };
  const px4Dir = env.FLIGHT_PX4_DIR;
  if (want === 'sim' || ((want === undefined || want === '') && !px4Dir)) return { preset: simProcessPreset() };
  if (!px4Dir) return { unavailable: 'FLIGHT_NATIVE=px4 needs FLIGHT_PX4_DIR (a PX4 build directory, e.g. PX4-Autopilot/build/px4_sitl_default)' };
  const problem = px4DirProblem(px4Dir);
  if (problem) return { unavailable: problem };
  return { preset: px4Preset({ px4Dir, ...(env.FLIGHT_PX4_MODEL ? { model: env.FLIGHT_PX4_MODEL } : {}) }) };
}

/** PX4 flight logs under a rootfs log directory (log/<date>/<time>.ulg), oldest first. */
export function findFlightLogs(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && depth < 3) walk(p, depth + 1);
      else if (e.isFile() && e.name.endsWith('.ulg')) out.push(p);
    }
  };
  walk(dir, 0);
  return out.sort();
}
