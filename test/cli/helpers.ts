import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command from the project root, with a hard limit so a hang fails the test instead. */
export function run(cmd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000, cwd = ROOT): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The flightcheck CLI, as a user runs it. */
export function flightcheck(args: string[], env: Record<string, string> = {}, timeoutMs?: number): Promise<Ran> {
  return run(process.execPath, [path.join(ROOT, 'bin/flightcheck.js'), ...args], env, timeoutMs);
}
