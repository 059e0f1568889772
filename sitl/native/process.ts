import fs from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { onCleanup } from '../../src/lifecycle/cleanup.js';

export interface SitlProcessSpec {
  /** Names the process in logs and errors, e.g. "px4-0". */
  name: string;
  file: string;
  args: string[];
  cwd: string;
  /** Added to this process's environment. */
  env: Record<string, string>;
  /** Everything it prints goes here too (the full log; logs() keeps the tail). */
  logFile: string;
}

const TAIL_BYTES = 64 * 1024;

/**
 * A SITL executable started with execa: output captured to a file and a tail kept in memory,
 * stopped by its pid with SIGTERM then SIGKILL — by stop(), by the run's cleanup on Ctrl-C or
 * SIGTERM, and (execa's cleanup) when this process exits.
 */
export class SitlProcess {
  readonly pid: number;
  readonly command: string;
  private readonly child: ResultPromise;
  private tail = '';
  private readonly log: fs.WriteStream;
  private exitInfo: string | null = null;
  private readonly exitedP: Promise<string>;
  private readonly unregister: () => void;

  private constructor(readonly spec: SitlProcessSpec) {
    fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
    this.log = fs.createWriteStream(spec.logFile);
    this.command = [spec.file, ...spec.args].join(' ');
    this.child = execa(spec.file, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      extendEnv: true,
      stdin: 'ignore',
      all: true,
      buffer: false,
      reject: false,
      cleanup: true,
      forceKillAfterDelay: false,
    });
    if (this.child.pid === undefined) throw new Error(`${spec.name}: could not start ${this.command}`);
    this.pid = this.child.pid;
    this.child.all?.on('data', (chunk: Buffer) => this.append(chunk.toString('utf8')));
    this.exitedP = this.child.then(
      (r) => {
        this.exitInfo = r.signal ? `killed by ${r.signal}` : `exit code ${r.exitCode ?? '?'}${r.failed && r.exitCode === undefined ? ` (${r.shortMessage})` : ''}`;
        this.log.end();
        this.unregister();
        return this.exitInfo;
      },
    );
    this.unregister = onCleanup(`${spec.name} (pid ${this.pid})`, () => this.stop(), {
      sync: () => {
        if (this.exitInfo === null) killQuietly(this.pid, 'SIGKILL');
      },
    });
  }

  static start(spec: SitlProcessSpec): SitlProcess {
    return new SitlProcess(spec);
  }

  private append(text: string): void {
    this.log.write(text);
    this.tail += text;
    if (this.tail.length > TAIL_BYTES) this.tail = this.tail.slice(-TAIL_BYTES);
  }

  /** null while it runs; then how it ended ("exit code 1", "killed by SIGTERM"). */
  get exited(): string | null {
    return this.exitInfo;
  }

  /** Resolves with how it ended. */
  whenExited(): Promise<string> {
    return this.exitedP;
  }

  /** The last 64 KiB it printed, headed by its command line. */
  logs(): string {
    return `$ ${this.command}\n${this.tail}${this.exitInfo ? `\n[${this.spec.name} ${this.exitInfo}]` : ''}`;
  }

  /** SIGTERM, then SIGKILL after `graceMs` (host clock); resolves once it is gone. Safe to call twice. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exitInfo !== null) return;
    killQuietly(this.pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const graceful = await Promise.race([
      this.exitedP.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs))),
    ]);
    clearTimeout(timer);
    if (!graceful) {
      this.append(`\n[${this.spec.name} did not stop within ${graceMs} ms of SIGTERM: SIGKILL]\n`);
      killQuietly(this.pid, 'SIGKILL');
      await this.exitedP;
    }
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}
