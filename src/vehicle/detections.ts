import type { ClockName } from '../clock/duration.js';

/**
 * Detections as DroneOS publishes them on `/<drone>/detected_objects`: a
 * visualization_msgs/MarkerArray whose header is the camera frame's (capture stamp kept), one
 * TEXT_VIEW_FACING marker per detection with text "label: score"; nothing when nothing is seen.
 * The simulator's detector and the ROS 2 subscription both deliver this shape.
 */
export interface DetectionMarkerLike {
  id?: number;
  text: string;
}

export interface MarkerArrayLike {
  header: { stamp: { sec: number; nanosec: number }; frameId?: string; frame_id?: string };
  markers: DetectionMarkerLike[];
  /**
   * A simulated detector's own stamps (the built-in simulator's messages carry them): vehicle time
   * at capture and at publication, µs, and the clock its inference time passed on.
   */
  captureVehicleUs?: number;
  publishVehicleUs?: number;
  detectorClock?: 'vehicle' | 'host';
}

/** Anything that delivers detections: the simulated detector, a ROS 2 subscription, a UDP bridge. */
export interface DetectionSource<M extends MarkerArrayLike = MarkerArrayLike> {
  onDetections(cb: (msg: M) => void): () => void;
}

export interface Detection {
  label: string;
  score: number;
}

/** One received frame's detections with the capture stamp and the receive time, both host clock ms. */
export interface DetectionFrame {
  captureMs: number;
  receivedMs: number;
  /**
   * The detection latency, on `clock`: a simulated detector's is its own (publication − capture in
   * vehicle time, from the simulator's stamps); a real one's is receivedMs − captureMs on the host
   * clock (the pipeline latency on one host; add a clock offset across hosts).
   */
  latencyMs: number;
  clock: ClockName;
  detections: Detection[];
}

/** builtin_interfaces/Time → milliseconds. */
export function stampToMs(stamp: { sec: number; nanosec: number }): number {
  return stamp.sec * 1000 + stamp.nanosec / 1e6;
}

/** Milliseconds → builtin_interfaces/Time. */
export function msToStamp(ms: number): { sec: number; nanosec: number } {
  const sec = Math.floor(ms / 1000);
  return { sec, nanosec: Math.round((ms - sec * 1000) * 1e6) };
}

/** "person: 0.87" → { label: 'person', score: 0.87 }; null for text in another form. */
export function parseMarkerText(text: string): Detection | null {
  const m = /^\s*(.+?)\s*:\s*([0-9]*\.?[0-9]+)\s*$/.exec(text);
  if (!m) return null;
  const score = Number(m[2]);
  return Number.isFinite(score) ? { label: m[1]!, score } : null;
}

/** A MarkerArray received at `receivedMs` (host clock) as a DetectionFrame; `offsetMs` is added to the stamp (sender clock → ours). */
export function toDetectionFrame(msg: MarkerArrayLike, receivedMs: number, offsetMs = 0): DetectionFrame {
  const captureMs = stampToMs(msg.header.stamp) + offsetMs;
  const detections: Detection[] = [];
  for (const m of msg.markers) {
    const d = parseMarkerText(m.text);
    if (d) detections.push(d);
  }
  const c = msg.captureVehicleUs, p = msg.publishVehicleUs;
  if (msg.detectorClock === 'vehicle' && c !== undefined && p !== undefined) return { captureMs, receivedMs, latencyMs: (p - c) / 1000, clock: 'vehicle', detections };
  return { captureMs, receivedMs, latencyMs: receivedMs - captureMs, clock: 'host', detections };
}
