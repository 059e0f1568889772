/**
 * A flight recording in MCAP (the format of rosbag2 and Foxglove), written so that a crash keeps
 * it readable up to the last flush.
 *
 * Why not @mcap/core's McapWriter: unchunked it keeps every message in memory until end(), and
 * chunked it writes a chunk only when it fills (1 MiB by default) and has no public way to close
 * one early, so a crash loses everything since the last full chunk. This writer uses the same
 * building blocks (McapRecordBuilder, McapChunkBuilder) but closes the current chunk every
 * `flushEveryMs` (and when it reaches `chunkBytes`) and writes it synchronously. An unfinished
 * file is a valid MCAP prefix: McapStreamReader reads every flushed message; close() adds the
 * summary and footer, after which McapIndexedReader works too.
 *
 * Channels: `/mavlink/<MESSAGE_NAME>` (schema named after the message, fields from the MAVLink
 * definition), `/detections` (a visualization_msgs/MarkerArray look-alike), `/budgets/samples`,
 * `/budgets/results`, `/phases`; all JSON with jsonschema schemas. Log time is the host clock,
 * publish time the vehicle clock when known (else the host clock), both in nanoseconds.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { McapRecordBuilder, Opcode, type ChunkIndex, type MessageIndex } from '@mcap/core';
import type { BudgetResult, Sample } from '../budgets/index.js';
import { hostNowMs } from '../clock/host.js';
import { onCleanup } from '../lifecycle/cleanup.js';
import { REGISTRY } from '../mavlink/registry.js';

/** When a message happened: host clock (ms since the epoch, as hostNowMs) and, when known, vehicle clock (ms since boot). */
export interface McapTime {
  hostMs: number;
  vehicleMs?: number | null;
}

/** One detection as the detector reports it ("label: score" on a TEXT_VIEW_FACING marker). */
export interface DetectionInput {
  label: string;
  score: number;
  id?: number;
  /** Where the object is, when known (metres, in `frameId`). */
  position?: { x: number; y: number; z: number };
}

export interface DetectionFrame {
  /** Capture stamp of the camera image the detections came from (ms, the detector's clock). */
  captureMs?: number;
  frameId?: string;
  detections: DetectionInput[];
}

export interface PhaseEvent {
  name: string;
  event: 'start' | 'end';
  error?: string;
  /** Duration on each clock, on 'end'. */
  hostMs?: number;
  vehicleMs?: number | null;
}

export interface McapRecordingOptions {
  /** Close the current chunk and write it at least this often (default 100 ms). */
  flushEveryMs?: number;
  /** Close a chunk early when it reaches this size (default 256 KiB). */
  chunkBytes?: number;
}

const JSON_SCHEMA = 'jsonschema';
const MAGIC_AND_HEADER_PROFILE = '';
const LIBRARY = 'flightcheck';

interface ChannelInfo {
  id: number;
  sequence: number;
  count: bigint;
  /** Its messages carry 64-bit integers (see json()). */
  bigints: boolean;
}

export class McapRecording {
  readonly file: string;
  private fd: number | null;
  private position = 0n;
  private dataCrc = 0;
  private readonly top = new McapRecordBuilder();
  private readonly chunk = new MessageChunk();
  private readonly chunkIndexes: ChunkIndex[] = [];
  private readonly schemas = new Map<string, number>();
  private readonly schemaRecords: { id: number; name: string; encoding: string; data: Uint8Array }[] = [];
  private readonly channels = new Map<string, ChannelInfo>();
  private readonly channelRecords: { id: number; schemaId: number; topic: string; messageEncoding: string; metadata: Map<string, string> }[] = [];
  private messageCount_ = 0n;
  private startTime = 0n;
  private endTime = 0n;
  private readonly chunkBytes: number;
  private readonly timer: NodeJS.Timeout;
  private readonly unregister: () => void;
  private readonly encoder = new TextEncoder();
  private readonly logNs = new NsCache();
  private readonly publishNs = new NsCache();
  private readonly mavlinkChannels = new Map<string, ChannelInfo>();

