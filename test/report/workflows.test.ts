// The CI workflow files run commands that exist: every `npm run X` has a script, every
// `npx flightcheck CMD --flag` names a command of the CLI and flags that command parses, the shard
// matrix covers every shard, and files handed to the CLI are in the repository.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { usage } from '../../src/cli/main.js';
import { useBuiltinPlugins } from '../../fixtures/plugins.js';
import { REPORT_OPTIONS } from '../../src/cli/report.js';
import { RUN_OPTIONS } from '../../src/cli/run.js';
import { FIDELITY_OPTIONS } from '../../src/cli/fidelity.js';

const root = path.resolve(import.meta.dirname, '../..');
const dir = path.join(root, '.github', 'workflows');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> };

/** Flags of each command, as its module declares them to parseArgs. */
const OPTIONS: Record<string, NonNullable<ParseArgsConfig['options']>> = { run: RUN_OPTIONS, report: REPORT_OPTIONS, fidelity: FIDELITY_OPTIONS };
/** Commands the CLI has (the plugins' included, as bin/flightcheck.js composes it), read from its usage text. */
useBuiltinPlugins();
const COMMANDS = usage().split('\n').map((l) => /^ {2}(\S+)\s{2,}/.exec(l)?.[1]).filter((c): c is string => !!c);

interface Step { run?: string; uses?: string; with?: Record<string, unknown> }
interface Job { 'runs-on': string | string[]; steps: Step[]; needs?: string | string[]; strategy?: { matrix?: Record<string, unknown[]> }; if?: string }
interface Workflow { name: string; on: Record<string, unknown>; jobs: Record<string, Job> }

const files = ['pr-gate.yml', 'nightly-hil.yml', 'nightly-px4.yml'];
const workflows = Object.fromEntries(files.map((f) => [f, parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Workflow]));

/** Shell words of a `run:` block, one array per simple command (continuations joined, quotes honoured). */
function commands(script: string): string[][] {
  const out: string[][] = [];
  for (const line of script.replace(/\\\n/g, ' ').split(/\n|&&|\|\||;/)) {
    const words: string[] = [];
    for (const m of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) words.push(m[1] ?? m[2] ?? m[3]!);
    if (words[0]?.startsWith('#')) continue;
    if (words.length > 0) out.push(words);
  }
  return out;
}

/** Every (job, step command) of a workflow, with GitHub expressions expanded over the job's matrix. */
function allCommands(wf: Workflow): { job: string; words: string[] }[] {
  const out: { job: string; words: string[] }[] = [];
  for (const [name, job] of Object.entries(wf.jobs)) {
    const matrix = job.strategy?.matrix ?? {};
    const keys = Object.keys(matrix);
    const combos: Record<string, string>[] = keys.reduce<Record<string, string>[]>(
      (acc, k) => acc.flatMap((c) => (matrix[k] as unknown[]).map((v) => ({ ...c, [k]: String(v) }))),
      [{}],
    );
    for (const step of job.steps) {
      if (!step.run) continue;
      for (const combo of combos) {
        const script = step.run.replace(/\$\{\{\s*matrix\.(\w+)\s*\}\}/g, (_, k: string) => combo[k] ?? `<matrix.${k}?>`).replace(/\$\{\{[^}]*\}\}/g, 'EXPR');
        for (const words of commands(script)) out.push({ job: name, words });
      }
    }
  }
  return out;
}

