import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { rosRequirements } from '../ros/status.js';
import { loadTarget, targetNames, type Requirement } from '../targets/index.js';

/** Runs a command and returns the first line it printed (stdout or stderr), or null when it is missing or fails. */
export function probe(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) return null;
  return `${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? '';
}

export function commonRequirements(): Requirement[] {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const java = probe('java', ['-version']);
  const socat = probe('socat', ['-V']);
  const serial = fs.existsSync('/dev') ? fs.readdirSync('/dev').filter((d) => /^tty(ACM|USB)\d+$/.test(d)) : [];
  return [
    { what: 'Node.js ≥ 20.19', ok: major > 20 || (major === 20 && minor >= 19), detail: process.version },
    { what: 'Java (Allure HTML report)', ok: java !== null, detail: java ?? 'not found: install a JRE (e.g. apt-get install default-jre-headless) to build the HTML report' },
    { what: 'serial devices (hil)', ok: serial.length > 0, detail: serial.length ? serial.map((d) => `/dev/${d}`).join(', ') : 'none (/dev/ttyACM*, /dev/ttyUSB*)' },
    { what: 'socat (serial tests over a pty pair)', ok: socat !== null, detail: socat ?? 'not found: apt-get install socat' },
  ];
}

export async function doctorCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log('usage: flightcheck doctor\n\nChecks what is installed and what each target needs.');
    return 0;
  }
  const print = (title: string, reqs: Requirement[]) => {
    console.log(title);
    for (const r of reqs) console.log(`  ${r.ok ? '✓' : '✗'} ${r.what}: ${r.detail}`);
  };
  print('environment', commonRequirements());
  // ROS 2: the distro, rclnodejs, and whether drone_interfaces is generated for it.
  print('\nROS 2', await rosRequirements());
  for (const { name } of targetNames()) {
    const target = await loadTarget(name);
    print(`\ntarget ${name} — ${target.description}`, await target.check());
  }
  return 0;
}
