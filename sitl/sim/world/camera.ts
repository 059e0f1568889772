import { hostNowMs } from '../../../src/clock/host.js';
import type { VehicleState } from '../model/types.js';
import { Rng } from '../runtime/rng.js';
import type {
  CameraOptions,
  DetectionListener,
  DetectionMarker,
  DetectionMessage,
  DetectionSource,
  DetectorOptions,
  LatencyDistribution,
  Point,
  WorldObject,
} from './types.js';

export interface SimCameraOptions {
  sysId: number;
  camera: CameraOptions;
  detector: DetectorOptions;
  /** Shared with the world: objects added later are seen too. */
  objects: readonly WorldObject[];
  seed: number;
  /** The vehicle's current state (the model may be replaced on reset). */
  state: () => VehicleState;
  frameId?: string;
}

interface Frame {
  seq: number;
  timeUs: number;
  captureHostMs: number;
  latencyMs: number;
  markers: DetectionMarker[];
}

/** An object as the camera sees it in one frame. */
export interface InView {
  object: WorldObject;
  /** Position in the camera optical frame (m). */
  camera: Point;
  rangeM: number;
  /** Fraction of the frame width the object spans. */
  apparentSize: number;
}

/**
 * A camera on the vehicle plus an object detector. Frames are captured on vehicle time (fps);
 * inference takes a sampled latency on the detector's clock: vehicle time by default (the
 * detector is simulated with the vehicle, so its latency is the model's at any speed and host
 * load), or host time (setTimeout: a companion computer that does not speed up with the
 * simulation, so under speed-up it processes one frame at a time and drops frames it cannot keep
 * up with; 'parallel' runs every frame independently). A frame with detections is published when
 * its inference ends; nothing is published for a frame without detections, as DroneOS's detector.
 */
export class SimCamera implements DetectionSource {
  private readonly listeners = new Set<DetectionListener>();
  private readonly pending = new Set<NodeJS.Timeout>();
  private readonly pendingImmediates = new Set<NodeJS.Immediate>();
  private readonly frameIntervalUs: number;
  private nextFrameUs = 0;
  private frameSeq_ = 0;
  private readonly detectRng: Rng;
  private readonly latencyRng: Rng;
  private readonly tanHalfH: number;
  private readonly tanHalfV: number;
  private closed = false;
  readonly frameId: string;
  /** Frames captured, messages published, frames dropped because the detector was busy. */
  stats = { frames: 0, published: 0, dropped: 0 };
  private busy = false;
  private waiting: Frame | null = null;
  /** Vehicle time of the latest step, µs. */
  private nowUs = 0;
  /** Inferences running on the vehicle clock: published at the first step at or after `dueUs`. */
  private running: { dueUs: number; done: () => void }[] = [];

  constructor(private readonly opts: SimCameraOptions) {
    this.frameIntervalUs = Math.round(1e6 / opts.camera.fps);
    const root = new Rng(opts.seed);
    this.detectRng = root.fork(`detect/${opts.sysId}`);
    this.latencyRng = root.fork(`latency/${opts.sysId}`);
    this.tanHalfH = Math.tan((opts.camera.hfovDeg * Math.PI) / 360);
    this.tanHalfV = Math.tan((opts.camera.vfovDeg * Math.PI) / 360);
    this.frameId = opts.frameId ?? `drone${opts.sysId}/camera`;
  }

  get frameSeq(): number {
    return this.frameSeq_;
  }

