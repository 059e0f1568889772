import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { closest, didYouMean } from '../../config/did-you-mean.js';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/**
 * Reads argv like parseCommand (src/cli/args.ts), but reports every problem instead of the first:
 * unknown options (with the closest known one), options missing their value, and each schema issue.
 */
export function parseRunArgs<S extends z.ZodType>(
  argv: string[],
  options: OptionsConfig,
  schema: S,
): { values: z.infer<S> | null; raw: Record<string, unknown>; positionals: string[]; errors: string[] } {
  const errors: string[] = [];
  const { values: raw, positionals } = parseArgs({ args: joinValues(argv, options), options, allowPositionals: true, strict: false });
  const known = Object.keys(options).map((o) => `--${o}`);
  for (const [name, value] of Object.entries(raw)) {
    const spec = options[name];
    if (!spec) errors.push(`Unknown option '--${name}'${didYouMean(`--${name}`, known, "'")}`);
    else if (spec.type === 'string' && [value].flat().some((v) => typeof v !== 'string')) errors.push(`--${name}: expected a value after it`);
  }
  const values = Object.fromEntries(Object.entries(raw).filter(([name]) => options[name] && !errors.some((e) => e.startsWith(`--${name}:`))));
  const r = schema.safeParse(values);
  if (!r.success) for (const issue of r.error.issues) errors.push(`--${issue.path.join('.')}: ${issue.message}${issue.code === 'custom' || issue.code === 'invalid_format' ? `, got ${JSON.stringify(values[String(issue.path[0])])}` : ''}`);
  return { values: r.success ? r.data : null, raw: values, positionals, errors };
}

/**
 * Values node:util would misread, joined to their option: `--speed -3` (it takes "-3" for an
 * option and calls `--speed` ambiguous), and the value of a misspelt option whose closest known
 * one takes a value (`--sped 3`: "3" is not a scenario path).
 */
function joinValues(argv: string[], options: OptionsConfig): string[] {
  const out: string[] = [];
  const names = Object.keys(options);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const name = a.slice(2);
    const spec = options[name] ?? options[closest(name, names) ?? ''];
    if (a.startsWith('--') && !a.includes('=') && spec?.type === 'string' && next !== undefined && (/^-\d/.test(next) || (!options[name] && !next.startsWith('-')))) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}
