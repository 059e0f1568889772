import path from 'node:path';

/**
 * What a run hands to the processes that fly its scenarios (Jest's workers and reporters): one
 * typed value, written once by `flightcheck run` into RUN_SETTINGS_ENV and read here, checked
 * field by field. Nothing else reads the run's settings from the environment.
 *
 * Without `flightcheck run` (Jest started directly, as `npm test` does) the same settings come from
 * the documented FLIGHT_* variables instead, read here too.
 */
export interface RunSettings {
  /** The target's name (a built-in one or a config's plugin); absent: each file's own, else sim. */
  target?: string;
  /** Speed factor as given (`1`, `10`, `max`); absent: each file's own, else the target's default. */
  speed?: string;
  /** The simulator's seed; absent: each file's own, else 1. */
  seed?: number;
  /** Where the run's results go (absolute); absent: flight-results in the current folder. */
  resultsDir?: string;
  /** The first instance index of the run's worker blocks (shards and FLIGHT_INSTANCE_BASE). */
  instanceBase: number;
  /** The project's config file, for its plugins. */
  config?: string;
  /** The hil target's rig file (absolute). */
  rig?: string;
  /** The hil target's rack file (absolute): each stack leases free rigs from it. */
  rack?: string;
  /** Where the workers send live progress (a loopback UDP port of the run's display). */
  progressPort?: number;
  /** The journal the run's Jest reporter appends each finished test to. */
  journal?: string;
}

/**
 * Each field's check, by hand rather than with zod: this module is on the CLI's start-up path
 * (the config lookup), which loads no schema library before it needs one.
 */
const FIELDS: Record<keyof RunSettings, (v: unknown) => string | null> = {
  target: text,
  speed: (v) => (typeof v === 'string' && /^(max|\d+(\.\d+)?)$/.test(v) ? null : 'a number or max'),
  seed: (v) => (Number.isInteger(v) ? null : 'an integer'),
  resultsDir: text,
  instanceBase: (v) => (Number.isInteger(v) && (v as number) >= 0 ? null : 'a whole number, 0 or more'),
  config: text,
  rig: text,
  rack: text,
  progressPort: (v) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535 ? null : 'a port, 1 to 65535'),
  journal: text,
};

function text(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? null : 'a non-empty string';
}

/** The settings checked field by field (unknown fields are errors); absent fields stay absent. */
function check(raw: unknown, name: (field: string) => string = (f) => f): RunSettings {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('expected an object');
  const problems: string[] = [];
  const out: Record<string, unknown> = { instanceBase: 0 };
  for (const [key, value] of Object.entries(raw)) {
    const check = FIELDS[key as keyof RunSettings];
    if (!check) problems.push(`unknown field "${key}"`);
    else if (value === undefined) continue;
    else {
      const problem = check(value);
      if (problem) problems.push(`${name(key)}: expected ${problem}, got ${JSON.stringify(value)}`);
      else out[key] = value;
    }
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return out as unknown as RunSettings;
}

/** The one environment variable that carries a run's settings to its workers (JSON). */
export const RUN_SETTINGS_ENV = 'FLIGHTCHECK_RUN';

/** A run's settings as the environment entry for its workers; checked before Jest starts. */
export function encodeRunSettings(settings: Omit<RunSettings, 'instanceBase'> & { instanceBase?: number }): Record<string, string> {
  return { [RUN_SETTINGS_ENV]: JSON.stringify(check(settings)) };
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
  try {
    return check(raw);
  } catch (err) {
    throw new Error(`${RUN_SETTINGS_ENV}: ${(err as Error).message}`);
  }
}

/** The variable each setting comes from when Jest was started without `flightcheck run`. */
const VARIABLE = {
  target: 'FLIGHT_TARGET', speed: 'FLIGHT_SPEED', seed: 'FLIGHT_SEED', resultsDir: 'FLIGHT_RESULTS_DIR',
  instanceBase: 'FLIGHT_INSTANCE_BASE', config: 'FLIGHT_CONFIG', rig: 'FLIGHT_RIG', rack: 'FLIGHT_RACK',
} as const satisfies Partial<Record<keyof RunSettings, string>>;
const FROM_ENV = Object.values(VARIABLE);

/** The settings of a process Jest started without `flightcheck run`: the FLIGHT_* variables. */
function fromVariables(env: NodeJS.ProcessEnv): RunSettings {
  const given = (name: (typeof FROM_ENV)[number]) => (env[name] === '' ? undefined : env[name]);
  // Not a number: the text itself, so the error shows what was given.
  const number = (name: (typeof FROM_ENV)[number]) => {
    const v = given(name);
    return v === undefined || Number.isNaN(Number(v)) ? v : Number(v);
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
  return check(raw, (field) => VARIABLE[field as keyof typeof VARIABLE] ?? field);
}
