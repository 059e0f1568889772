/**
 * The layers point one way: the core (src/) imports no target (sitl/, hil/) and not the Jest layer
 * (fixtures/); targets import the core, never the Jest layer. Read from the sources' import
 * specifiers (static and dynamic), resolved against each file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ROOT } from '../cli/helpers.js';

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|mjs|js|cjs)$/.test(e.name))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

/** Relative import specifiers of a file, resolved to repository paths. */
function importsOf(file: string, text = fs.readFileSync(path.join(ROOT, file), 'utf8')): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"`](\.{1,2}\/[^'"`]+)['"`]/g)].map((m) => m[1]!);
  return specs.map((s) => path.relative(ROOT, path.resolve(ROOT, path.dirname(file), s)));
}

const into = (target: string, dirs: string[]) => dirs.some((d) => target === d || target.startsWith(`${d}/`));

describe('layering', () => {
  it('finds imports, also dynamic ones (the check itself can fail)', () => {
    expect(importsOf('src/x/y.ts', "import a from '../../sitl/sim/target.js';\nconst b = await import('../../hil/index.js');\n// import c from '../../fixtures/no.js'")).toEqual(['sitl/sim/target.js', 'hil/index.js']);
  });

  it('the core imports no target and not the Jest layer', () => {
    const bad = sources('src').flatMap((f) => importsOf(f).filter((t) => into(t, ['sitl', 'hil', 'fixtures', 'scenarios'])).map((t) => `${f} → ${t}`));
    expect(bad).toEqual([]);
  });

  it('the Jest layer does not talk to the CLI: it reports through the core (src/report)', () => {
    const bad = sources('fixtures').flatMap((f) => importsOf(f).filter((t) => into(t, ['src/cli'])).map((t) => `${f} → ${t}`));
    expect(bad).toEqual([]);
  });

  it("a run's settings are read from the environment in one module only (and its CommonJS twin for Jest's reporters)", () => {
    const names = /\bFLIGHT_(TARGET|SPEED|SEED|RESULTS_DIR|INSTANCE_BASE|CONFIG|RIG|RACK|PROGRESS_PORT|JOURNAL)\b|FLIGHTCHECK_RUN/;
    const reads = new RegExp(`(process\\.)?env(\\.|\\[['"])(${names.source})`);
    const bad = [...['src', 'fixtures', 'sitl', 'hil'].flatMap(sources), 'jest-preset.cjs', 'jest.config.ts', 'bin/flightcheck.js']
      .filter((f) => f !== 'src/config/run-settings.ts' && f !== 'src/config/run-settings-reporters.cjs')
      .filter((f) => reads.test(fs.readFileSync(path.join(ROOT, f), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')));
    expect(bad).toEqual([]);
  });

  it('targets import the core, not the Jest layer', () => {
    const bad = [...sources('sitl'), ...sources('hil')].flatMap((f) => importsOf(f).filter((t) => into(t, ['fixtures', 'scenarios'])).map((t) => `${f} → ${t}`));
    expect(bad).toEqual([]);
  });
});
