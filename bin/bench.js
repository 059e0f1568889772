#!/usr/bin/env node
// Runs one benchmark, bench/<NAME>.ts, through tsx in a fresh node process (so each bench gets a
// clean heap and JIT, and node flags such as --cpu-prof can go in NODE_OPTIONS):
//   npm run bench -- ingest [args...]
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench');

/** Benches are the .ts files directly in bench/; helpers live in bench/lib/. */
export function availableBenches() {
  return readdirSync(benchDir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => e.name.slice(0, -3))
    .sort();
}

const [name, ...args] = process.argv.slice(2);
const benches = availableBenches();
if (!name || !benches.includes(name)) {
  const what = name ? `unknown bench "${name}"` : 'no bench named';
  console.error(`bench: ${what}; available: ${benches.join(', ') || '(none)'} (usage: npm run bench -- <name> [args])`);
  process.exit(2);
}

const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(benchDir, `${name}.ts`), ...args], {
  cwd: root,
  stdio: 'inherit',
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
