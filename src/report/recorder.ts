import fs from 'node:fs';
import path from 'node:path';
import { onCleanup } from '../lifecycle/cleanup.js';

/**
 * An append-only JSON-lines recording that is flushed as it grows: a crash or Ctrl-C keeps
 * everything but the last flush interval. Lines are buffered briefly because a sim at speed
 * `max` produces tens of thousands of messages a second.
 */
export class JsonlRecorder {
  private fd: number | null;
  private buffer: string[] = [];
  private bytes = 0;
  private readonly timer: NodeJS.Timeout;
  lines = 0;
  private readonly unregister: () => void;

  constructor(
    readonly file: string,
    private readonly flushEveryMs = 100,
    private readonly flushAtBytes = 256 * 1024,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'w');
    this.timer = setInterval(() => this.flush(), flushEveryMs).unref();
    this.unregister = onCleanup(`recording ${file}`, () => this.close(), { sync: () => this.flush() });
  }

  write(record: object): void {
    if (this.fd === null) return;
    const line = JSON.stringify(record, bigintAsNumber);
    this.buffer.push(line);
    this.bytes += line.length + 1;
    this.lines++;
    if (this.bytes >= this.flushAtBytes) this.flush();
  }

  flush(): void {
    if (this.fd === null || this.buffer.length === 0) return;
    fs.writeSync(this.fd, this.buffer.join('\n') + '\n');
    this.buffer = [];
    this.bytes = 0;
  }

  close(): void {
    if (this.fd === null) return;
    clearInterval(this.timer);
    this.flush();
    fs.closeSync(this.fd);
    this.fd = null;
    this.unregister();
  }
}

function bigintAsNumber(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}
