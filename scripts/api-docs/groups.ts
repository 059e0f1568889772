/**
 * The package's entry points and how the reference groups what they export: by the file a symbol
 * is declared in (the config entry's by the entry). A symbol no group claims is an error, so a new
 * module cannot slip out of the reference.
 */
export interface ApiEntry {
  /** Source of the entry point, relative to the package root. */
  file: string;
  /** What a project imports it as. */
  specifier: string;
}

export const ENTRIES: readonly ApiEntry[] = [
  { file: 'fixtures/index.ts', specifier: 'flightcheck' },
  { file: 'src/config/project.ts', specifier: 'flightcheck/config' },
];

export interface ApiGroup {
  title: string;
  /** One line under the group's heading. */
  about: string;
  /** Declaring files (relative to the root) whose symbols belong here. */
  files?: readonly string[];
  /** Every symbol of this entry point belongs here. */
  entry?: string;
}

export const GROUPS: readonly ApiGroup[] = [
  {
    title: 'Fixture',
    about: 'One stack per test file, vehicles handed to each test in a known state, budgets judged after it.',
    files: ['fixtures/use-flight.ts', 'fixtures/compose.ts', 'fixtures/drone-core.ts'],
  },
  {
    title: 'Pilot',
    about: 'Commands, setpoints, missions and the errors they reject with. Positions in the local NED frame.',
    files: ['src/vehicle/pilot.ts', 'src/vehicle/errors.ts', 'src/vehicle/mission-plan.ts', 'src/vehicle/mission-transfer.ts', 'src/vehicle/px4-modes.ts'],
  },
  {
    title: 'Telemetry',
    about: "The vehicle's latest state and its time series, as PX4 streams them, in the local NED frame.",
    files: ['src/vehicle/vehicle.ts', 'src/vehicle/telemetry.ts', 'src/vehicle/frame.ts'],
  },
  {
    title: 'Waits',
    about: 'Asserting what the vehicle did, with a time-out on a named clock.',
    files: ['src/vehicle/wait.ts'],
  },
  {
    title: 'Manoeuvres',
    about: 'Building blocks the shipped scenarios fly.',
    files: ['fixtures/maneuvers.ts'],
  },
  {
    title: 'Analysis',
    about: "Judging recorded telemetry, and tolerances read from the vehicle's own parameters.",
    files: ['fixtures/analysis.ts', 'fixtures/vehicle-params.ts'],
  },
  {
    title: 'Budgets',
    about: 'What a budget declaration takes and what its judgement says.',
    files: ['src/budgets/schema.ts', 'src/budgets/evaluate.ts', 'src/budgets/measurements.ts'],
  },
  {
    title: 'Run settings',
    about: 'What the run a scenario flies in was asked for (target, speed, seed, results), as its workers read it.',
    files: ['src/config/run-settings.ts'],
  },
  {
    title: 'Config',
    about: 'flightcheck.config.ts: the plugins and defaults of a project.',
    entry: 'src/config/project.ts',
  },
];

/** The group a symbol belongs to, or null. */
export function groupOf(symbol: { entry: string; file: string }): ApiGroup | null {
  return GROUPS.find((g) => g.entry === symbol.entry) ?? GROUPS.find((g) => g.files?.includes(symbol.file)) ?? null;
}
