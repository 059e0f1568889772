/**
 * Writes px4-params.generated.ts: every parameter real PX4 SITL lists over MAVLink, with its type
 * and its value at boot, for the simulator to serve as PX4 does.
 *
 *   node --import tsx sitl/sim/model/generate-px4-params.ts [--instance 120]
 *
 * Starts PX4 SITL (FLIGHT_PX4_DIR, else the bundle beside the repository; SIH quadrotor, speed 1)
 * twice, as instances N and N+1, each in a fresh working directory, and reads each one's list with
 * PARAM_REQUEST_LIST. The two lists must agree except in the parameters PX4's startup derives from
 * the instance (INSTANCE_PARAMS), which are written as instance 0 has them.
 *
 * Parameters the model reads (params.ts) that PX4 has but does not list in SITL — no module there
 * uses them — are read by name (PX4 answers them with param_index -1) into a second table; a
 * model parameter PX4 does not know at all fails the run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { minimal } from 'node-mavlink';
import { connect } from '../../../src/mavlink/index.js';
import { readParamByName, readParamList, type ListedParam } from '../../../src/vehicle/param-list.js';
import { PX4_PARAMS } from './params.js';
import { localPx4 } from '../../native/bundle.js';
import { apiPortFor, px4Preset } from '../../native/presets.js';
import { SitlProcess } from '../../native/process.js';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'px4-params.generated.ts');
/** PX4's rcS sets these from the instance number `-i N`: the value instance 0 gets. */
export const INSTANCE_PARAMS: Record<string, (value: number, instance: number) => number> = {
  MAV_SYS_ID: (v, i) => v - i,
  UXRCE_DDS_KEY: (v, i) => v - i,
};
/**
 * Values PX4 learns at boot rather than reads from its defaults, which differ in the last digits
 * from run to run: compared within a relative tolerance and written to `digits` significant digits.
 * EKF2_MAG_DECL: ekf2 stores the World Magnetic Model's declination at the first GPS fix.
 */
export const LEARNED_PARAMS: Record<string, { tolerance: number; digits: number }> = {
  EKF2_MAG_DECL: { tolerance: 1e-4, digits: 4 },
};
/** Time PX4 gets after its first HEARTBEAT to start every module (each registers its parameters). */
const SETTLE_MS = 8000;

export interface Px4ParamDump {
  instance: number;
  params: ListedParam[];
  /** The names asked for by name that PX4 has but does not list (index -1). */
  unlisted: ListedParam[];
}

/**
 * Starts PX4 SITL instance `instance` in a fresh directory, reads its parameter list and, by name,
 * those of `alsoByName` it does not list; stops it.
 */
