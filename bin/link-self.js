#!/usr/bin/env node
// npm runs this as "prepare" after `npm install` / `npm ci` in a checkout of flightcheck itself.
// `npx flightcheck` looks in node_modules/.bin first; a package's own bin is never linked there, so
// in its own checkout npx would read the whole dependency tree to find it (about 1.5 s) on every call.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const binDir = path.join(root, 'node_modules', '.bin');
// Installed as a dependency, npm links the bin itself; without node_modules there is nothing to link into.
if (fs.existsSync(path.join(root, 'node_modules')) && path.basename(path.dirname(root)) !== 'node_modules') {
  fs.mkdirSync(binDir, { recursive: true });
  const link = path.join(binDir, 'flightcheck');
  fs.rmSync(link, { force: true });
  fs.symlinkSync(path.relative(binDir, path.join(root, 'bin', 'flightcheck.js')), link);
}
