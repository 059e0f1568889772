/**
 * `npm run docs:api [-- --out FILE]`: writes the API reference (docs/api.md) from the package's
 * entry points, and lists on stderr every exported symbol or member without a doc comment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { extractApi } from './extract.js';
import { ENTRIES } from './groups.js';
import { renderApi } from './render.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const API_MD = path.join(ROOT, 'docs/api.md');

/** The reference as it would be written now, and what it lacks. */
export function buildApiReference(root = ROOT): { markdown: string; undocumented: string[] } {
  const model = extractApi(root, ENTRIES.map((e) => e.file));
  return { markdown: renderApi(model), undocumented: model.undocumented };
}

export function main(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' } } });
  const out = path.resolve(values.out ?? API_MD);
  const { markdown, undocumented } = buildApiReference();
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, markdown);
  console.log(`api-docs: wrote ${path.relative(process.cwd(), out) || out}`);
  if (undocumented.length > 0) console.error(`api-docs: no doc comment on ${undocumented.length}: ${undocumented.join(', ')}`);
  return 0;
}
