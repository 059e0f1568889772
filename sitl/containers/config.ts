import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { knownProfiles, ResourceProfile } from './profiles.js';

/**
 * What the containers target runs, chosen by FLIGHT_STACK (or a config object):
 *   sim              one built-in-simulator container per vehicle (default; the image is built here)
 *   px4              PX4 SITL (SIH, headless) + MicroXRCEAgent per vehicle (images/build.sh builds both),
 *                    + drone_core when its image (bring your own) is present
 *   compose:<file>   a user's docker-compose file (vehicles on PX4's ports +instance)
 */
export type StackChoice = { preset: 'sim' } | { preset: 'px4' } | { preset: 'compose'; file: string };

export const StackSpec = z
  .string()
  .trim()
  .transform((s, ctx): StackChoice => {
    if (s === '' || s === 'sim') return { preset: 'sim' };
    if (s === 'px4') return { preset: 'px4' };
    if (s.startsWith('compose:') && s.length > 'compose:'.length) return { preset: 'compose', file: path.resolve(s.slice('compose:'.length)) };
    ctx.addIssue({ code: 'custom', message: `expected sim, px4 or compose:<file>, got "${s}"` });
    return z.NEVER;
  });

/** A command line as a list of words; `{name}` placeholders are filled per vehicle (see `fillTemplate`). */
const Command = z.array(z.string().min(1)).min(1);

/** Commands that are strings in the environment: a JSON array (`["px4","-i","{instance}"]`). */
const CommandFromEnv = z
  .string()
  .transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected a JSON array of strings, e.g. ["MicroXRCEAgent","udp4","-p","{agentPort}"]' });
      return z.NEVER;
    }
  })
  .pipe(Command);

/** FLIGHT_RESOURCE_PROFILES: the profiles as JSON (`{"mine":{"drone_core":{"cpus":1,"memory":"384m"}}}`), or the path of a JSON file holding them. */
const ProfilesFromEnv = z
  .string()
  .transform((s, ctx) => {
    try {
      return JSON.parse(s.trim().startsWith('{') ? s : fs.readFileSync(path.resolve(s), 'utf8')) as unknown;
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `expected a JSON object of profiles or the path of a JSON file holding one (${(err as Error).message})` });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string(), ResourceProfile));

export const Px4PresetConfig = z
  .object({
    /** PX4 SITL image: a PX4 build that runs SIH headless (images/px4-sitl builds flightcheck/px4-sitl:v1.16). */
    px4Image: z.string().min(1).default('flightcheck/px4-sitl:v1.16'),
    agentImage: z.string().min(1).default('flightcheck/xrce-agent:v2.4'),
    /** drone_core image (bring your own: ROS 2 + DroneOS). Optional: without it the stack runs PX4 and the agent only. */
    droneCoreImage: z.string().min(1).default('flightcheck/drone-core:latest'),
    /**
     * PX4 as its SITL scripts start it: instance N (ports +N, sys id N+1, DDS client key N+1), no
     * shell, a working directory of its own (new with every container) and the ROMFS of the image.
     */
    px4Command: Command.default(['px4', '-i', '{instance}', '-d', '-w', '/px4/rootfs', '/opt/px4/etc']),
    /** PX4 environment; values are templates too. */
    px4Env: z.record(z.string(), z.string()).default({
      PX4_SYS_AUTOSTART: '10040',
      PX4_SIM_MODEL: 'sihsim_quadx',
      PX4_SIMULATOR: 'sihsim',
      HEADLESS: '1',
      PX4_SIM_SPEED_FACTOR: '{speed}',
      PX4_UXRCE_DDS_PORT: '{agentPort}',
      ROS_DOMAIN_ID: '{rosDomainId}',
    }),
    /** `-v 4` makes the agent log its sessions (the line the preset waits for). */
    agentCommand: Command.default(['MicroXRCEAgent', 'udp4', '-p', '{agentPort}', '-v', '4']),
    droneCoreCommand: Command.default([
      'ros2', 'run', 'drone_core', 'drone_core', '--ros-args',
      '-r', '__node:={droneName}', '-p', 'drone_name:={droneName}', '-p', 'px4_namespace:={px4Namespace}', '-p', 'mav_sys_id:={sysId}',
    ]),
    /**
     * The agent's output line that says this PX4's client has a session: a regular expression
     * (case-insensitive), a template like the commands. The agent v2.4 logs, at -v 4,
     * `… | establish_session | session established | client_key: 0x00000015, address: …`, and
     * PX4's rcS gives instance N the client key N+1 (`{clientKey}`: 8 hex digits).
     */
    agentSessionPattern: z.string().min(1).default('session established\\s*\\|\\s*client_key: 0x{clientKey}\\b'),
    /** drone_core's output line that says it is up; empty = ready once it runs. */
    droneCoreReadyPattern: z.string().default(''),
  })
  .strict();
export type Px4PresetConfig = z.infer<typeof Px4PresetConfig>;

