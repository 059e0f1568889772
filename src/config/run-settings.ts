import path from 'node:path';
import { z } from 'zod';

/**
 * What a run hands to the processes that fly its scenarios (Jest's workers and reporters): one
 * typed value, written once by `flightcheck run` into RUN_SETTINGS_ENV and read here, checked
 * against one schema. Nothing else reads the run's settings from the environment.
 *
 * Without `flightcheck run` (Jest started directly, as `npm test` does) the same settings come from
 * the documented FLIGHT_* variables instead, read here too.
 */
export const RunSettings = z
  .object({
    /** The target's name (a built-in one or a config's plugin); absent: each file's own, else sim. */
    target: z.string().min(1).optional(),
    /** Speed factor as given (`1`, `10`, `max`); absent: each file's own, else the target's default. */
    speed: z.string().regex(/^(max|\d+(\.\d+)?)$/, 'a number or max').optional(),
    /** The simulator's seed; absent: each file's own, else 1. */
    seed: z.number().int().optional(),
    /** Where the run's results go (absolute); absent: flight-results in the current folder. */
    resultsDir: z.string().min(1).optional(),
    /** The first instance index of the run's worker blocks (shards and FLIGHT_INSTANCE_BASE). */
    instanceBase: z.number().int().min(0).default(0),
    /** The project's config file, for its plugins. */
    config: z.string().min(1).optional(),
    /** The hil target's rig file (absolute). */
    rig: z.string().min(1).optional(),
    /** The hil target's rack file (absolute): each stack leases free rigs from it. */
    rack: z.string().min(1).optional(),
    /** Where the workers send live progress (a loopback UDP port of the run's display). */
    progressPort: z.number().int().min(1).max(65535).optional(),
    /** The journal the run's Jest reporter appends each finished test to. */
    journal: z.string().min(1).optional(),
  })
  .strict();
export type RunSettings = z.infer<typeof RunSettings>;

/** The one environment variable that carries a run's settings to its workers (JSON). */
export const RUN_SETTINGS_ENV = 'FLIGHTCHECK_RUN';

/** A run's settings as the environment entry for its workers; checked before Jest starts. */
export function encodeRunSettings(settings: z.input<typeof RunSettings>): Record<string, string> {
  return { [RUN_SETTINGS_ENV]: JSON.stringify(RunSettings.parse(settings)) };
}

/** An environment without a run's settings: what a run reads its own from (never an outer run's). */
export function withoutRunSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { [RUN_SETTINGS_ENV]: _outer, ...rest } = env;
  return rest;
}

let cached: { key: string; settings: RunSettings } | null = null;

/**
 * This process's run settings: RUN_SETTINGS_ENV when `flightcheck run` started it, else the
 * FLIGHT_* variables. A malformed value is an error naming the field, thrown before anything flies.
 */
export function runSettings(env: NodeJS.ProcessEnv = process.env): RunSettings {
  const encoded = env[RUN_SETTINGS_ENV];
  const key = encoded ?? JSON.stringify(FROM_ENV.map((k) => env[k] ?? null));
  if (cached?.key === key) return cached.settings;
  const settings = encoded !== undefined ? decode(encoded) : fromVariables(env);
  cached = { key, settings };
  return settings;
}

function decode(encoded: string): RunSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(encoded);
  } catch {
    throw new Error(`${RUN_SETTINGS_ENV}: not JSON: ${encoded.slice(0, 80)}`);
  }
  const parsed = RunSettings.safeParse(raw);
  if (!parsed.success) throw new Error(`${RUN_SETTINGS_ENV}: ${issues(parsed.error)}`);
  return parsed.data;
}

const FROM_ENV = ['FLIGHT_TARGET', 'FLIGHT_SPEED', 'FLIGHT_SEED', 'FLIGHT_RESULTS_DIR', 'FLIGHT_INSTANCE_BASE', 'FLIGHT_CONFIG', 'FLIGHT_RIG', 'FLIGHT_RACK'] as const;

/** The settings of a process Jest started without `flightcheck run`: the FLIGHT_* variables. */
function fromVariables(env: NodeJS.ProcessEnv): RunSettings {
  const given = (name: (typeof FROM_ENV)[number]) => (env[name] === '' ? undefined : env[name]);
  const number = (name: (typeof FROM_ENV)[number]) => {
    const v = given(name);
    return v === undefined ? undefined : Number(v);
  };
  const raw = {
    target: given('FLIGHT_TARGET'),
    speed: given('FLIGHT_SPEED'),
    seed: number('FLIGHT_SEED'),
    // An empty FLIGHT_RESULTS_DIR is unset, not the current folder.
    resultsDir: given('FLIGHT_RESULTS_DIR') && path.resolve(given('FLIGHT_RESULTS_DIR')!),
    instanceBase: number('FLIGHT_INSTANCE_BASE') ?? 0,
    config: given('FLIGHT_CONFIG'),
    rig: given('FLIGHT_RIG'),
    rack: given('FLIGHT_RACK'),
  };
  const parsed = RunSettings.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
  if (!parsed.success) throw new Error(issues(parsed.error, (field) => VARIABLE[field] ?? field));
  return parsed.data;
}

const VARIABLE: Record<string, string> = {
  target: 'FLIGHT_TARGET', speed: 'FLIGHT_SPEED', seed: 'FLIGHT_SEED', resultsDir: 'FLIGHT_RESULTS_DIR',
  instanceBase: 'FLIGHT_INSTANCE_BASE', config: 'FLIGHT_CONFIG', rig: 'FLIGHT_RIG', rack: 'FLIGHT_RACK',
};

function issues(error: z.ZodError, name: (field: string) => string = (f) => f): string {
  return error.issues.map((i) => `${i.path.length > 0 ? `${name(String(i.path[0]))}: ` : ''}${i.message}`).join('; ');
}
