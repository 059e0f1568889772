import type { Target } from './targets/target.js';

/**
 * What a package of targets adds to flightcheck. The core imports no target: the built-in ones
 * (sitl/sim, sitl/native, sitl/containers, hil) are plugins registered exactly as a user's own
 * would be, by whoever composes the program (bin/flightcheck.js, fixtures/plugins.ts).
 */
export interface FlightcheckPlugin {
  /** For messages ("hil", "containers", or your package's name). */
  name: string;
  /** Targets by name, each loaded lazily: a scenario on the sim never loads testcontainers or serialport. */
  targets?: TargetEntry[];
  /** Commands it adds to the CLI (`flightcheck <name>`). */
  commands?: Record<string, CliCommand>;
  /** Problems with what `flightcheck run` was given that concern this plugin (a rig file), one line each, before anything starts. */
  preflight?: (o: RunSelection) => Promise<string[]>;
  /** Jest workers a run on its target should use (one per rig of a rack), or null to leave it to the CLI. */
  workers?: (o: RunSelection) => Promise<number | null>;
}

export interface TargetEntry {
  name: string;
  description: string;
  load: () => Promise<Target>;
}

export interface CliCommand {
  summary: string;
  load: () => Promise<(argv: string[]) => Promise<number>>;
}

/** What `flightcheck run` was asked for, as a plugin's hooks see it. */
export interface RunSelection {
  target: string;
  rig?: string;
  rack?: string;
}

const plugins: FlightcheckPlugin[] = [];
const targets = new Map<string, TargetEntry & { plugin: string }>();

/** Registers a plugin's targets and commands; a second plugin of the same name is ignored (a module loaded twice). */
export function usePlugin(plugin: FlightcheckPlugin): void {
  if (plugins.some((p) => p.name === plugin.name)) return;
  for (const t of plugin.targets ?? []) {
    const owner = targets.get(t.name);
    if (owner) throw new TypeError(`plugin ${plugin.name}: target "${t.name}" is already provided by plugin ${owner.plugin}`);
  }
  plugins.push(plugin);
  for (const t of plugin.targets ?? []) targets.set(t.name, { ...t, plugin: plugin.name });
}

export function usedPlugins(): readonly FlightcheckPlugin[] {
  return plugins;
}

export function targetNames(): { name: string; description: string }[] {
  return [...targets.values()].map(({ name, description }) => ({ name, description }));
}

export async function loadTarget(name: string): Promise<Target> {
  const entry = targets.get(name);
  if (!entry) {
    const known = [...targets.keys()];
    throw new TypeError(`unknown target "${name}": expected one of ${known.join(', ') || '(none: no plugin registered a target)'}`);
  }
  return entry.load();
}

/** Every plugin's CLI commands, by name. */
export function pluginCommands(): Record<string, CliCommand> {
  return Object.assign({}, ...plugins.map((p) => p.commands ?? {})) as Record<string, CliCommand>;
}
