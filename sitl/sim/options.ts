import { z } from 'zod';
import { BAUD_RATES } from '../../src/mavlink/url.js';
import { FaultSpecError, parseLinkFaults, type LinkFaults } from '../../src/mavlink/transports/faults.js';
import type { SimVehicleApi, SimVehicleOptions } from './model/types.js';
import { CameraOptions, DetectorOptions, WorldObject } from './world/types.js';

/** Builds a vehicle model; the default is the built-in `SimVehicle`. Tests may pass their own. */
export type VehicleFactory = (opts: SimVehicleOptions) => SimVehicleApi;

export const SpeedOption = z.union([
  z.literal('max'),
  z.number().positive().finite(),
]);

const SerialOption = z
  .object({
    path: z.string().startsWith('/', 'must be an absolute device path'),
    baudRate: z
      .number()
      .int()
      .refine((b) => (BAUD_RATES as readonly number[]).includes(b), { message: `must be one of ${BAUD_RATES.join(', ')}` }),
  })
  .strict();

const GeoPoint = z
  .object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180), alt: z.number() })
  .strict();

export const SimWorldOptions = z
  .object({
    /** Number of vehicles; vehicle k has sys id k+1 (PX4 `-i` instance + 1) and ports +instance+k. */
    vehicles: z.number().int().min(1).max(64).default(1),
    /** PX4_SIM_SPEED_FACTOR: 1 = real time, 10, 50, … or 'max'. */
    speed: SpeedOption.default(1),
    /** Seed of every random draw (model noise, detector); same seed and inputs → same run. */
    seed: z.number().int().default(1),
    /**
     * How clients reach the vehicles: 'udp' (PX4 SITL ports), 'memory' (in-process,
     * memory://sim-<instance>) or a serial device (one vehicle, like a Pixhawk on USB).
     */
    transport: z.union([z.literal('udp'), z.literal('memory'), z.object({ serial: SerialOption }).strict()]).default('udp'),
    /** Instance offset: vehicle k uses PX4 instance `instance + k` for its ports. */
    instance: z.number().int().min(0).max(1000).default(0),
    /**
     * PX4 SITL's GCS link beside the API link (UDP transport only): binds 18570+i and sends PX4's
     * GCS stream set to 127.0.0.1:14550, where QGroundControl listens; every vehicle sends there, as
     * every PX4 instance does. On, as PX4 always opens it; false leaves 18570+i free.
     */
    gcsLink: z.boolean().default(true),
    /** Address the UDP links bind (loopback by default). */
    bindHost: z.string().min(1).default('127.0.0.1'),
    /** Home / EKF origin of every vehicle (default: PX4 SITL's Zurich home). */
    home: GeoPoint.optional(),
    /** PX4 parameter overrides for every vehicle, applied before boot. */
    params: z.record(z.string().min(1), z.number()).default({}),
    /** Per-vehicle parameter overrides (index = vehicle), on top of `params`. */
    vehicleParams: z.array(z.record(z.string().min(1), z.number())).default([]),
    /** Forward the model's event-only messages as STATUSTEXT too (PX4 v1.16 sends those only as events). */
    forwardEvents: z.boolean().default(false),
    /** Stream rate overrides (Hz by message name, 0 = off) for the API link. */
    streams: z.record(z.string().min(1), z.number().nonnegative()).default({}),
    wind: z.object({ north: z.number(), east: z.number(), gustStd: z.number().nonnegative().optional() }).strict().optional(),
    noise: z
      .object({ position: z.number().nonnegative().optional(), velocity: z.number().nonnegative().optional(), attitude: z.number().nonnegative().optional() })
      .strict()
      .optional(),
    /** PX4 SIH's wandering height estimate (about 1 m within a minute on the ground), seeded; off: estimate = truth. */
    heightDrift: z.boolean().default(false),
    /** The vehicles' camera (false = none). */
    camera: z.union([z.literal(false), CameraOptions]).default(CameraOptions.parse({})),
    detector: DetectorOptions.default(DetectorOptions.parse({})),
    objects: z.array(WorldObject).default([]),
    /** Publish detections as JSON datagrams to 127.0.0.1:(19540 + instance + k) (the standalone sim does). */
    detectionsUdp: z.boolean().default(false),
    /** MAVLink 2 signing on the API link (as PX4 with a key set): outgoing frames signed, unsigned incoming dropped. */
    signing: z.object({ key: z.instanceof(Buffer).refine((k) => k.length === 32, 'must be 32 bytes'), linkId: z.number().int().min(0).max(255).optional() }).strict().optional(),
    /**
     * A degraded radio on each vehicle's API link (latency, jitter, loss, …), applied by the vehicle
     * on its own clock: at any speed the vehicle sees the link as declared. Vehicle k's faults are
     * seeded with `seed + k`.
     */
    linkFaults: z.custom<LinkFaults>((v) => typeof v === 'object' && v !== null, 'must be link faults ({ up, down, seed })').optional(),
    vehicleFactory: z.custom<VehicleFactory>((v) => typeof v === 'function', 'must be a function').optional(),
    /** Errors the simulation survives (a model throwing on a command or a step). Default: console.error. */
    onError: z.custom<(err: unknown) => void>((v) => typeof v === 'function', 'must be a function').optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (typeof o.transport === 'object' && o.vehicles !== 1) {
      ctx.addIssue({ code: 'custom', path: ['vehicles'], message: 'a serial transport carries one vehicle' });
    }
    if (o.linkFaults) {
      try {
        parseLinkFaults(o.linkFaults);
      } catch (err) {
        if (!(err instanceof FaultSpecError)) throw err;
        ctx.addIssue({ code: 'custom', path: ['linkFaults'], message: err.message });
      }
    }
  });

export type SimWorldOptions = z.infer<typeof SimWorldOptions>;
export type SimWorldOptionsInput = z.input<typeof SimWorldOptions>;

export class SimOptionsError extends Error {
  override name = 'SimOptionsError';
}

/** Validates options; a bad value is one line naming its path. */
export function parseSimWorldOptions(input: SimWorldOptionsInput = {}): SimWorldOptions {
  const r = SimWorldOptions.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new SimOptionsError(`invalid sim options: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data;
}
