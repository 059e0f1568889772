import { z } from 'zod';
import type { DetectionSource as BaseDetectionSource } from '../../../src/vehicle/detections.js';

/** A thing in the world the detector can see. */
export const WorldObject = z
  .object({
    label: z.string().min(1),
    /** Where it stands: local NED metres, the frame of `telemetry.localPosition` (origin = home). */
    position: z.object({ north: z.number(), east: z.number(), down: z.number() }).strict(),
    /** Characteristic size (m), e.g. a person ≈ 0.5 seen from above, a car ≈ 4. */
    size: z.number().positive().default(1),
  })
  .strict();
export type WorldObject = z.infer<typeof WorldObject>;
export type WorldObjectInput = z.input<typeof WorldObject>;

export const CameraOptions = z
  .object({
    /** down: optical axis along body z (nadir); forward: along body x. */
    orientation: z.enum(['down', 'forward']).default('down'),
    /** Frames per second of vehicle time. */
    fps: z.number().positive().max(1000).default(30),
    /** Full horizontal / vertical field of view (deg). Default: Raspberry Pi camera v2. */
    hfovDeg: z.number().positive().lt(180).default(62.2),
    vfovDeg: z.number().positive().lt(180).default(48.8),
    /** Nothing farther than this is detected (m). */
    maxRangeM: z.number().positive().default(40),
  })
  .strict();
export type CameraOptions = z.infer<typeof CameraOptions>;

export const LatencyDistribution = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('normal'),
      meanMs: z.number().nonnegative(),
      sdMs: z.number().nonnegative(),
      minMs: z.number().nonnegative().optional(),
      maxMs: z.number().nonnegative().optional(),
    })
    .strict()
    .refine((d) => d.minMs === undefined || d.maxMs === undefined || d.minMs <= d.maxMs, {
      message: 'minMs must be ≤ maxMs',
      path: ['minMs'],
    }),
  z
    .object({ kind: z.literal('uniform'), minMs: z.number().nonnegative(), maxMs: z.number().nonnegative() })
    .strict()
    .refine((d) => d.minMs <= d.maxMs, { message: 'minMs must be ≤ maxMs', path: ['minMs'] }),
  z.object({ kind: z.literal('fixed'), ms: z.number().nonnegative() }).strict(),
]);
export type LatencyDistribution = z.infer<typeof LatencyDistribution>;

/** Edge TPU on a Raspberry Pi: about 12–15 ms a frame. */
export const EDGE_TPU_LATENCY: LatencyDistribution = { kind: 'normal', meanMs: 13.5, sdMs: 1, minMs: 12, maxMs: 15 };

export const DetectorOptions = z
  .object({
    latency: LatencyDistribution.default(EDGE_TPU_LATENCY),
    /** Chance to detect an object that is in view and large enough. */
    detectionProbability: z.number().min(0).max(1).default(0.95),
    /** Objects subtending less than this fraction of the frame width are missed more often. */
    minApparentSize: z.number().min(0).max(1).default(0.02),
    /** Score ~ Normal(scoreMean, scoreSd), lowered for small apparent size, clipped to [0, 0.99]. */
    scoreMean: z.number().min(0).max(1).default(0.85),
    scoreSd: z.number().min(0).max(1).default(0.05),
    /** Detections scoring below this are dropped (the detector's confidence threshold). */
    scoreThreshold: z.number().min(0).max(1).default(0.5),
    /**
     * serial: one inference at a time (a frame arriving while busy waits; an older waiting frame is
     * dropped), as one Edge TPU. parallel: every frame is processed independently (publication
     * order may then differ from capture order).
     */
    pipeline: z.enum(['serial', 'parallel']).default('serial'),
    /**
     * The clock inference time passes on. vehicle: the detector is simulated with the vehicle, so
     * a frame is published `latency` of vehicle time after capture at any speed and under any host
     * load, and its latency is read from the simulator's stamps (captureVehicleUs →
     * publishVehicleUs). host: inference takes host time (setTimeout), as a companion computer
     * that does not speed up with the simulation; under speed-up a serial detector drops frames.
     */
    clock: z.enum(['vehicle', 'host']).default('vehicle'),
  })
  .strict();
export type DetectorOptions = z.infer<typeof DetectorOptions>;

/** geometry_msgs/Point-like, in the camera optical frame (x right, y down, z along the optical axis), m. */
export interface Point {
  x: number;
  y: number;
  z: number;
}

/** One visualization_msgs/Marker (TEXT_VIEW_FACING) as DroneOS's detector publishes it. */
export interface DetectionMarker {
  id: number;
  /** "label: score", score with two decimals. */
  text: string;
  pose: Point;
  label: string;
  score: number;
}

/**
 * The shape of DroneOS's `/<drone>/detected_objects` (visualization_msgs/MarkerArray), with the
 * header of the camera frame (capture stamp, host clock) plus the simulator's own bookkeeping.
 */
export interface DetectionMessage {
  header: { stamp: { sec: number; nanosec: number }; frameId: string };
  markers: DetectionMarker[];
  /** Host clock at capture (ms, hostNowMs()): the same instant as header.stamp. */
  captureHostMs: number;
  /** Vehicle time at capture, µs since boot. */
  captureVehicleUs: number;
  /** Host clock at publication (ms). */
  publishHostMs: number;
  /** Vehicle time at publication, µs since boot (the step the result was published in). */
  publishVehicleUs: number;
  /** The clock the detector's inference time passed on (DetectorOptions.clock). */
  detectorClock: 'vehicle' | 'host';
  /** The inference latency sampled for this frame (ms); publication is this long after capture. */
  inferenceMs: number;
  /** Camera frame number (counts every frame, published or not). */
  frameSeq: number;
  sysId: number;
}

export type DetectionListener = (msg: DetectionMessage) => void;

/** Anything that delivers detections: the simulated detector here, a ROS 2 subscription elsewhere. */
/** The detection-source contract of src/vehicle/detections.ts, delivering the simulator's richer message. */
export type DetectionSource = BaseDetectionSource<DetectionMessage>;