  constructor(file: string, opts: McapRecordingOptions = {}) {
    this.file = file;
    this.chunkBytes = opts.chunkBytes ?? 256 * 1024;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'w');
    this.top.writeMagic();
    this.top.writeHeader({ profile: MAGIC_AND_HEADER_PROFILE, library: LIBRARY });
    this.writeTop();
    this.timer = setInterval(() => this.flush(), opts.flushEveryMs ?? 100).unref();
    this.unregister = onCleanup(`recording ${file}`, () => this.close(), { sync: () => this.flush() });
  }

  get messageCount(): number {
    return Number(this.messageCount_);
  }

  get closed(): boolean {
    return this.fd === null;
  }

  /** A MAVLink message as decoded (camelCase fields) on `/mavlink/<name>`. */
  mavlink(name: string, data: unknown, t: McapTime): void {
    this.write(`/mavlink/${name}`, name, data, t, () => mavlinkJsonSchema(name));
  }

  /**
   * A MAVLink message already as JSON text (src/mavlink/json.ts: what mavlink() would write for
   * its decoded form) on `/mavlink/<name>`: the recorder's path for every frame a link receives.
   */
  mavlinkJson(name: string, json: string, t: McapTime): void {
    if (this.fd === null) return;
    let channel = this.mavlinkChannels.get(name);
    if (!channel) {
      channel = this.channel(`/mavlink/${name}`, name, () => mavlinkJsonSchema(name));
      this.mavlinkChannels.set(name, channel);
    }
    this.add(channel, json, t);
  }

  /** One camera frame's detections on `/detections`, shaped like visualization_msgs/MarkerArray. */
  detections(frame: DetectionFrame, t: McapTime): void {
    const stampMs = frame.captureMs ?? t.hostMs;
    const header = { stamp: rosTime(stampMs), frame_id: frame.frameId ?? 'camera' };
    const markers = frame.detections.map((d, i) => ({
      header,
      ns: 'detections',
      id: d.id ?? i,
      type: 9, // TEXT_VIEW_FACING
      action: 0,
      pose: { position: d.position ?? { x: 0, y: 0, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
      scale: { x: 0, y: 0, z: 0.3 },
      color: { r: 1, g: 1, b: 1, a: 1 },
      text: `${d.label}: ${Number(d.score.toFixed(3))}`,
    }));
    this.write('/detections', 'visualization_msgs/MarkerArray', { markers }, t, () => MARKER_ARRAY_SCHEMA);
  }

  /** A budget sample as Measurements records it, on `/budgets/samples`. */
  sample(sample: Readonly<Sample>, t?: McapTime): void {
    const time = t ?? { hostMs: sample.hostTimeMs ?? hostNowMs(), vehicleMs: sample.vehicleTimeMs ?? null };
    this.write('/budgets/samples', 'flightcheck.BudgetSample', sample, time, () => SAMPLE_SCHEMA);
  }

  /** Budget outcomes, one message per budget, on `/budgets/results`. */
  budgetResults(results: readonly BudgetResult[], t: McapTime = { hostMs: hostNowMs() }): void {
    for (const r of results) this.write('/budgets/results', 'flightcheck.BudgetResult', r, t, () => RESULT_SCHEMA);
  }

  /** A flight phase starting or ending, on `/phases`. */
  phase(event: PhaseEvent, t: McapTime): void {
    this.write('/phases', 'flightcheck.Phase', event, t, () => PHASE_SCHEMA);
  }

  /** Any JSON message on any topic; the schema (a JSON schema object) is registered on first use of `schemaName`. */
  write(topic: string, schemaName: string, data: unknown, t: McapTime, schema: () => object = () => ({ type: 'object' })): void {
    if (this.fd === null) return;
    const channel = this.channel(topic, schemaName, schema);
    this.add(channel, this.json(channel, data), t);
  }

  private add(channel: ChannelInfo, json: string, t: McapTime): void {
    const logTime = this.logNs.of(t.hostMs);
    const publishTime = t.vehicleMs != null && Number.isFinite(t.vehicleMs) ? this.publishNs.of(t.vehicleMs) : logTime;
    this.chunk.addMessage(channel.id, channel.sequence++ >>> 0, logTime, publishTime, json);
    channel.count++;
    if (this.messageCount_ === 0n || logTime < this.startTime) this.startTime = logTime;
    if (this.messageCount_ === 0n || logTime > this.endTime) this.endTime = logTime;
    this.messageCount_++;
    if (this.chunk.byteLength >= this.chunkBytes) this.flush();
  }

  /** Writes pending schemas, channels and the open chunk to disk now. */
  flush(): void {
    if (this.fd === null) return;
    this.writeTop();
    if (this.chunk.numMessages === 0) return;
    const records = this.chunk.buffer;
    const chunkStartOffset = this.position;
    const chunkLength = this.top.writeChunk({
      messageStartTime: this.chunk.messageStartTime,
      messageEndTime: this.chunk.messageEndTime,
      uncompressedSize: BigInt(records.byteLength),
      uncompressedCrc: zlib.crc32(records),
      compression: '',
      records,
    });
    const compressedSize = BigInt(records.byteLength);
    this.writeTop();
    const messageIndexOffsets = new Map<number, bigint>();
    let messageIndexLength = 0n;
    for (const index of this.chunk.indices) {
      messageIndexOffsets.set(index.channelId, this.position + messageIndexLength);
      messageIndexLength += this.top.writeMessageIndex(index);
    }
    this.chunkIndexes.push({
      messageStartTime: this.chunk.messageStartTime,
      messageEndTime: this.chunk.messageEndTime,
      chunkStartOffset,
      chunkLength,
      messageIndexOffsets,
      messageIndexLength,
      compression: '',
      compressedSize,
      uncompressedSize: compressedSize,
    });
    this.chunk.reset();
    this.writeTop();
  }

  /** Flushes, then writes the summary (schemas, channels, statistics, chunk indexes) and the footer. */
  close(): void {
    if (this.fd === null) return;
    clearInterval(this.timer);
    this.unregister();
    this.flush();
    this.top.writeDataEnd({ dataSectionCrc: this.dataCrc });
    this.writeTop(false);

    const summaryStart = this.position;
    const offsets: { groupOpcode: number; groupStart: bigint; groupLength: bigint }[] = [];
    const group = (opcode: number, write: () => bigint) => {
      const groupStart = summaryStart + BigInt(this.top.length);
      const groupLength = write();
      if (groupLength > 0n) offsets.push({ groupOpcode: opcode, groupStart, groupLength });
    };
    group(Opcode.SCHEMA, () => this.schemaRecords.reduce((n, s) => n + this.top.writeSchema(s), 0n));
    group(Opcode.CHANNEL, () => this.channelRecords.reduce((n, c) => n + this.top.writeChannel(c), 0n));
    group(Opcode.STATISTICS, () =>
      this.top.writeStatistics({
        messageCount: this.messageCount_,
        schemaCount: this.schemaRecords.length,
        channelCount: this.channelRecords.length,
        attachmentCount: 0,
        metadataCount: 0,
        chunkCount: this.chunkIndexes.length,
        messageStartTime: this.startTime,
        messageEndTime: this.endTime,
        channelMessageCounts: new Map([...this.channels.values()].map((c) => [c.id, c.count])),
      }),
    );
    group(Opcode.CHUNK_INDEX, () => this.chunkIndexes.reduce((n, c) => n + this.top.writeChunkIndex(c), 0n));
    const summaryOffsetStart = summaryStart + BigInt(this.top.length);
    for (const o of offsets) this.top.writeSummaryOffset(o);

    // The summary CRC covers the summary section and the footer up to (not including) the CRC field.
    const footerPrefix = new DataView(new ArrayBuffer(1 + 8 + 8 + 8));
    footerPrefix.setUint8(0, Opcode.FOOTER);
    footerPrefix.setBigUint64(1, 20n, true);
    footerPrefix.setBigUint64(9, summaryStart, true);
    footerPrefix.setBigUint64(17, summaryOffsetStart, true);
    const summaryCrc = zlib.crc32(new Uint8Array(footerPrefix.buffer), zlib.crc32(this.top.buffer));
    this.top.writeFooter({ summaryStart, summaryOffsetStart, summaryCrc });
    this.top.writeMagic();
    this.writeTop(false);
    fs.closeSync(this.fd);
    this.fd = null;
  }

  /**
   * JSON of a message. Native JSON.stringify writes non-finite numbers as null already; only
   * 64-bit integers (BigInt) need the replacer, which costs twice as much: a channel whose
   * messages carry them is marked at its first and takes the slow path from then on.
   */
  private json(channel: ChannelInfo, data: unknown): string {
    if (!channel.bigints) {
      try {
        return JSON.stringify(data);
      } catch (err) {
        if (!(err instanceof TypeError) || !/BigInt/i.test(err.message)) throw err;
        channel.bigints = true;
      }
    }
    return JSON.stringify(data, jsonSafe);
  }

  private channel(topic: string, schemaName: string, schema: () => object): ChannelInfo {
    let channel = this.channels.get(topic);
    if (channel) return channel;
    let schemaId = this.schemas.get(schemaName);
    if (schemaId === undefined) {
      schemaId = this.schemaRecords.length + 1;
      const record = { id: schemaId, name: schemaName, encoding: JSON_SCHEMA, data: this.encoder.encode(JSON.stringify(schema())) };
      this.schemas.set(schemaName, schemaId);
      this.schemaRecords.push(record);
      this.top.writeSchema(record);
    }
    const record = { id: this.channelRecords.length, schemaId, topic, messageEncoding: 'json', metadata: new Map<string, string>() };
    this.channelRecords.push(record);
    // Written outside chunks, ahead of the chunk holding the channel's first message.
    this.top.writeChannel(record);
    channel = { id: record.id, sequence: 0, count: 0n, bigints: false };
    this.channels.set(topic, channel);
    return channel;
  }

  private writeTop(dataSection = true): void {
    if (this.fd === null || this.top.length === 0) return;
    const bytes = this.top.buffer;
    fs.writeSync(this.fd, bytes);
    if (dataSection) this.dataCrc = zlib.crc32(bytes, this.dataCrc);
    this.position += BigInt(bytes.byteLength);
    this.top.reset();
  }
}

/**
 * The open chunk's records: what @mcap/core's ChunkBuilder (with message indexes) writes, byte for
 * byte, for Message records only, but written in place: the JSON text is encoded straight into the
 * chunk's buffer (no Buffer per message) and the index keeps plain numbers until the chunk closes.
 */
class MessageChunk {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  private used = 0;
  private count = 0;
  messageStartTime = 0n;
  messageEndTime = 0n;
  /** Per channel, in order of its first message in the chunk: log times and record offsets. */
  private readonly index = new Map<number, { times: bigint[]; offsets: number[] }>();

  get numMessages(): number {
    return this.count;
  }

  get byteLength(): number {
    return this.used;
  }

  get buffer(): Uint8Array {
    return this.buf.subarray(0, this.used);
  }

  get indices(): MessageIndex[] {
    return [...this.index].map(([channelId, e]) => ({ channelId, records: e.times.map((t, i) => [t, BigInt(e.offsets[i]!)] as [bigint, bigint]) }));
  }

  addMessage(channelId: number, sequence: number, logTime: bigint, publishTime: bigint, json: string): void {
    if (this.count === 0 || logTime < this.messageStartTime) this.messageStartTime = logTime;
    if (this.count === 0 || logTime > this.messageEndTime) this.messageEndTime = logTime;
    let e = this.index.get(channelId);
    if (!e) this.index.set(channelId, (e = { times: [], offsets: [] }));
    const at = this.used;
    e.times.push(logTime);
    e.offsets.push(at);
    this.count++;
    // opcode (1), record length (8), channel (2), sequence (4), log and publish time (8 + 8), data
    const need = at + 31 + json.length * 3;
    if (need > this.buf.length) this.grow(need);
    const buf = this.buf, view = this.view;
    const n = buf.write(json, at + 31, 'utf8');
    buf[at] = Opcode.MESSAGE;
    const len = 22 + n;
    view.setUint32(at + 1, len, true);
    view.setUint32(at + 5, 0, true);
    view.setUint16(at + 9, channelId, true);
    view.setUint32(at + 11, sequence, true);
    view.setBigUint64(at + 15, logTime, true);
    view.setBigUint64(at + 23, publishTime, true);
    this.used = at + 31 + n;
  }

  reset(): void {
    this.used = 0;
    this.count = 0;
    this.messageStartTime = 0n;
    this.messageEndTime = 0n;
    this.index.clear();
  }

  private grow(need: number): void {
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.used);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }
}

