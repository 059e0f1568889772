import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Compiled (an installed package's dist/): the thread's program is JavaScript already. */
const COMPILED = !fs.existsSync(fileURLToPath(new URL('./worker-main.ts', import.meta.url)));
const ENTRY = COMPILED ? 'sitl/sim/worker-main.js' : 'sitl/sim/worker-main.ts';
const CACHE = COMPILED ? path.join(ROOT, '.cache') : path.join(ROOT, 'node_modules', '.cache', 'flightcheck');
const BUNDLE = path.join(CACHE, 'sim-worker.mjs');
const INPUTS = path.join(CACHE, 'sim-worker.inputs.json');
/** Without a bundle: the compiled module, or the TypeScript sources through tsx (a loader thread and a transpile per thread). */
const FALLBACK = COMPILED ? new URL('./worker-main.js', import.meta.url) : new URL('./worker-entry.mjs', import.meta.url);

type Inputs = Record<string, { size: number; mtimeMs: number }>;

/**
 * The simulator thread's program as one ES module, built by esbuild and cached under
 * node_modules/.cache (npm packages stay imports, resolved from there): a thread then loads one
 * file instead of some forty TypeScript modules through tsx. Rebuilt when any of its inputs
 * changed (their sizes and times are kept with it); where it cannot be written, the sources are
 * loaded through tsx instead.
 */
export function simWorkerEntry(): URL {
  try {
    if (!upToDate()) build();
    return pathToFileURL(BUNDLE);
  } catch {
    return FALLBACK;
  }
}

function upToDate(): boolean {
  let inputs: Inputs;
  try {
    inputs = JSON.parse(fs.readFileSync(INPUTS, 'utf8')) as Inputs;
    if (!fs.existsSync(BUNDLE)) return false;
  } catch {
    return false;
  }
  return Object.entries(inputs).every(([file, was]) => {
    try {
      const st = fs.statSync(path.join(ROOT, file));
      return st.size === was.size && st.mtimeMs === was.mtimeMs;
    } catch {
      return false;
    }
  });
}

function build(): void {
  const out = buildSync({
    absWorkingDir: ROOT,
    entryPoints: [ENTRY],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs: Inputs = {};
  for (const file of Object.keys(out.metafile!.inputs)) {
    const st = fs.statSync(path.join(ROOT, file));
    inputs[file] = { size: st.size, mtimeMs: st.mtimeMs };
  }
  fs.mkdirSync(CACHE, { recursive: true });
  writeAside(BUNDLE, out.outputFiles![0]!.text);
  writeAside(INPUTS, JSON.stringify(inputs));
}

/** Written aside and renamed: parallel Jest workers may build the bundle at the same time. */
function writeAside(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
