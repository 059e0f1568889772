import fs from 'node:fs';
import path from 'node:path';
import { RUN_SETTINGS_ENV, runSettings } from './run-settings.js';

/** The names a project's config may have, in the order they are looked for. */
export const CONFIG_FILES = ['flightcheck.config.ts', 'flightcheck.config.mts', 'flightcheck.config.js', 'flightcheck.config.mjs'];

/** A config that cannot be found, loaded or checked: one line per problem, naming the file and field. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * The config file in effect: FLIGHT_CONFIG, else the first of CONFIG_FILES in `dir`; null when
 * there is none. Kept apart from the config's schema so a start without one loads nothing more.
 */
export function findConfigFile(dir = process.cwd(), env: NodeJS.ProcessEnv = process.env): string | null {
  // A run's workers take the run's config; otherwise FLIGHT_CONFIG names one.
  const named = runSettings(env).config;
  if (named) {
    const file = path.resolve(dir, named);
    if (!fs.existsSync(file)) throw new ConfigError(`${env[RUN_SETTINGS_ENV] ? 'the run\'s config' : 'FLIGHT_CONFIG='}${named}: no such file`);
    return file;
  }
  for (const name of CONFIG_FILES) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  return null;
}
