import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';

/** Terminal control sequences (CSI: colours, cursor movement). */
const ANSI_CSI = /\x1b\[[0-9;?]*[ -\/]*[@-~]/g;

/** `text` without terminal colour and cursor codes. */
export function stripAnsi(text: string): string {
  return text.includes('\x1b') ? text.replace(ANSI_CSI, '') : text;
}

/** Bytes kept in memory per container (the file under artifactsDir keeps everything). */
const MAX_KEEP = 512 * 1024;

/**
 * Every container's output, followed from its start: kept in memory (the recent part) for
 * `Stack.logs()` and failure messages, and appended to `<dir>/<container>.log` in full.
 * A container started again under the same name (a reset) continues its entry.
 */
export class LogBook {
  private readonly text = new Map<string, string>();
  /** Characters appended per container since it started: positions (marks) stay valid when `text` is trimmed. */
  private readonly total = new Map<string, number>();
  /** Where the current section (a test, under useFlight) began, per container. */
  private section = new Map<string, number>();
  private readonly files = new Map<string, fs.WriteStream>();
  private readonly streams = new Set<Readable>();
  private readonly listeners = new Set<(name: string, chunk: string) => void>();
  private closed = false;

  constructor(private readonly dir: string | null) {}

  /** A log consumer for testcontainers' `withLogConsumer`: follows the stream under `name`. */
  consumer(name: string): (stream: Readable) => void {
    return (stream) => this.follow(name, stream);
  }

  follow(name: string, stream: Readable): void {
    if (!this.text.has(name)) this.text.set(name, '');
    this.streams.add(stream);
    // Terminal colour codes (the XRCE agent writes them even without a terminal) are dropped, so
    // patterns, failure messages and the reports see plain text. A code cut by a chunk boundary
    // waits for the rest of it.
    let held = '';
    stream.on('data', (chunk: Buffer | string) => {
      const text = held + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      const cut = /\x1b(\[[0-9;?]*)?$/.exec(text);
      held = cut ? cut[0] : '';
      this.append(name, stripAnsi(cut ? text.slice(0, cut.index) : text));
    });
    stream.on('error', () => {});
    stream.on('close', () => this.streams.delete(stream));
    stream.on('end', () => this.streams.delete(stream));
  }

  /** Adds a line of our own (a stage result, a restart) to a container's log. */
  note(name: string, line: string): void {
    this.append(name, `[flightcheck] ${line}\n`);
  }

  private append(name: string, chunk: string): void {
    if (this.closed) return;
    const prev = this.text.get(name) ?? '';
    const next = prev + chunk;
    this.total.set(name, (this.total.get(name) ?? 0) + chunk.length);
    this.text.set(name, next.length > MAX_KEEP ? next.slice(next.length - MAX_KEEP) : next);
    this.fileFor(name)?.write(chunk);
    for (const l of this.listeners) l(name, chunk);
  }

  private fileFor(name: string): fs.WriteStream | null {
    if (!this.dir) return null;
    let f = this.files.get(name);
    if (!f) {
      fs.mkdirSync(this.dir, { recursive: true });
      f = fs.createWriteStream(path.join(this.dir, `${name}.log`), { flags: 'a' });
      f.on('error', () => {});
      this.files.set(name, f);
    }
    return f;
  }

  /** Resolves when a line of `name`'s output matches (already seen output counts); rejects on abort. */
  waitForLine(name: string, pattern: RegExp, signal: AbortSignal, since = 0): Promise<string> {
    const find = (text: string) => text.split('\n').find((l) => pattern.test(l));
    const seen = find(this.since(name, since));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      let pending = '';
      const onAbort = () => {
        this.listeners.delete(listener);
        reject(signal.reason instanceof Error ? signal.reason : new Error(`no line matching ${pattern} in ${name}'s output`));
      };
      const listener = (n: string, chunk: string) => {
        if (n !== name) return;
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        const hit = lines.find((l) => pattern.test(l)) ?? (pattern.test(pending) ? pending : undefined);
        if (hit === undefined) return;
        this.listeners.delete(listener);
        signal.removeEventListener('abort', onAbort);
        resolve(hit);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.listeners.add(listener);
    });
  }

  /**
   * Resolves once `name` has printed nothing for `quietMs` (host clock), or when `signal` aborts
   * (resolving false then): a process done with a burst of work, such as an agent creating a
   * client's topics.
   */
  waitForQuiet(name: string, quietMs: number, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      let timer = setTimeout(() => done(true), quietMs);
      const listener = (n: string) => {
        if (n !== name) return;
        clearTimeout(timer);
        timer = setTimeout(() => done(true), quietMs);
      };
      const done = (quiet: boolean) => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        signal.removeEventListener('abort', onAbort);
        resolve(quiet);
      };
      const onAbort = () => done(false);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.listeners.add(listener);
    });
  }

  /** A position in `name`'s output (for `waitForLine(…, since)` and `since`). */
  mark(name: string): number {
    return this.total.get(name) ?? 0;
  }

  /** `name`'s output from a mark on (what is still held of it). */
  since(name: string, mark: number): string {
    const text = this.text.get(name) ?? '';
    const dropped = (this.total.get(name) ?? 0) - text.length;
    return text.slice(Math.max(0, mark - dropped));
  }

  /** Starts a new section (a test): `sectionLogs()` returns output from here on. */
  startSection(): void {
    this.section = new Map(this.total);
  }

  /**
   * Every container's output in the current section (all of it before the first section), with a
   * first line saying where the whole log is when the section starts later.
   */
  sectionLogs(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of this.text.keys()) {
      const from = this.section.get(name) ?? 0;
      const text = this.since(name, from);
      const where = this.dir ? path.join(this.dir, `${name}.log`) : null;
      out[name] = from > 0 ? `[flightcheck] output since this test began${where ? `; the whole log: ${where}` : ''}\n${text}` : text;
    }
    return out;
  }

  get(name: string): string {
    return this.text.get(name) ?? '';
  }

  /** Output of every container, by name. */
  all(): Record<string, string> {
    return Object.fromEntries(this.text);
  }

  /** The last lines of the named containers (all when omitted), for failure messages. */
  tails(names?: string[], lines = 30): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, text] of this.text) {
      if (names && !names.includes(name)) continue;
      out[name] = text.trimEnd().split('\n').slice(-lines).join('\n') || '(no output)';
    }
    return out;
  }

  /** Stops following (the streams end on their own when the containers go) and closes the files. */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.streams) s.destroy();
    this.streams.clear();
    await Promise.all([...this.files.values()].map((f) => new Promise<void>((r) => f.end(() => r()))));
    this.files.clear();
  }
}