function msToNs(ms: number): bigint {
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}

/** msToNs with the last answer kept: the messages of one datagram share their times. */
class NsCache {
  private ms = Number.NaN;
  private ns = 0n;
  of(ms: number): bigint {
    if (ms !== this.ms) {
      this.ms = ms;
      this.ns = msToNs(ms);
    }
    return this.ns;
  }
}

function rosTime(ms: number): { sec: number; nanosec: number } {
  const sec = Math.floor(ms / 1000);
  return { sec, nanosec: Math.round((ms - sec * 1000) * 1e6) };
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

const mavlinkSchemas = new Map<string, object>();

/** A JSON schema for a MAVLink message from its definition: camelCase fields, units as descriptions. */
export function mavlinkJsonSchema(name: string): object {
  let schema = mavlinkSchemas.get(name);
  if (schema) return schema;
  const clazz = Object.values(REGISTRY).find((c) => c.MSG_NAME === name);
  const properties: Record<string, object> = {};
  for (const f of clazz?.FIELDS ?? []) {
    const scalar = { type: f.type.startsWith('char') ? 'string' : 'number', ...(f.units ? { description: f.units } : {}) };
    properties[f.name] = f.length > 0 && !f.type.startsWith('char') ? { type: 'array', items: { type: 'number' } } : scalar;
  }
  schema = { title: name, type: 'object', properties };
  mavlinkSchemas.set(name, schema);
  return schema;
}

const num = { type: 'number' };
const str = { type: 'string' };
const MARKER_ARRAY_SCHEMA = {
  title: 'visualization_msgs/MarkerArray',
  type: 'object',
  properties: {
    markers: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          header: { type: 'object', properties: { stamp: { type: 'object', properties: { sec: num, nanosec: num } }, frame_id: str } },
          ns: str, id: num, type: num, action: num, text: str,
          pose: { type: 'object' }, scale: { type: 'object' }, color: { type: 'object' },
        },
      },
    },
  },
};
const SAMPLE_SCHEMA = {
  title: 'flightcheck.BudgetSample',
  type: 'object',
  properties: { metric: str, value: num, seq: num, clock: str, unit: str, vehicleTimeMs: num, hostTimeMs: num, uncertaintyMs: num, vehicle: str, note: str },
};
const RESULT_SCHEMA = {
  title: 'flightcheck.BudgetResult',
  type: 'object',
  properties: { name: str, metric: str, clock: str, unit: str, outcome: str, count: num, minSamples: num, reason: str, stats: { type: ['object', 'null'] }, checks: { type: 'array' } },
};
const PHASE_SCHEMA = {
  title: 'flightcheck.Phase',
  type: 'object',
  properties: { name: str, event: { type: 'string', enum: ['start', 'end'] }, error: str, hostMs: num, vehicleMs: { type: ['number', 'null'] } },
};
