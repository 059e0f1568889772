import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { Duration } from '../src/clock/duration.js';
import { BAUD_RATES } from '../src/mavlink/url.js';
import { signingKey } from '../src/mavlink/codec.js';
import { didYouMean } from '../src/config/did-you-mean.js';

/**
 * Rig and rack files: where a rig's hardware is (labgrid's "resources") and what it may do.
 * YAML or JSON, validated strictly: an unknown field is an error, not silently ignored, because a
 * misspelt `armingAllowed` must never fall back to a default on real hardware.
 */

/** USB ids of the flight controllers and adapters the rigs use (udev rules match the same). */
export const KNOWN_USB_DEVICES: Record<string, string> = {
  '26ac:0011': 'Pixhawk (PX4 FMU, USB CDC)',
  '10c4:ea60': 'CP210x USB-serial adapter (TELEM2)',
};

const UsbId = z
  .string({ error: (iss) => (iss.input === undefined ? 'required' : 'expected 4 hex digits as a quoted string, e.g. "0011" (YAML reads 0011 as a number)') })
  .regex(/^[0-9a-fA-F]{4}$/, 'expected 4 hex digits, e.g. 26ac')
  .transform((s) => s.toLowerCase());

const Baud = z
  .number()
  .int()
  .refine((b) => (BAUD_RATES as readonly number[]).includes(b), { message: `must be one of ${BAUD_RATES.join(', ')}` });

/** A shell command line, or an argv array (no shell). */
const Command = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
export type Command = z.infer<typeof Command>;

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name, e.g. FLIGHT_SIGNING_KEY');

const Range = z
  .tuple([z.number(), z.number()])
  .refine(([a, b]) => a < b, { message: 'expected [min, max] with min < max' });

export const SerialDevice = z
  .object({
    /** A device path: /dev/serial/by-id/… (stable), /dev/ttyACM0, or a pty. */
    path: z.string().startsWith('/', 'must be an absolute device path').optional(),
    /** Or the USB device to look for: vendor and product id, and the serial number when several are attached. */
    usb: z
      .object({ vendorId: UsbId, productId: UsbId, serialNumber: z.string().min(1).optional() })
      .strict()
      .optional(),
    baud: Baud.default(921600),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.path && !s.usb) ctx.addIssue({ code: 'custom', message: 'missing device: give serial.path or serial.usb { vendorId, productId }' });
    if (s.path && s.usb) ctx.addIssue({ code: 'custom', message: 'give serial.path or serial.usb, not both' });
  });
export type SerialDevice = z.infer<typeof SerialDevice>;

export const RigSchema = z
  .object({
    /** Shown in reports and errors; defaults to the file name. */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected letters, digits, - _ . (no spaces)').optional(),
    description: z.string().optional(),
    serial: SerialDevice,
    mavlink: z
      .object({
        /** The flight controller's MAV_SYS_ID and component. */
        sysId: z.number().int().min(1).max(255).default(1),
        compId: z.number().int().min(1).max(255).default(1),
        /** MAVLink 2 signing: the key (passphrase or 64 hex digits) comes from this environment variable, never the file. */
        signing: z
          .object({ keyEnv: EnvName, linkId: z.number().int().min(0).max(255).default(1) })
          .strict()
          .optional(),
      })
      .strict()
      .default({ sysId: 1, compId: 1 }),
    companion: z
      .object({
        rosDomainId: z.number().int().min(0).max(232).default(0),
        droneName: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected a ROS name, e.g. drone1').default('drone1'),
        /** Readiness when ROS 2 is not on this host: a command that exits 0 once the companion is up. */
        readyCommand: Command.optional(),
        readyTimeout: Duration.default(60_000),
      })
      .strict()
      .default({ rosDomainId: 0, droneName: 'drone1', readyTimeout: 60_000 }),
    power: z
      .object({
        on: Command,
        off: Command,
        /** Default: off, wait `settle`, on. */
        cycle: Command.optional(),
        settle: Duration.default(2000),
        /** Limit for each power command (host clock). */
        timeout: Duration.default(30_000),
      })
      .strict()
      .optional(),
    safety: z
      .object({
        armingAllowed: z.boolean().default(false),
        propellersRemoved: z.boolean().default(false),
        /** A box around home (NED metres from the EKF origin) that setpoints must stay in. */
        geofence: z
          .object({ north: Range, east: Range, maxAltitude: z.number().positive() })
          .strict()
          .optional(),
      })
      .strict()
      .default({ armingAllowed: false, propellersRemoved: false }),
    bringUp: z
      .object({
        /** How long to wait for the device to appear after power-on. */
        deviceTimeout: Duration.default(15_000),
        /** How long to wait for the flight controller's first HEARTBEAT once the port is open. */
        heartbeatTimeout: Duration.default(10_000),
        /** Power-cycle and try again this many times. */
        retries: z.number().int().min(0).max(10).default(2),
      })
      .strict()
      .default({ deviceTimeout: 15_000, heartbeatTimeout: 10_000, retries: 2 }),
  })
  .strict();

export type RigSpec = z.infer<typeof RigSchema>;

/** A validated rig with where it came from. */
export interface RigConfig extends Omit<RigSpec, 'name'> {
  name: string;
  /** The file it was read from (a rack file for an inline rig). */
  file: string;
}

