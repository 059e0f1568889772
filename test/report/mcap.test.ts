import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { McapIndexedReader, McapStreamReader, type McapTypes } from '@mcap/core';
import { common } from 'node-mavlink';
import { Measurements, evaluateBudget, parseBudgets } from '../../src/budgets/index.js';
import { McapRecording, mavlinkJsonSchema } from '../../src/report/mcap.js';

let dir: string;
const open: McapRecording[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-mcap-'));
});
afterEach(() => {
  for (const r of open.splice(0)) r.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function recording(name: string, opts?: ConstructorParameters<typeof McapRecording>[1]): McapRecording {
  const r = new McapRecording(path.join(dir, name), opts);
  open.push(r);
  return r;
}

/** A readable over a Buffer, as McapIndexedReader wants. */
function readable(buf: Buffer): McapTypes.IReadable {
  return {
    size: async () => BigInt(buf.length),
    read: async (offset, length) => new Uint8Array(buf.buffer, buf.byteOffset + Number(offset), Number(length)),
  };
}

/** Every message record the stream reader finds in bytes (a finished file or a prefix of one). */
function streamMessages(bytes: Uint8Array): { topics: Map<number, string>; messages: McapTypes.Message[]; done: boolean } {
  const reader = new McapStreamReader();
  reader.append(bytes);
  const topics = new Map<number, string>();
  const messages: McapTypes.Message[] = [];
  for (let rec; (rec = reader.nextRecord()); ) {
    if (rec.type === 'Channel') topics.set(rec.id, rec.topic);
    if (rec.type === 'Message') messages.push(rec);
  }
  return { topics, messages, done: reader.done() };
}

function countByTopic(topics: Map<number, string>, messages: McapTypes.Message[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of messages) counts[topics.get(m.channelId)!] = (counts[topics.get(m.channelId)!] ?? 0) + 1;
  return counts;
}

/** Writes a small flight: 50 positions, 5 heartbeats, 3 detection frames, samples, results, phases. */
function writeFlight(rec: McapRecording): void {
  const t0 = 1_750_000_000_000; // host ms (epoch)
  rec.phase({ name: 'takeoff', event: 'start' }, { hostMs: t0, vehicleMs: 1000 });
  for (let i = 0; i < 50; i++) {
    const m = new common.LocalPositionNed();
    m.timeBootMs = 1000 + i * 20;
    m.z = -i * 0.05;
    rec.mavlink('LOCAL_POSITION_NED', m, { hostMs: t0 + i * 20, vehicleMs: 1000 + i * 20 });
    if (i % 10 === 0) rec.mavlink('HEARTBEAT', { customMode: 0x04020000, baseMode: 0x81 }, { hostMs: t0 + i * 20 + 1 });
  }
  for (let f = 0; f < 3; f++) {
    rec.detections({ captureMs: t0 + f * 33, detections: [{ label: 'person', score: 0.91 }, { label: 'car', score: 0.5 }] }, { hostMs: t0 + f * 33 + 14 });
  }
  const measurements = new Measurements();
  measurements.onSample((s) => rec.sample(s));
  for (let i = 0; i < 7; i++) measurements.record('cmd_ack', 20 + i, { clock: 'host', unit: 'ms', hostTimeMs: t0 + i });
  const [budget] = parseBudgets({ ack: { metric: 'cmd_ack', clock: 'host', unit: 'ms', limits: { p95: 100 } } });
  rec.budgetResults([evaluateBudget(budget!, measurements.samples('cmd_ack'))], { hostMs: t0 + 2000 });
  rec.phase({ name: 'takeoff', event: 'end', hostMs: 1000, vehicleMs: 1000 }, { hostMs: t0 + 1000, vehicleMs: 2000 });
}

const EXPECTED = {
  '/mavlink/LOCAL_POSITION_NED': 50,
  '/mavlink/HEARTBEAT': 5,
  '/detections': 3,
  '/budgets/samples': 7,
  '/budgets/results': 1,
  '/phases': 2,
};

describe('McapRecording', () => {
  it('writes a file McapIndexedReader reads back: every channel, its schema, the message counts', async () => {
    const rec = recording('flight.mcap', { chunkBytes: 2048 });
    writeFlight(rec);
    expect(rec.messageCount).toBe(68);
    rec.close();
    const reader = await McapIndexedReader.Initialize({ readable: readable(fs.readFileSync(rec.file)) });

    const topics = new Map([...reader.channelsById.values()].map((c) => [c.id, c.topic]));
    expect(new Set(topics.values())).toEqual(new Set(Object.keys(EXPECTED)));
    expect(reader.chunkIndexes.length).toBeGreaterThan(1); // small chunks: written as it went
    const stats = reader.statistics!;
    expect(stats.messageCount).toBe(68n);
    const fromStats = Object.fromEntries([...stats.channelMessageCounts].map(([id, n]) => [topics.get(id)!, Number(n)]));
    expect(fromStats).toEqual(EXPECTED);

    const messages: McapTypes.Message[] = [];
    for await (const m of reader.readMessages()) messages.push(m);
    expect(countByTopic(topics, messages)).toEqual(EXPECTED);

    for (const c of reader.channelsById.values()) {
      const schema = reader.schemasById.get(c.schemaId)!;
      expect(c.messageEncoding).toBe('json');
      expect(schema.encoding).toBe('jsonschema');
      if (c.topic.startsWith('/mavlink/')) expect(schema.name).toBe(c.topic.slice('/mavlink/'.length));
    }
  });

  it('stamps log time on the host clock and publish time on the vehicle clock (ns)', async () => {
    const rec = recording('times.mcap');
    rec.mavlink('ATTITUDE', { roll: 0.1 }, { hostMs: 1_750_000_000_123.5, vehicleMs: 4567.25 });
    rec.mavlink('ATTITUDE', { roll: 0.2 }, { hostMs: 1_750_000_000_124 });
    rec.close();
    const { messages } = streamMessages(fs.readFileSync(rec.file));
    expect(messages[0]!.logTime).toBe(1_750_000_000_123_500_000n);
    expect(messages[0]!.publishTime).toBe(4_567_250_000n);
    expect(messages[1]!.publishTime).toBe(messages[1]!.logTime); // vehicle time unknown
    expect(messages.map((m) => m.sequence)).toEqual([0, 1]);
    expect(JSON.parse(new TextDecoder().decode(messages[0]!.data))).toEqual({ roll: 0.1 });
  });

  it('encodes detections like a MarkerArray, samples and results as JSON (bigint and NaN made JSON-safe)', async () => {
    const rec = recording('shapes.mcap');
    rec.detections({ captureMs: 1500.25, frameId: 'cam0', detections: [{ label: 'person', score: 0.8766, id: 7 }] }, { hostMs: 1600 });
    rec.mavlink('SYSTEM_TIME', { timeUnixUsec: 1_750_000_000_000_000n, x: NaN }, { hostMs: 1601 });
    rec.mavlink('SYSTEM_TIME', { timeUnixUsec: 5n, x: 1 }, { hostMs: 1602 });
    rec.mavlink('ATTITUDE', { roll: Infinity, pitch: 0.5 }, { hostMs: 1603 });
    rec.close();
    const { messages } = streamMessages(fs.readFileSync(rec.file));
    const [det, sys, sys2, att] = messages.map((m) => JSON.parse(new TextDecoder().decode(m.data)));
    expect(sys2).toEqual({ timeUnixUsec: 5, x: 1 });
    expect(att).toEqual({ roll: null, pitch: 0.5 });
    expect(det.markers).toHaveLength(1);
    expect(det.markers[0]).toMatchObject({ id: 7, type: 9, text: 'person: 0.877', header: { frame_id: 'cam0', stamp: { sec: 1, nanosec: 500_250_000 } } });
    expect(sys).toEqual({ timeUnixUsec: 1_750_000_000_000_000, x: null });
  });

  it('derives the MAVLink JSON schema from the message definition', () => {
    const schema = mavlinkJsonSchema('LOCAL_POSITION_NED') as { properties: Record<string, { type: string; description?: string }> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['timeBootMs', 'x', 'y', 'z', 'vx', 'vy', 'vz']));
    expect(schema.properties.x).toEqual({ type: 'number', description: 'm' });
    const text = mavlinkJsonSchema('STATUSTEXT') as { properties: Record<string, { type: string }> };
    expect(text.properties.text!.type).toBe('string');
  });

  it('a crash (never closed) leaves a prefix the stream reader reads up to the last flush', () => {
    const rec = recording('crash.mcap', { flushEveryMs: 60_000 });
    writeFlight(rec);
    rec.flush();
    rec.mavlink('HEARTBEAT', { late: true }, { hostMs: 1 }); // after the last flush: lost in a crash
    const prefix = fs.readFileSync(rec.file);
    const { topics, messages, done } = streamMessages(prefix);
    expect(done).toBe(false); // no footer
    expect(countByTopic(topics, messages)).toEqual(EXPECTED);
  });

  it('flushes on its own timer, without flush() or close()', async () => {
    const rec = recording('timer.mcap', { flushEveryMs: 20 });
    rec.phase({ name: 'climb', event: 'start' }, { hostMs: 1 });
    await new Promise((r) => setTimeout(r, 120));
    const { topics, messages } = streamMessages(fs.readFileSync(rec.file));
    expect(countByTopic(topics, messages)).toEqual({ '/phases': 1 });
  });

  it('a file cut mid-write still yields every complete chunk before the cut', () => {
    const rec = recording('cut.mcap', { chunkBytes: 512, flushEveryMs: 60_000 });
    writeFlight(rec);
    rec.close();
    const full = fs.readFileSync(rec.file);
    const all = streamMessages(full).messages.length;
    const cut = streamMessages(full.subarray(0, Math.floor(full.length * 0.6)));
    expect(cut.done).toBe(false);
    expect(cut.messages.length).toBeGreaterThan(10);
    expect(cut.messages.length).toBeLessThan(all);
  });

  it('ignores writes after close and closes once', () => {
    const rec = recording('closed.mcap');
    rec.phase({ name: 'a', event: 'start' }, { hostMs: 1 });
    rec.close();
    const size = fs.statSync(rec.file).size;
    rec.phase({ name: 'b', event: 'start' }, { hostMs: 2 });
    rec.flush();
    rec.close();
    expect(fs.statSync(rec.file).size).toBe(size);
    expect(rec.closed).toBe(true);
  });
});
