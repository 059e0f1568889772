// Copies what the bundle leaves external (serialport: it loads a native addon from its package
// directory) into DEST/node_modules: the package and its dependency closure, linux-x64 prebuilds only.
import { cpSync, existsSync, readFileSync, rmSync, readdirSync } from 'node:fs';
import path from 'node:path';

const [root, dest] = process.argv.slice(2);
const seen = new Set();
const queue = ['serialport'];
while (queue.length > 0) {
  const name = queue.shift();
  if (seen.has(name)) continue;
  seen.add(name);
  const dir = path.join(root, 'node_modules', name);
  if (!existsSync(path.join(dir, 'package.json'))) throw new Error(`runtime-deps: ${name} is not installed in ${root}/node_modules (run npm ci)`);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  queue.push(...Object.keys(pkg.dependencies ?? {}));
  const to = path.join(dest, 'node_modules', name);
  cpSync(dir, to, { recursive: true, dereference: true });
  const prebuilds = path.join(to, 'prebuilds');
  if (existsSync(prebuilds)) {
    for (const p of readdirSync(prebuilds)) if (p !== 'linux-x64') rmSync(path.join(prebuilds, p), { recursive: true, force: true });
  }
}
console.log([...seen].sort().join(' '));
