#!/usr/bin/env node
// `npm run build`: the package's compiled JavaScript and declarations in dist/ (tsc with
// tsconfig.build.json), and beside them the runtime files tsc does not emit (.cjs, .mjs, .sh),
// at the same relative paths, so the code finds them as it does in a checkout.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
fs.rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
let copied = 0;
for (const dir of ['src', 'sitl', 'hil', 'fixtures']) {
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !/\.(cjs|mjs|sh)$/.test(e.name)) continue;
    const from = path.join(e.parentPath, e.name);
    const to = path.join(dist, path.relative(root, from));
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
    copied++;
  }
}
console.log(`dist/: compiled, ${copied} runtime files beside it`);