describe.each(files)('%s', (file) => {
  const wf = workflows[file]!;
  const cmds = allCommands(wf);

  it('parses, has triggers and jobs with steps, and pins every action to a version', () => {
    expect(wf.on).toBeTruthy();
    expect(Object.keys(wf.jobs).length).toBeGreaterThan(0);
    for (const [name, job] of Object.entries(wf.jobs)) {
      expect([name, job.steps.length > 0]).toEqual([name, true]);
      for (const s of job.steps) if (s.uses) expect(s.uses).toMatch(/^[\w-]+\/[\w/-]+@v\d+$/);
    }
  });

  it('uses Node 20 and installs with npm ci', () => {
    const nodes = Object.values(wf.jobs).flatMap((j) => j.steps.filter((s) => s.uses?.startsWith('actions/setup-node@')).map((s) => s.with?.['node-version']));
    expect(nodes.length).toBeGreaterThan(0);
    for (const v of nodes) expect(String(v)).toBe('20');
    expect(cmds.some((c) => c.words[0] === 'npm' && c.words[1] === 'ci')).toBe(true);
    expect(cmds.filter((c) => c.words[0] === 'npm' && ['install', 'i'].includes(c.words[1]!))).toEqual([]);
  });

  it('runs only npm scripts that package.json has', () => {
    for (const { words } of cmds.filter((c) => c.words[0] === 'npm' && ['run', 'test', 'start'].includes(c.words[1]!))) {
      const script = words[1] === 'run' ? words[2]! : words[1]!;
      expect([words.join(' '), script in pkg.scripts]).toEqual([words.join(' '), true]);
    }
  });

  it('runs flightcheck commands the CLI has, with flags those commands accept', () => {
    expect(pkg.bin.flightcheck).toBeDefined();
    const fc = cmds.filter((c) => c.words[0] === 'npx' && c.words[1] === 'flightcheck');
    expect(fc.length).toBeGreaterThan(0);
    for (const { words } of fc) {
      const [cmd, ...args] = words.slice(2);
      const line = words.join(' ');
      expect([line, COMMANDS.includes(cmd!)]).toEqual([line, true]);
      const options = OPTIONS[cmd!];
      if (args.some((a) => a.startsWith('-'))) expect([line, options !== undefined]).toEqual([line, true]);
      if (!options) continue;
      let error = '';
      try {
        parseArgs({ args, options, strict: true, allowPositionals: true });
      } catch (err) {
        error = (err as Error).message;
      }
      expect([line, error]).toEqual([line, '']);
      for (const flag of ['--rack', '--rig', '--known-gaps']) {
        const i = args.indexOf(flag);
        if (i >= 0) expect([line, fs.existsSync(path.join(root, args[i + 1]!))]).toEqual([line, true]);
      }
      if (cmd === 'run' && args.includes('--shard')) expect(args[args.indexOf('--shard') + 1]).toMatch(/^\d+\/\d+$/);
    }
  });
});

describe('pr-gate.yml', () => {
  const wf = workflows['pr-gate.yml']!;
  const cmds = allCommands(wf);

  it('runs on pull requests and type-checks', () => {
    expect(Object.keys(wf.on)).toContain('pull_request');
    expect(cmds.some((c) => c.words.join(' ') === 'npm run typecheck')).toBe(true);
  });

  it('covers every shard of the simulator suite exactly once', () => {
    const shards = cmds.filter((c) => c.words[2] === 'run' && c.words.includes('--shard')).map((c) => c.words[c.words.indexOf('--shard') + 1]!);
    const [, n] = shards[0]!.split('/').map(Number);
    expect(shards.sort()).toEqual(Array.from({ length: n! }, (_, i) => `${i + 1}/${n}`));
    for (const c of cmds.filter((x) => x.words.includes('--shard'))) expect(c.words.slice(0, 5)).toEqual(['npx', 'flightcheck', 'run', '--target', 'sim']);
  });

  it('runs the containers suite and merges every results artifact into one report after both', () => {
    expect(cmds.some((c) => c.words.slice(0, 5).join(' ') === 'npx flightcheck run --target containers')).toBe(true);
    const report = Object.entries(wf.jobs).find(([, j]) => j.steps.some((s) => s.run?.includes('flightcheck report')))!;
    expect(report).toBeDefined();
    const [name, job] = report;
    expect([job.needs].flat()).toEqual(expect.arrayContaining(['sim', 'px4', 'containers']));
    expect(job.if).toMatch(/cancelled\(\)|always\(\)/);
    // Artifact names per job, expanded over the job's matrix: each shard must upload under its own name.
    const uploads = Object.values(wf.jobs).flatMap((j) =>
      j.steps
        .filter((s) => s.uses?.startsWith('actions/upload-artifact@'))
        .flatMap((s) => (j.strategy?.matrix?.shard ?? [null]).map((v) => String(s.with?.name).replace(/\$\{\{\s*matrix\.shard\s*\}\}/g, String(v)))),
    );
    const download = job.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
    const pattern = new RegExp(`^${String(download.with?.pattern).replace(/\*/g, '.*')}$`);
    const resultUploads = uploads.filter((u) => u.startsWith('flight-results'));
    expect(new Set(resultUploads)).toEqual(new Set(['flight-results-sim-1', 'flight-results-sim-2', 'flight-results-px4', 'flight-results-containers']));
    for (const u of resultUploads) expect([u, pattern.test(u)]).toEqual([u, true]);
    const merge = cmds.find((c) => c.job === name && c.words[2] === 'report')!.words;
    expect(merge.includes('--merge') || merge.includes('--from')).toBe(true);
    expect(merge).toContain('--fail-on-budget');
  });
});

