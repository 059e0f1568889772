/**
 * Runs a command while a load generator keeps every core busy, as on a shared machine or a loaded
 * CI runner, and says whether it passed:
 *
 *   npm run bench -- under-load [--threads N] [--same-session] -- npm test
 *
 * The load is one process with N spinning threads (default: one per core) in a session of its own,
 * as another job's load is; `--same-session` puts it beside the command instead (see
 * bench/lib/load.ts for why that differs on Linux). The command's output goes to the terminal;
 * the last line is one JSON object: the command, its exit code, wall time and the load average.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { startCpuLoad } from './lib/load.js';

const argv = process.argv.slice(2);
const dashes = argv.indexOf('--');
const own = dashes >= 0 ? argv.slice(0, dashes) : [];
const command = dashes >= 0 ? argv.slice(dashes + 1) : argv;
function usage(msg: string): never {
  console.error(`under-load: ${msg} (usage: npm run bench -- under-load [--threads N] [--same-session] -- <command> [args…])`);
  process.exit(2);
}
let threads = os.availableParallelism();
let sameSession = false;
for (let i = 0; i < own.length; i++) {
  if (own[i] === '--same-session') sameSession = true;
  else if (own[i] === '--threads') {
    threads = Number(own[++i]);
    if (!Number.isInteger(threads) || threads < 1) usage(`--threads: expected a whole number ≥ 1, got ${own[i] ?? 'nothing'}`);
  } else usage(`unknown option ${own[i]}`);
}
if (command.length === 0) usage('no command given');

const load = startCpuLoad(threads, { ownSession: !sameSession });
const loads: number[] = [];
const sampler = setInterval(() => loads.push(os.loadavg()[0]!), 5000);
const t0 = performance.now();
console.log(`under-load: ${command.join(' ')} with ${threads} spinning threads (${sameSession ? 'in this session' : 'in a session of their own'}; cores: ${os.availableParallelism()})`);
const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
child.on('error', (err) => usage(`cannot start ${command[0]}: ${err.message}`));
child.on('exit', (code, signal) => {
  clearInterval(sampler);
  load.stop();
  const wallS = (performance.now() - t0) / 1000;
  const exit = code ?? (signal ? 128 : 1);
  console.log(`\nunder-load: exit ${exit} after ${wallS.toFixed(0)} s; load average ${loads.length ? `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}` : 'not sampled'}`);
  console.log(JSON.stringify({
    bench: 'under-load',
    command: command.join(' '),
    threads,
    session: sameSession ? 'same' : 'own',
    exitCode: exit,
    wallS: Number(wallS.toFixed(1)),
    loadAverage: loads.length ? { min: Number(Math.min(...loads).toFixed(2)), max: Number(Math.max(...loads).toFixed(2)) } : null,
    pass: { 'the command exits 0 with every core loaded': exit === 0 },
  }));
  process.exitCode = exit;
});