  onDetections(cb: DetectionListener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Called after every physics step: captures a frame when one is due. */
  afterStep(timeUs: number): void {
    if (this.closed) return;
    this.nowUs = timeUs;
    this.finishDue(timeUs);
    if (timeUs < this.nextFrameUs) return;
    this.nextFrameUs += this.frameIntervalUs;
    if (this.nextFrameUs <= timeUs) this.nextFrameUs = timeUs + this.frameIntervalUs;
    this.capture(timeUs);
    this.finishDue(timeUs);
  }

  /** Ends the vehicle-clock inferences due by `timeUs`, in due order (a serial one may start the next). */
  private finishDue(timeUs: number): void {
    for (;;) {
      let first = -1;
      for (let i = 0; i < this.running.length; i++) if (this.running[i]!.dueUs <= timeUs && (first < 0 || this.running[i]!.dueUs < this.running[first]!.dueUs)) first = i;
      if (first < 0) return;
      const [job] = this.running.splice(first, 1);
      job!.done();
    }
  }

  /** Objects inside the field of view and range, from the vehicle's true pose. */
  inView(state: VehicleState = this.opts.state()): InView[] {
    const out: InView[] = [];
    const cam = this.opts.camera;
    // The model's own names: x, y, z are north, east, down.
    const p = state.truth.position;
    const { roll, pitch, yaw } = state.attitude;
    const cy = Math.cos(yaw), sy = Math.sin(yaw);
    const cp = Math.cos(pitch), sp = Math.sin(pitch);
    const cr = Math.cos(roll), sr = Math.sin(roll);
    for (const object of this.opts.objects) {
      const dx = object.position.north - p.x, dy = object.position.east - p.y, dz = object.position.down - p.z;
      // NED → body (inverse of yaw-pitch-roll).
      const x1 = cy * dx + sy * dy, y1 = -sy * dx + cy * dy, z1 = dz;
      const bx = cp * x1 - sp * z1, bz0 = sp * x1 + cp * z1;
      const by = cr * y1 + sr * bz0, bz = -sr * y1 + cr * bz0;
      // Body → camera optical frame (x right, y down in the image, z along the axis).
      const c: Point = cam.orientation === 'down' ? { x: by, y: -bx, z: bz } : { x: by, y: bz, z: bx };
      if (c.z <= 0) continue;
      const rangeM = Math.sqrt(dx * dx + dy * dy + dz * dz);
      if (rangeM > cam.maxRangeM) continue;
      if (Math.abs(c.x / c.z) > this.tanHalfH || Math.abs(c.y / c.z) > this.tanHalfV) continue;
      const apparentSize = object.size / (2 * c.z * this.tanHalfH);
      out.push({ object, camera: c, rangeM, apparentSize });
    }
    return out;
  }

  private capture(timeUs: number): void {
    const seq = this.frameSeq_++;
    this.stats.frames++;
    const captureHostMs = hostNowMs();
    // One latency draw per frame, whether or not it is processed: the sequence stays seeded.
    const latencyMs = sampleLatency(this.latencyRng, this.opts.detector.latency);
    const frame: Frame = { seq, timeUs, captureHostMs, latencyMs, markers: this.opts.objects.length > 0 ? this.detect() : [] };
    if (this.opts.detector.pipeline === 'parallel') {
      if (frame.markers.length > 0) this.infer(frame, captureHostMs, timeUs);
      return;
    }
    // One inference at a time, as on the companion computer: a frame arriving while it is busy
    // waits, and replaces (drops) a frame that was already waiting.
    if (this.busy) {
      if (this.waiting) this.stats.dropped++;
      this.waiting = frame;
      return;
    }
    this.infer(frame, captureHostMs, timeUs);
  }

  private detect(): DetectionMarker[] {
    const det = this.opts.detector;
    const markers: DetectionMarker[] = [];
    for (const v of this.inView()) {
      const sizeFactor = det.minApparentSize > 0 ? Math.min(1, v.apparentSize / det.minApparentSize) : 1;
      const detected = this.detectRng.next() < det.detectionProbability * sizeFactor;
      const raw = this.detectRng.normal(det.scoreMean, det.scoreSd) - 0.2 * (1 - sizeFactor);
      if (!detected) continue;
      const score = Math.min(0.99, Math.max(0, raw));
      if (score < det.scoreThreshold) continue;
      markers.push({ id: markers.length, text: `${v.object.label}: ${score.toFixed(2)}`, pose: v.camera, label: v.object.label, score });
    }
    return markers;
  }

  /**
   * Runs inference on a frame from host time `startMs` / vehicle time `startUs` (on the detector's
   * clock); publishes if anything was detected.
   */
  private infer(frame: Frame, startMs: number, startUs: number): void {
    const serial = this.opts.detector.pipeline === 'serial';
    if (serial) this.busy = true;
    const done = () => {
      if (frame.markers.length > 0) this.publish(frame);
      if (!serial) return;
      this.busy = false;
      const next = this.waiting;
      this.waiting = null;
      if (next) this.infer(next, hostNowMs(), this.nowUs);
    };
    // Rounded up to the µs: never published before the modelled latency has passed.
    if (this.opts.detector.clock === 'vehicle') this.running.push({ dueUs: startUs + Math.ceil(frame.latencyMs * 1000), done });
    else this.publishAt(startMs + frame.latencyMs, done);
  }

  private publish(f: Frame): void {
    const sec = Math.floor(f.captureHostMs / 1000);
    const msg: DetectionMessage = {
      header: { stamp: { sec, nanosec: Math.round((f.captureHostMs - sec * 1000) * 1e6) }, frameId: this.frameId },
      markers: f.markers,
      captureHostMs: f.captureHostMs,
      captureVehicleUs: f.timeUs,
      publishHostMs: hostNowMs(),
      publishVehicleUs: this.nowUs,
      detectorClock: this.opts.detector.clock,
      inferenceMs: f.latencyMs,
      frameSeq: f.seq,
      sysId: this.opts.sysId,
    };
    this.stats.published++;
    for (const cb of this.listeners) cb(msg);
  }

  /**
   * Runs `fn` at host time `atMs`, never early: libuv starts timers from the loop's cached time,
   * which can lag the real clock, so an early wake-up waits out the remainder.
   */
  private publishAt(atMs: number, fn: () => void): void {
    const wait = atMs - hostNowMs();
    if (this.closed) return;
    if (wait <= 0) {
      fn();
      return;
    }
    if (wait < 1) {
      const imm = setImmediate(() => {
        this.pendingImmediates.delete(imm);
        this.publishAt(atMs, fn);
      });
      this.pendingImmediates.add(imm);
      return;
    }
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      this.publishAt(atMs, fn);
    }, wait);
    this.pending.add(timer);
  }

  close(): void {
    this.closed = true;
    this.running = [];
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
    for (const t of this.pendingImmediates) clearImmediate(t);
    this.pendingImmediates.clear();
    this.listeners.clear();
  }
}

export function sampleLatency(rng: Rng, d: LatencyDistribution): number {
  switch (d.kind) {
    case 'fixed':
      return d.ms;
    case 'uniform':
      return rng.uniform(d.minMs, d.maxMs);
    case 'normal': {
      const v = rng.normal(d.meanMs, d.sdMs);
      return Math.min(d.maxMs ?? Infinity, Math.max(d.minMs ?? 0, v));
    }
  }
}