export const RackSchema = z
  .object({
    name: z.string().optional(),
    /** Rig files (relative to the rack file) or inline rigs (which must have a name). */
    rigs: z
      .array(z.union([z.string().min(1), RigSchema.extend({ name: RigSchema.shape.name.unwrap() })]))
      .min(1, 'a rack lists at least one rig'),
    /** Where rig leases (lock files) live; default $FLIGHT_LEASE_DIR or <tmp>/flightcheck-leases. */
    leaseDir: z.string().optional(),
  })
  .strict();

export interface RackConfig {
  name: string;
  file: string;
  rigs: RigConfig[];
  leaseDir?: string;
}

/** A rig or rack file is invalid; the message is one line starting with the file's path. */
export class RigConfigError extends Error {
  override name = 'RigConfigError';
  /** Every problem found, one line each starting with the file's path (`message` is the first). */
  readonly lines: string[];
  constructor(message: string, lines?: string[]) {
    super(message);
    this.lines = lines ?? [message];
  }
}

export function loadRig(file: string): RigConfig {
  const raw = readConfigFile(file);
  const spec = validate(RigSchema, raw, file);
  return { ...spec, name: spec.name ?? defaultName(file), file };
}

export function loadRack(file: string): RackConfig {
  const raw = readConfigFile(file);
  const spec = validate(RackSchema, raw, file);
  const dir = path.dirname(file);
  const rigs = spec.rigs.map((r) => (typeof r === 'string' ? loadRig(path.resolve(dir, r)) : { ...r, file }));
  const seen = new Map<string, string>();
  for (const r of rigs) {
    const other = seen.get(r.name);
    if (other) throw new RigConfigError(`${display(file)}: rigs: rig name "${r.name}" appears twice (${display(other)} and ${display(r.file)})`);
    seen.set(r.name, r.file);
  }
  return { name: spec.name ?? defaultName(file), file, rigs, ...(spec.leaseDir ? { leaseDir: path.resolve(dir, spec.leaseDir) } : {}) };
}

/** The signing key a rig's file names, read from the environment (null when the rig does not sign). */
export function rigSigningKey(rig: RigConfig, env: NodeJS.ProcessEnv = process.env): Buffer | null {
  const s = rig.mavlink.signing;
  if (!s) return null;
  const secret = env[s.keyEnv];
  if (!secret) throw new RigConfigError(`${display(rig.file)}: mavlink.signing.keyEnv: environment variable ${s.keyEnv} is not set (rig "${rig.name}" requires MAVLink 2 signing)`);
  return signingKey(secret);
}

/** How a rig's device is described in messages: the path, or USB vid:pid [serial]. */
export function describeDevice(serial: SerialDevice): string {
  if (serial.path) return serial.path;
  const u = serial.usb!;
  const known = KNOWN_USB_DEVICES[`${u.vendorId}:${u.productId}`];
  return `USB ${u.vendorId}:${u.productId}${u.serialNumber ? ` serial ${u.serialNumber}` : ''}${known ? ` (${known})` : ''}`;
}

function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new RigConfigError(`${display(file)}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    // YAML is a superset of JSON, so one parser reads both.
    return parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    throw new RigConfigError(`${display(file)}: ${(err as Error).message.split('\n')[0]}`);
  }
}

function validate<S extends z.ZodType>(schema: S, raw: unknown, file: string): z.output<S> {
  const r = schema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const lines = r.error.issues.map((issue) => `${display(file)}: ${formatIssue(issue, schema)}`);
  throw new RigConfigError(lines.length > 1 ? `${lines[0]} (and ${lines.length - 1} more)` : lines[0]!, lines);
}

function formatIssue(first: z.core.$ZodIssue, schema: z.ZodType): string {
  // Union failures nest the real reason; show the most specific one.
  let issue = first;
  let prefix: PropertyKey[] = [];
  while (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const branches = issue.errors.filter((e) => e.length > 0);
    const best = branches.find((b) => b.some((i) => i.code !== 'invalid_type')) ?? branches[0];
    if (!best) break;
    prefix = [...prefix, ...issue.path];
    issue = best[0]!;
  }
  const where = [...prefix, ...issue.path].map(String).join('.');
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${issue.keys.length === 1 ? didYouMean(issue.keys[0]!, keysAt(schema, [...prefix, ...issue.path])) : ''}`
      : issue.message;
  return where ? `${where}: ${message}` : message;
}

/** The fields the object schema at `at` declares (through optional, default, pipes and arrays). */
function keysAt(schema: z.ZodType, at: PropertyKey[]): string[] {
  let s: z.core.$ZodType | undefined = schema;
  const unwrap = () => {
    for (let def = s?._zod.def as unknown as Record<string, unknown> | undefined; def; def = s?._zod.def as unknown as Record<string, unknown> | undefined) {
      const inner = (def.innerType ?? (def.type === 'pipe' ? def.in : undefined)) as z.core.$ZodType | undefined;
      if (!inner) return;
      s = inner;
    }
  };
  for (const k of at) {
    unwrap();
    const def = s?._zod.def as { type?: string; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType } | undefined;
    s = def?.type === 'object' ? def.shape?.[String(k)] : def?.type === 'array' ? def.element : undefined;
  }
  unwrap();
  const def = s?._zod.def as { type?: string; shape?: Record<string, unknown> } | undefined;
  return def?.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

function defaultName(file: string): string {
  return path.basename(file).replace(/\.(ya?ml|json)$/i, '');
}

/** Paths in messages are relative to the working directory when they are inside it. */
export function display(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}
