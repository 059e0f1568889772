import { parseArgs } from 'node:util';
import { z } from 'zod';
import { BAUD_RATES } from '../../src/mavlink/url.js';
import { signingKey } from '../../src/mavlink/codec.js';
import type { SimWorldOptionsInput } from './options.js';
import { SimWorld } from './world.js';

export class SimCliError extends Error {
  override name = 'SimCliError';
}

export const SIM_USAGE =
  'usage: flightcheck sim [--instance N] [--speed S|max] [--vehicles K] [--serial PATH:BAUD] [--seed X] ' +
  '[--param NAME=VALUE …] [--object LABEL:NORTH,EAST,DOWN[:SIZE] …] [--world-json JSON] [--no-gcs] [--bind HOST] [--signing-key-env NAME]';

const Int = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name}: expected a whole number`)
    .transform(Number)
    .pipe(z.number().int().min(min, `${name}: must be ≥ ${min}`).max(max, `${name}: must be ≤ ${max}`));

const CliArgs = z
  .object({
    instance: Int('--instance', 0, 1000).default(0),
    vehicles: Int('--vehicles', 1, 64).default(1),
    seed: z.string().regex(/^-?\d+$/, '--seed: expected an integer').transform(Number).default(1),
    speed: z
      .string()
      .refine((s) => s === 'max' || (/^\d+(\.\d+)?$/.test(s) && Number(s) > 0), '--speed: expected a positive number or "max"')
      .transform((s) => (s === 'max' ? ('max' as const) : Number(s)))
      .default(1),
    serial: z
      .string()
      .regex(/^\/[^:]+:\d+$/, '--serial: expected PATH:BAUD, e.g. /dev/ttyACM0:921600')
      .transform((s) => {
        const i = s.lastIndexOf(':');
        return { path: s.slice(0, i), baudRate: Number(s.slice(i + 1)) };
      })
      .refine((s) => (BAUD_RATES as readonly number[]).includes(s.baudRate), `--serial: baud must be one of ${BAUD_RATES.join(', ')}`)
      .optional(),
    param: z
      .array(
        z
          .string()
          .regex(/^[A-Z0-9_]{1,16}=-?\d+(\.\d+)?([eE][-+]?\d+)?$/, '--param: expected NAME=VALUE, e.g. MIS_TAKEOFF_ALT=5'),
      )
      .default([]),
    object: z
      .array(
        z
          .string()
          .regex(
            /^[^:]+:-?\d+(\.\d+)?,-?\d+(\.\d+)?,-?\d+(\.\d+)?(:\d+(\.\d+)?)?$/,
            '--object: expected LABEL:NORTH,EAST,DOWN[:SIZE] (local NED metres), e.g. person:10,0,0:0.5',
          ),
      )
      .default([]),
    /** PX4's GCS link is on unless --no-gcs (--gcs is still taken: it was off by default once). */
    gcs: z.boolean().default(true),
    'no-gcs': z.boolean().default(false),
    bind: z.string().min(1).default('127.0.0.1'),
    'signing-key-env': z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, '--signing-key-env: expected an environment variable name').optional(),
    'world-json': z.string().optional(),
  })
  .refine((a) => !a.serial || a.vehicles === 1, { message: '--serial carries one vehicle: drop --vehicles', path: ['vehicles'] });

/** Parses `flightcheck sim` arguments into world options; a bad argument is one line. */
export function parseSimArgs(argv: string[]): SimWorldOptionsInput {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        instance: { type: 'string', short: 'i' },
        speed: { type: 'string' },
        vehicles: { type: 'string' },
        serial: { type: 'string' },
        seed: { type: 'string' },
        param: { type: 'string', multiple: true },
        object: { type: 'string', multiple: true },
        'world-json': { type: 'string' },
        gcs: { type: 'boolean' },
        'no-gcs': { type: 'boolean' },
        bind: { type: 'string' },
        'signing-key-env': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new SimCliError(`${(err as Error).message.split('\n')[0]} (${SIM_USAGE})`);
  }
  const r = CliArgs.safeParse(values);
  if (!r.success) throw new SimCliError(r.error.issues[0]!.message);
  const a = r.data;
  const keyEnv = a['signing-key-env'];
  const secret = keyEnv ? process.env[keyEnv] : undefined;
  if (keyEnv && !secret) throw new SimCliError(`--signing-key-env: environment variable ${keyEnv} is not set`);
  const params: Record<string, number> = {};
  for (const p of a.param) {
    const [name, value] = p.split('=') as [string, string];
    params[name] = Number(value);
  }
  const objects = a.object.map((spec) => {
    const [label, ned, size] = spec.split(':') as [string, string, string | undefined];
    const [north, east, down] = ned.split(',').map(Number) as [number, number, number];
    return { label, position: { north, east, down }, ...(size ? { size: Number(size) } : {}) };
  });
  const world = worldJson(a['world-json']);
  return {
    ...world,
    instance: a.instance,
    vehicles: a.vehicles,
    seed: a.seed,
    speed: a.speed,
    transport: a.serial ? { serial: a.serial } : 'udp',
    params,
    objects: [...objects, ...((world.objects as SimWorldOptionsInput['objects']) ?? [])],
    gcsLink: a.gcs && !a['no-gcs'],
    bindHost: a.bind,
    detectionsUdp: true,
    ...(secret ? { signing: { key: signingKey(secret) } } : {}),
  };
}

/**
 * `--world-json '{…}'`: a scenario's world (camera, detector, wind, noise, objects) for a simulator
 * in another process or container, so a scenario means the same there as in-process. The world
 * options themselves are checked when the simulator starts.
 */
function worldJson(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let world: unknown;
  try {
    world = JSON.parse(text);
  } catch {
    throw new SimCliError('--world-json: not valid JSON');
  }
  if (typeof world !== 'object' || world === null || Array.isArray(world)) throw new SimCliError('--world-json: expected a JSON object');
  return world as Record<string, unknown>;
}

/** One line naming every vehicle's ports, printed when the simulator is ready. */
export function describeWorld(world: SimWorld): string {
  const o = world.options;
  const parts = world.vehicles.map((v) => {
    const link =
      typeof o.transport === 'object'
        ? `serial ${o.transport.serial.path}@${o.transport.serial.baudRate}`
        : `udp ${v.ports.apiLocal}→${v.ports.apiRemote}`;
    const gcs = o.gcsLink && o.transport === 'udp' ? `, gcs ${v.ports.gcsLocal}→${v.ports.gcsRemote}` : '';
    return `sys ${v.sysId}: ${link}${gcs}, detections→${v.ports.detections}`;
  });
  return `flightcheck sim ready (speed ${o.speed}, seed ${o.seed}): ${parts.join('; ')}`;
}

/**
 * `flightcheck sim`: runs the simulator until SIGTERM/SIGINT, then closes every socket and resolves.
 */
export async function runSim(argv: string[]): Promise<void> {
  const opts = parseSimArgs(argv);
  let world: SimWorld;
  try {
    world = await SimWorld.start(opts);
  } catch (err) {
    throw new SimCliError(`flightcheck sim: ${(err as Error).message}`);
  }
  console.log(describeWorld(world));
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void world.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
