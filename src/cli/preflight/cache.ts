import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The checks' verdict for a set of scenario files, kept with the content hash of every file it
 * depended on (the scenarios, what they import, tsconfig.json, the checks' own modules) and the
 * TypeScript version: a re-run with nothing changed reuses it without loading TypeScript; any
 * change of content checks again.
 */
interface Entry {
  inputs: Record<string, string | null>;
  errors: string[];
}

const VERSION = '1';

export class PreflightCache {
  private entries: Record<string, Entry> = {};

  constructor(private readonly file: string) {
    try {
      this.entries = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Entry>;
    } catch {
      this.entries = {};
    }
  }

  /** The errors recorded for these files, when none of the files they depended on changed. */
  get(files: string[], salt: string): string[] | null {
    const e = this.entries[key(files, salt)];
    if (!e) return null;
    for (const [f, hash] of Object.entries(e.inputs)) if (hashFile(f) !== hash) return null;
    return e.errors;
  }

  set(files: string[], salt: string, inputs: string[], errors: string[]): void {
    this.entries = { ...this.entries, [key(files, salt)]: { inputs: Object.fromEntries(inputs.map((f) => [f, hashFile(f)])), errors } };
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(this.entries));
      fs.renameSync(tmp, this.file);
    } catch {
      // an unwritable cache only costs the next run the full checks
    }
  }
}

function key(files: string[], salt: string): string {
  return crypto.createHash('sha256').update(`${VERSION}\0${salt}\0${[...files].sort().join('\0')}`).digest('hex');
}

function hashFile(file: string): string | null {
  try {
    return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return null;
  }
}