/** The jobs of a workflow that fly real PX4 SITL: the native target with FLIGHT_PX4_DIR a PX4 build built in the job. */
function px4Lanes(wf: Workflow): Job[] {
  return Object.values(wf.jobs).filter((j) => j.steps.some((s) => s.run?.includes('flightcheck run --target native')));
}

describe.each(['pr-gate.yml', 'nightly-px4.yml'])('%s: the real-PX4 lane', (file) => {
  it('builds PX4 v1.16.0 SITL from source (cached) and flies the suite on it with FLIGHT_PX4_DIR pointing at that build', () => {
    const lanes = px4Lanes(workflows[file]!);
    expect(lanes).toHaveLength(1);
    const steps = lanes[0]!.steps;
    const px4 = steps.find((s) => s.uses?.startsWith('actions/checkout@') && s.with?.repository === 'PX4/PX4-Autopilot')!;
    expect(px4.with).toMatchObject({ ref: 'v1.16.0', submodules: 'recursive' });
    expect(steps.some((s) => s.run?.includes('make -C PX4-Autopilot px4_sitl_default'))).toBe(true);
    const fly = steps.find((s) => s.run?.includes('flightcheck run --target native')) as Step & { env?: Record<string, string> };
    expect(fly.env?.FLIGHT_PX4_DIR).toBe('PX4-Autopilot/build/px4_sitl_default');
    // Nothing here may pass by skipping everything.
    expect(fly.run).not.toContain('--allow-all-skipped');
  });
});

describe('nightly-hil.yml', () => {
  const wf = workflows['nightly-hil.yml']!;

  it('runs on a schedule on the self-hosted hil-rack runner, one run at a time', () => {
    const schedule = wf.on.schedule as { cron: string }[];
    expect(schedule[0]!.cron.trim().split(/\s+/)).toHaveLength(5);
    for (const job of Object.values(wf.jobs)) expect([job['runs-on']].flat()).toEqual(expect.arrayContaining(['self-hosted', 'hil-rack']));
    expect((wf as unknown as { concurrency: { 'cancel-in-progress': boolean } }).concurrency['cancel-in-progress']).toBe(false);
  });

  it('runs the hil target with the rack file, then the report with history, and uploads it', () => {
    const cmds = allCommands(wf).map((c) => c.words.join(' '));
    expect(cmds).toContain('npx flightcheck run --target hil --rack rigs/rack.yaml --results flight-results --json flight-results/hil.json');
    expect(cmds.some((c) => c.startsWith('npx flightcheck report') && c.includes('--history'))).toBe(true);
    const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
    expect(steps.some((s) => s.uses?.startsWith('actions/upload-artifact@') && String(s.with?.path).includes('allure-report'))).toBe(true);
  });
});

describe('the command reader itself', () => {
  it('splits scripts into commands and words', () => {
    expect(commands("npm ci\nnpx flightcheck report --from 'shards/*' \\\n  --results merged && echo \"a b\"\n# note")).toEqual([
      ['npm', 'ci'],
      ['npx', 'flightcheck', 'report', '--from', 'shards/*', '--results', 'merged'],
      ['echo', 'a b'],
    ]);
  });

  it('knows the CLI commands and rejects unknown flags', () => {
    expect(COMMANDS).toEqual(expect.arrayContaining(['run', 'report', 'doctor', 'targets', 'sim']));
    expect(() => parseArgs({ args: ['--shardd', '1/2'], options: RUN_OPTIONS, strict: true, allowPositionals: true })).toThrow(/--shardd/);
  });
});