export async function dumpPx4Params(px4Dir: string, instance: number, alsoByName: readonly string[] = []): Promise<Px4ParamDump> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `px4-params-${instance}-`));
  const proc = SitlProcess.start(px4Preset({ px4Dir }).launch({ instance, speed: 1, seed: 1, params: {}, artifactsDir: work }));
  const sysId = instance + 1;
  try {
    const link = await connect(`udpout://127.0.0.1:${apiPortFor(instance)}`, { targetSysId: sysId, heartbeatTimeoutMs: 0, name: `px4-${instance} api` });
    try {
      await link.next(minimal.Heartbeat, { timeoutMs: 30_000, where: (m) => m.sysid === sysId });
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const list = await readParamList(link, { targetSysId: sysId });
      if (list.params.length !== list.count) throw new Error(`px4-${instance}: ${list.params.length} parameters for param_count ${list.count}`);
      const listed = new Set(list.params.map((p) => p.name));
      const unlisted: ListedParam[] = [];
      for (const name of alsoByName.filter((n) => !listed.has(n))) {
        const p = await readParamByName(link, name, { targetSysId: sysId });
        if (!p) throw new Error(`px4-${instance}: no answer for ${name}: not a PX4 parameter`);
        if (p.index !== -1) throw new Error(`px4-${instance}: ${name} answered with index ${p.index} but missing from the list`);
        unlisted.push(p);
      }
      return { instance, params: list.params, unlisted };
    } finally {
      await link.close();
    }
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${proc.logs().slice(-2000)}`);
  } finally {
    await proc.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** One list at instance 0's values, checked against a second instance's. */
export function instanceZeroParams(a: Px4ParamDump, b: Px4ParamDump, which: 'params' | 'unlisted' = 'params'): ListedParam[] {
  const problems: string[] = [];
  const [pa, pb] = [a[which], b[which]];
  if (pa.length !== pb.length) problems.push(`${pa.length} parameters at instance ${a.instance}, ${pb.length} at ${b.instance}`);
  const out = pa.map((p, i) => {
    const q = pb[i];
    if (!q || q.name !== p.name || q.type !== p.type) {
      problems.push(`index ${i}: ${p.name} at instance ${a.instance}, ${q?.name ?? 'nothing'} at ${b.instance}`);
      return p;
    }
    const toZero = INSTANCE_PARAMS[p.name];
    if (toZero) {
      const [va, vb] = [toZero(p.value, a.instance), toZero(q.value, b.instance)];
      if (va !== vb) problems.push(`${p.name}: ${p.value} at instance ${a.instance} and ${q.value} at ${b.instance} do not follow INSTANCE_PARAMS`);
      return { ...p, value: va };
    }
    const learned = LEARNED_PARAMS[p.name];
    if (learned) {
      if (Math.abs(p.value - q.value) > learned.tolerance * Math.max(1, Math.abs(p.value))) problems.push(`${p.name}: ${p.value} at instance ${a.instance}, ${q.value} at ${b.instance}, beyond its tolerance`);
      return { ...p, value: Number(p.value.toPrecision(learned.digits)) };
    }
    if (!Object.is(p.value, q.value)) problems.push(`${p.name}: ${p.value} at instance ${a.instance}, ${q.value} at ${b.instance} (add it to INSTANCE_PARAMS if PX4 derives it from the instance)`);
    return p;
  });
  if (problems.length > 0) throw new Error(`the two PX4 instances disagree:\n  ${problems.join('\n  ')}`);
  return out;
}

/** The shortest decimal that is the same float32 (0.15, not 0.15000000596046448). */
export function float32Literal(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`non-finite parameter value ${v}`);
  for (let digits = 1; digits <= 9; digits++) {
    const s = Number(v.toPrecision(digits));
    if (Math.fround(s) === Math.fround(v)) return String(s);
  }
  return String(v);
}

const TYPE_NAMES: Record<number, string> = { 6: 'INT32', 9: 'REAL32' };

function row(p: ListedParam): string {
  const type = TYPE_NAMES[p.type];
  if (!type) throw new Error(`${p.name}: MAV_PARAM_TYPE ${p.type} (PX4 uses INT32 and REAL32 only)`);
  return `  ['${p.name}', '${type}', ${type === 'INT32' ? String(p.value) : float32Literal(p.value)}],`;
}

export function renderParamsModule(params: ListedParam[], unlisted: ListedParam[], version: string): string {
  return [
    `// Generated by \`node --import tsx sitl/sim/model/generate-px4-params.ts\` from PX4 ${version} SITL`,
    '// (SIH quadrotor, airframe 10040, speed 1, values as instance 0 has them). Do not edit: regenerate.',
    "import type { ParamType } from './types.js';",
    '',
    `export const PX4_SITL_PARAMS_VERSION = '${version}';`,
    '',
    '/** Every parameter PX4 SITL lists over MAVLink: name, type and boot value, in its param_index order. */',
    'export const PX4_SITL_PARAMS: readonly (readonly [name: string, type: ParamType, value: number])[] = [',
    ...params.map(row),
    '];',
    '',
    '/** Parameters the model reads that PX4 SITL has but does not list: PX4 answers them by name, with param_index -1. */',
    'export const PX4_SITL_UNLISTED_PARAMS: readonly (readonly [name: string, type: ParamType, value: number])[] = [',
    ...unlisted.map(row),
    '];',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--instance');
  const instance = i >= 0 ? Number(process.argv[i + 1]) : 120;
  if (!Number.isInteger(instance) || instance < 0 || instance > 253) throw new Error(`--instance: expected 0..253, got ${process.argv[i + 1]}`);
  const px4 = localPx4();
  if (!px4.ok) throw new Error(px4.reason);
  const modelNames = PX4_PARAMS.map((p) => p.name);
  const [a, b] = await Promise.all([dumpPx4Params(px4.dir, instance, modelNames), dumpPx4Params(px4.dir, instance + 1, modelNames)]);
  const params = instanceZeroParams(a, b);
  const unlisted = instanceZeroParams(a, b, 'unlisted');
  fs.writeFileSync(OUT, renderParamsModule(params, unlisted, 'v1.16.0'));
  console.log(`${path.relative(process.cwd(), OUT)}: ${params.length} parameters listed, ${unlisted.length} unlisted the model reads, from ${px4.dir}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
