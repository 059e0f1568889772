import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { FlightcheckPlugin } from '../plugins.js';
import { ConfigError, findConfigFile } from './find.js';

export { CONFIG_FILES, ConfigError, findConfigFile } from './find.js';

/**
 * The project's configuration, `flightcheck.config.ts` beside package.json (as
 * playwright.config.ts): the plugins that bring its own targets, and the defaults of a run. The CLI
 * reads it and hands its path to the Jest workers (FLIGHT_CONFIG), which read the same file: one
 * channel, one source.
 */
export const ProjectConfig = z
  .object({
    /** Modules whose default export (or `plugin` export) is a FlightcheckPlugin: paths relative to this file, or package names. */
    plugins: z.array(z.string().min(1)).default([]),
    /** The target a run uses when neither --target nor FLIGHT_TARGET names one. */
    target: z.string().min(1).optional(),
    /** Where `flightcheck run` looks for scenarios when given no pattern. */
    scenarios: z.array(z.string().min(1)).min(1).default(['scenarios/']),
    /** Where results go when neither --results nor FLIGHT_RESULTS_DIR says. */
    results: z.string().min(1).optional(),
  })
  .strict();
export type ProjectConfig = z.infer<typeof ProjectConfig>;
/** The config as written (every field optional): what `defineConfig` takes. */
export type ProjectConfigInput = z.input<typeof ProjectConfig>;

/** Types the config where it is written: `export default defineConfig({ … })`. */
export function defineConfig(config: ProjectConfigInput): ProjectConfigInput {
  return config;
}

/** A project's config as read, with where it came from. */
export interface LoadedConfig {
  /** The file it came from; null: no file, the defaults. */
  file: string | null;
  /** The config, defaults filled in. */
  config: ProjectConfig;
}

/**
 * Imports a module of the project's (the config, a plugin): TypeScript through tsx where plain
 * Node runs (the CLI, also from the compiled package); inside Jest its own transform does it.
 */
async function importProjectModule(href: string): Promise<Record<string, unknown>> {
  // Jest gives the modules it loads `import.meta.jest`; plain Node does not.
  const underJest = (import.meta as { jest?: unknown }).jest !== undefined;
  if (!/\.[cm]?ts$/.test(href) || underJest) return (await import(href)) as Record<string, unknown>;
  try {
    // A checkout's CLI runs under tsx already: a plain import costs nothing more.
    return (await import(href)) as Record<string, unknown>;
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(href, import.meta.url)) as Record<string, unknown>;
  }
}

/** Reads and checks the config; a bad one is one line per problem, each naming the file and the field. */
export async function loadProjectConfig(dir = process.cwd(), env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  const file = findConfigFile(dir, env);
  if (!file) return { file: null, config: ProjectConfig.parse({}) };
  let raw: unknown;
  try {
    raw = (await importProjectModule(pathToFileURL(file).href)).default;
  } catch (err) {
    throw new ConfigError(`${path.basename(file)}: could not be loaded: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (raw === undefined) throw new ConfigError(`${path.basename(file)}: has no default export (export default defineConfig({ … }))`);
  const r = ProjectConfig.safeParse(raw);
  if (!r.success) {
    throw new ConfigError(r.error.issues.map((i) => `${path.basename(file)}: ${i.path.join('.') || '(config)'}: ${i.message}`).join('\n'));
  }
  return { file, config: r.data };
}

let loadedOnce: Promise<LoadedConfig> | null = null;

/** The config of this process's project (cwd, or FLIGHT_CONFIG), read once. */
export function projectConfig(): Promise<LoadedConfig> {
  loadedOnce ??= loadProjectConfig();
  return loadedOnce;
}

/** The plugins a config names, imported (relative paths from the config's folder) and checked. */
export async function importPlugins(loaded: LoadedConfig): Promise<FlightcheckPlugin[]> {
  const base = loaded.file ? path.dirname(loaded.file) : process.cwd();
  const configName = loaded.file ? path.basename(loaded.file) : 'config';
  const out: FlightcheckPlugin[] = [];
  for (const spec of loaded.config.plugins) {
    const where = spec.startsWith('.') || path.isAbsolute(spec) ? pathToFileURL(path.resolve(base, spec)).href : spec;
    let mod: { default?: unknown; plugin?: unknown };
    try {
      mod = await importProjectModule(where);
    } catch (err) {
      throw new ConfigError(`${configName}: plugin ${spec}: could not be loaded: ${(err as Error).message.split('\n')[0]}`, { cause: err });
    }
    const plugin = mod.default ?? mod.plugin;
    const problem = pluginProblem(plugin);
    if (problem) throw new ConfigError(`${configName}: plugin ${spec}: ${problem}`);
    out.push(plugin as FlightcheckPlugin);
  }
  return out;
}

/** Why a module's export is not a plugin, or null. */
function pluginProblem(p: unknown): string | null {
  if (typeof p !== 'object' || p === null) return 'exports no plugin (export default { name, targets: [{ name, description, load }] })';
  const o = p as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name === '') return 'its plugin has no name';
  if (o.targets !== undefined) {
    if (!Array.isArray(o.targets)) return 'targets: expected an array';
    for (const [i, t] of (o.targets as unknown[]).entries()) {
      const e = t as Record<string, unknown> | null;
      if (!e || typeof e.name !== 'string' || typeof e.description !== 'string' || typeof e.load !== 'function') return `targets.${i}: expected { name, description, load() }`;
    }
  }
  return null;
}