export const ContainersConfig = z
  .object({
    stack: z.union([StackSpec, z.custom<StackChoice>((v) => typeof v === 'object' && v !== null && 'preset' in v)]).default({ preset: 'sim' }),
    /** The simulator image (images/sim/build.sh builds flightcheck/sim:<hash> and :latest). */
    simImage: z.string().min(1).default('flightcheck/sim:latest'),
    px4: Px4PresetConfig.default(Px4PresetConfig.parse({})),
    /** compose preset: wait per service, `service=log:<regex>` or `service=heartbeat:<port offset>` (default: running). */
    composeWaits: z.record(z.string(), z.string().regex(/^(log:.+|heartbeat:\d+)$/, 'expected log:<regex> or heartbeat:<port offset>')).default({}),
    /** Limit for one container to become ready (host clock). */
    startupTimeoutMs: z.number().int().positive().default(30_000),
    /** Retries of a stage that failed (a container that crashed while starting). */
    retries: z.number().int().min(0).max(5).default(1),
    /** Per-container CPU and memory limits by name: 'none' (default), 'pi5' (DroneOS on its Pi 5), or one of `resourceProfiles`. */
    resourceProfile: z.string().trim().min(1).default('none'),
    /** Profiles of the user's own, by name (a name of a built-in one replaces it). */
    resourceProfiles: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a profile name is letters, digits, _ . -'), ResourceProfile).default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    const known = knownProfiles(c.resourceProfiles);
    if (!known.includes(c.resourceProfile)) ctx.addIssue({ code: 'custom', path: ['resourceProfile'], message: `unknown resource profile "${c.resourceProfile}" (known: ${known.join(', ')})` });
    // A compose file is the vehicle's own deployment: its services' cpus / mem_limit /
    // memswap_limit are the limits, and a profile (which names roles, not services) would fly a
    // different one while the report named the profile.
    else if (c.resourceProfile !== 'none' && 'preset' in c.stack && c.stack.preset === 'compose') {
      ctx.addIssue({
        code: 'custom',
        path: ['resourceProfile'],
        message: `resource profile "${c.resourceProfile}" is for the sim and px4 presets; a compose stack runs under its own file's limits (cpus, mem_limit, memswap_limit per service): set them there, or leave the profile at none`,
      });
    }
  });
export type ContainersConfig = z.infer<typeof ContainersConfig>;
export type ContainersConfigInput = z.input<typeof ContainersConfig>;

/** The configuration from FLIGHT_* variables; a bad value is rejected naming the variable. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: ContainersConfigInput = {}): ContainersConfig {
  const raw: Record<string, unknown> = {};
  const px4: Record<string, unknown> = {};
  const issues: string[] = [];
  const take = <T>(name: string, schema: z.ZodType<T>, set: (v: T) => void) => {
    const v = env[name];
    if (v === undefined || v === '') return;
    const r = schema.safeParse(v);
    if (r.success) set(r.data);
    else {
      const i = r.error.issues[0]!;
      issues.push(`${name}: ${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`);
    }
  };
  take('FLIGHT_STACK', StackSpec, (v) => (raw.stack = v));
  take('FLIGHT_SIM_IMAGE', z.string().min(1), (v) => (raw.simImage = v));
  take('FLIGHT_PX4_IMAGE', z.string().min(1), (v) => (px4.px4Image = v));
  take('FLIGHT_AGENT_IMAGE', z.string().min(1), (v) => (px4.agentImage = v));
  take('FLIGHT_DRONE_CORE_IMAGE', z.string().min(1), (v) => (px4.droneCoreImage = v));
  take('FLIGHT_PX4_COMMAND', CommandFromEnv, (v) => (px4.px4Command = v));
  take('FLIGHT_AGENT_COMMAND', CommandFromEnv, (v) => (px4.agentCommand = v));
  take('FLIGHT_DRONE_CORE_COMMAND', CommandFromEnv, (v) => (px4.droneCoreCommand = v));
  take('FLIGHT_CONTAINER_STARTUP_TIMEOUT_MS', z.coerce.number().int().positive(), (v) => (raw.startupTimeoutMs = v));
  take(
    'FLIGHT_COMPOSE_WAIT',
    z.string().transform((s) => Object.fromEntries(s.split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))),
    (v) => (raw.composeWaits = v),
  );
  take('FLIGHT_RESOURCE_PROFILE', z.string().trim().min(1), (v) => (raw.resourceProfile = v));
  take('FLIGHT_RESOURCE_PROFILES', ProfilesFromEnv, (v) => (raw.resourceProfiles = v));
  if (issues.length > 0) throw new TypeError(`containers target: ${issues.join('; ')}`);
  const merged = {
    ...raw,
    ...overrides,
    px4: { ...px4, ...((overrides.px4 as object | undefined) ?? {}) },
    resourceProfiles: { ...((raw.resourceProfiles as object | undefined) ?? {}), ...((overrides.resourceProfiles as object | undefined) ?? {}) },
  };
  const r = ContainersConfig.safeParse(merged);
  if (!r.success) {
    const i = r.error.issues[0]!;
    // Name the variable a bad value came from, when it did.
    const where = i.path[0] === 'resourceProfile' && overrides.resourceProfile === undefined ? `FLIGHT_RESOURCE_PROFILE=${String(raw.resourceProfile)}` : i.path.join('.') || 'config';
    throw new TypeError(`containers target: ${where}: ${i.message}`);
  }
  return r.data;
}

/** Fills `{name}` placeholders; an unknown one is an error naming it (a typo must not reach docker). */
export function fillTemplate(word: string, vars: Record<string, string | number>): string {
  return word.replace(/\{([a-zA-Z][a-zA-Z0-9]*)\}/g, (_, name: string) => {
    if (!(name in vars)) throw new TypeError(`unknown placeholder {${name}} in "${word}" (known: ${Object.keys(vars).map((k) => `{${k}}`).join(' ')})`);
    return String(vars[name]);
  });
}
