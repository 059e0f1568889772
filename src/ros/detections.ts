import { z } from 'zod';
import { hostNowMs } from '../clock/host.js';
import { msToStamp, stampToMs, toDetectionFrame, type DetectionFrame, type DetectionSource, type MarkerArrayLike } from '../vehicle/detections.js';
import { detectionsTopic, MARKER_ARRAY_TYPE } from './drone-core-interface.js';
import type { SubscriptionQos } from './ros-api.js';
import type { RosSession } from './session.js';

/**
 * Detections from DroneOS's detector: `/<drone>/detected_objects`, a visualization_msgs/MarkerArray
 * with one TEXT_VIEW_FACING marker per detection ("label: score"), each marker's header being the
 * camera image's (capture stamp kept). A ROS MarkerArray has no header of its own: markers are
 * grouped by stamp into one frame each, delivered as MarkerArrayLike with header = that stamp.
 *
 * Clocks: the stamp is the detector host's ROS time (wall clock). Delivered stamps are translated
 * to this host's clock by `clockOffsetMs` (added; 0 when the detector runs on this host), so
 * `toDetectionFrame(msg, hostNowMs())` gives the pipeline latency as on one host.
 */

const MARKER_TEXT_VIEW_FACING = 9;
const MARKER_ADD = 0;

const Stamp = z.object({ sec: z.number().int(), nanosec: z.number().int().min(0).max(999_999_999) }).loose();
const Marker = z
  .object({
    header: z.object({ stamp: Stamp, frame_id: z.string().default('') }).loose(),
    id: z.number().int().default(0),
    type: z.number().int(),
    action: z.number().int().default(MARKER_ADD),
    text: z.string().default(''),
  })
  .loose();
const MarkerArray = z.object({ markers: z.array(Marker) }).loose();

/** A frame as this source delivers it: the MarkerArrayLike shape plus where its stamp came from. */
export interface RosDetectionMessage extends MarkerArrayLike {
  header: { stamp: { sec: number; nanosec: number }; frameId: string };
  /** The stamp as the detector set it (its clock). */
  sourceStamp: { sec: number; nanosec: number };
  /** Host clock ms when the MarkerArray arrived. */
  receivedMs: number;
  /** Added to the source stamp to get `header.stamp` on this host's clock. */
  clockOffsetMs: number;
}

export interface MarkerArrayParse {
  frames: Omit<RosDetectionMessage, 'receivedMs' | 'clockOffsetMs'>[];
  /** Markers that are not added TEXT_VIEW_FACING markers (deletions, other shapes): not detections. */
  ignored: number;
}

/** A ROS MarkerArray (snake_case fields, as rclnodejs delivers it) → one frame per distinct stamp, in stamp order. */
export function parseMarkerArray(msg: unknown, clockOffsetMs = 0): MarkerArrayParse {
  const r = MarkerArray.safeParse(msg);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new TypeError(`MarkerArray: ${issue.path.join('.') || '(message)'}: ${issue.message}`);
  }
  const byStamp = new Map<string, Omit<RosDetectionMessage, 'receivedMs' | 'clockOffsetMs'>>();
  let ignored = 0;
  for (const m of r.data.markers) {
    if (m.type !== MARKER_TEXT_VIEW_FACING || m.action !== MARKER_ADD) {
      ignored++;
      continue;
    }
    const key = `${m.header.stamp.sec}.${m.header.stamp.nanosec}`;
    let frame = byStamp.get(key);
    if (!frame) {
      const source = { sec: m.header.stamp.sec, nanosec: m.header.stamp.nanosec };
      frame = { header: { stamp: msToStamp(stampToMs(source) + clockOffsetMs), frameId: m.header.frame_id }, sourceStamp: source, markers: [] };
      byStamp.set(key, frame);
    }
    frame.markers.push({ id: m.id, text: m.text });
  }
  const frames = [...byStamp.values()].sort((a, b) => stampToMs(a.sourceStamp) - stampToMs(b.sourceStamp));
  return { frames, ignored };
}

export interface RosDetectionOptions {
  /** Detector clock → this host's clock, ms (e.g. a measured offset to the rig's companion). Default 0: same host. */
  clockOffsetMs?: number;
  /** The offset's uncertainty (± ms), reported with latencies. Default 0. */
  clockUncertaintyMs?: number;
  /** Topic override; default `/<drone>/detected_objects`. */
  topic?: string;
  /** Default best effort, depth 10 (a camera stream: newest frames matter, none are re-sent). */
  qos?: SubscriptionQos;
}

/** Subscribes to a drone's detections; implements DetectionSource like the simulator's detector. */
export class RosDetectionSource implements DetectionSource<RosDetectionMessage> {
  readonly topic: string;
  readonly clockOffsetMs: number;
  readonly clockUncertaintyMs: number;
  /** MarkerArrays received, malformed ones (counted and skipped), and non-detection markers. */
  received = 0;
  malformed = 0;
  ignoredMarkers = 0;
  lastError: string | null = null;
  private readonly listeners = new Set<(msg: RosDetectionMessage) => void>();
  private readonly off: () => void;

  constructor(session: RosSession, drone: string, opts: RosDetectionOptions = {}) {
    this.topic = opts.topic ?? detectionsTopic(drone);
    this.clockOffsetMs = opts.clockOffsetMs ?? 0;
    this.clockUncertaintyMs = opts.clockUncertaintyMs ?? 0;
    if (!Number.isFinite(this.clockOffsetMs)) throw new RangeError(`detections: clockOffsetMs: must be a finite number, got ${opts.clockOffsetMs}`);
    this.off = session.subscribe(MARKER_ARRAY_TYPE, this.topic, opts.qos ?? { reliability: 'best_effort', depth: 10 }, (msg) => this.onMessage(msg));
  }

  onDetections(cb: (msg: RosDetectionMessage) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** The same frames as DetectionFrames (latency = receive − capture on this host's clock). */
  onFrame(cb: (frame: DetectionFrame & { uncertaintyMs: number }) => void): () => void {
    return this.onDetections((msg) => cb({ ...toDetectionFrame(msg, msg.receivedMs), uncertaintyMs: this.clockUncertaintyMs }));
  }

  close(): void {
    this.off();
    this.listeners.clear();
  }

  private onMessage(msg: unknown): void {
    const receivedMs = hostNowMs();
    let parsed: MarkerArrayParse;
    try {
      parsed = parseMarkerArray(msg, this.clockOffsetMs);
    } catch (err) {
      this.malformed++;
      this.lastError = (err as Error).message;
      return;
    }
    this.received++;
    this.ignoredMarkers += parsed.ignored;
    for (const f of parsed.frames) {
      const out: RosDetectionMessage = { ...f, receivedMs, clockOffsetMs: this.clockOffsetMs };
      for (const cb of this.listeners) cb(out);
    }
  }
}
