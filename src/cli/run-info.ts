import { execFileSync } from 'node:child_process';
import { runSettings } from '../config/run-settings.js';

/** What a run's summary.json says about the run itself, beside its verdicts. */
export interface RunMeta {
  target: string;
  /** The speed factor scenarios flew at unless a file names its own (then its records say so). */
  speed: string;
  shard: string | null;
  /** When `flightcheck run` started (ISO 8601, UTC). */
  startedAt: string;
  /** The checkout's commit (with "-dirty" when files differ from it), or null with the reason. */
  commit: string | null;
  commitAbsent?: string;
}

/** The speed a scenario file flies at when it names none: --speed, else FLIGHT_SPEED, else the target's default (as useFlight decides). */
export function effectiveSpeed(target: string, given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return given ?? runSettings(env).speed ?? (target === 'sim' ? 'max' : '1');
}

/** `git rev-parse HEAD` of the working directory, or why there is none. */
export function gitCommit(cwd = process.cwd()): Pick<RunMeta, 'commit' | 'commitAbsent'> {
  const git = (args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 }).trim();
  try {
    const sha = git(['rev-parse', 'HEAD']);
    let dirty = false;
    try {
      dirty = git(['status', '--porcelain', '--untracked-files=no']).length > 0;
    } catch {
      // a status that fails leaves the commit as it is
    }
    return { commit: dirty ? `${sha}-dirty` : sha };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    const why = e.code === 'ENOENT' ? 'git is not installed' : (e.stderr?.trim().split('\n')[0] ?? e.message).replace(/^fatal: /, '');
    return { commit: null, commitAbsent: `not a git checkout (${why})` };
  }
}

/** The PX4 versions the vehicles reported (AUTOPILOT_VERSION, in each scenario's stack info), or null when none did. */
export function reportedPx4Version(infos: Record<string, string>[]): string | null {
  const versions = [...new Set(infos.flatMap((i) => (i.px4Version ? i.px4Version.split(', ') : [])))];
  return versions.length > 0 ? versions.join(', ') : null;
}
