/**
 * What a dead run (SIGKILL, a crash, a power cut) left in the results directory: recordings with
 * no MCAP footer, CSVs with a torn last line, no summary. A new run never deletes them: before it
 * clears `scenarios/` and `recordings/` it moves them into `unfinished/<when that run started>/`,
 * gives each MCAP its summary and footer (so indexed readers open it, not only the streaming one)
 * and cuts each CSV after its last complete line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { McapStreamReader, McapWriter, type IWritable } from '@mcap/core';

const MCAP_MAGIC = Buffer.from([0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a]);

/** A recording that was never closed: no magic after its footer. */
export function mcapUnfinished(file: string): boolean {
  const size = fs.statSync(file).size;
  if (size < MCAP_MAGIC.length * 2) return true;
  const fd = fs.openSync(file, 'r');
  try {
    const tail = Buffer.alloc(MCAP_MAGIC.length);
    fs.readSync(fd, tail, 0, tail.length, size - tail.length);
    return !tail.equals(MCAP_MAGIC);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Moves a dead run's records and recordings aside and finalizes them; returns where they went, or
 * null when the last run finished (every recording closed).
 */
export function keepUnfinished(results: string): string | null {
  const recordings = path.join(results, 'recordings');
  const mcaps = fs.existsSync(recordings) ? fs.readdirSync(recordings).filter((f) => f.endsWith('.mcap')) : [];
  if (!mcaps.some((f) => mcapUnfinished(path.join(recordings, f)))) return null;
  const started = fs.statSync(recordings).birthtime.getTime() || fs.statSync(recordings).mtimeMs;
  const dest = path.join(results, 'unfinished', `run-${new Date(started).toISOString().replace(/[:.]/g, '-')}`);
  fs.mkdirSync(dest, { recursive: true });
  for (const name of ['recordings', 'scenarios', 'run-journal.jsonl']) {
    const from = path.join(results, name);
    if (fs.existsSync(from)) fs.renameSync(from, path.join(dest, name));
  }
  for (const f of fs.readdirSync(path.join(dest, 'recordings'))) {
    const file = path.join(dest, 'recordings', f);
    if (f.endsWith('.csv')) cutAfterLastLine(file);
  }
  return dest;
}

/** Finalizes every unfinished MCAP under `dir`: the work keepUnfinished leaves for after the run has started. */
export async function finalizeRecordings(dir: string): Promise<number> {
  const rec = path.join(dir, 'recordings');
  if (!fs.existsSync(rec)) return 0;
  let n = 0;
  for (const f of fs.readdirSync(rec).filter((x) => x.endsWith('.mcap'))) {
    const file = path.join(rec, f);
    if (mcapUnfinished(file)) {
      await finalizeMcap(file);
      n++;
    }
  }
  return n;
}

/** A CSV keeps its complete lines only. */
export function cutAfterLastLine(file: string): void {
  const text = fs.readFileSync(file);
  const end = text.lastIndexOf(0x0a) + 1;
  if (end < text.length) fs.truncateSync(file, end);
}

/**
 * Rewrites an MCAP that was never closed with everything the streaming reader can read of it
 * (schemas, channels, messages, in order), followed by its summary and footer.
 */
export async function finalizeMcap(file: string): Promise<{ messages: number }> {
  const reader = new McapStreamReader({ validateCrcs: true });
  reader.append(fs.readFileSync(file));
  const tmp = `${file}.finalizing`;
  const fd = fs.openSync(tmp, 'w');
  let position = 0n;
  const writable: IWritable = {
    position: () => position,
    write: async (buffer) => {
      fs.writeSync(fd, buffer);
      position += BigInt(buffer.byteLength);
    },
  };
  const writer = new McapWriter({ writable, useChunks: true });
  const schemaIds = new Map<number, number>();
  const channelIds = new Map<number, number>();
  let messages = 0;
  let header = { profile: '', library: 'flightcheck (finalized after an unfinished run)' };
  let started = false;
  const start = async () => {
    if (!started) await writer.start(header);
    started = true;
  };
  try {
    for (;;) {
      let record;
      try {
        record = reader.nextRecord();
      } catch {
        break; // a torn or corrupt record: everything before it is kept
      }
      if (!record) break;
      if (record.type === 'Header') header = { profile: record.profile, library: record.library };
      else if (record.type === 'Schema') {
        await start();
        if (!schemaIds.has(record.id)) schemaIds.set(record.id, await writer.registerSchema({ name: record.name, encoding: record.encoding, data: record.data }));
      } else if (record.type === 'Channel') {
        await start();
        if (!channelIds.has(record.id)) {
          channelIds.set(record.id, await writer.registerChannel({ schemaId: schemaIds.get(record.schemaId) ?? 0, topic: record.topic, messageEncoding: record.messageEncoding, metadata: record.metadata }));
        }
      } else if (record.type === 'Message') {
        const channelId = channelIds.get(record.channelId);
        if (channelId === undefined) continue;
        await start();
        await writer.addMessage({ ...record, channelId });
        messages++;
      }
    }
    await start();
    await writer.end();
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  return { messages };
}
