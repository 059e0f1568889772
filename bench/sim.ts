/**
 * The built-in simulator's capacity on this machine, through the sim target exactly as scenarios
 * use it (the simulator on its worker thread in lockstep with the clients, a MAVLink client —
 * Link + Telemetry + MavlinkPilot — per vehicle on the main thread, real UDP on 127.0.0.1):
 *   (a) real-time factor at speed 'max', one hovering vehicle, its streams encoded and decoded;
 *   (b) how many vehicles run at speed 10 while every one keeps its setpoint-to-response timing;
 *   (c) memory per vehicle: the slope of RSS over fleet sizes, each fleet flying in a fresh
 *       process (RSS never shrinks back after a bigger fleet, and the simulator's heap lives on
 *       its worker thread, outside the main thread's heapUsed).
 *
 *   npm run bench -- sim [--max-vehicles 16] [--rtf-seconds 3]
 *
 * Setpoint-to-response (per vehicle in offboard): a new position setpoint 4 m away is set at the
 * vehicle time the client last saw; the response is the first LOCAL_POSITION_NED sample whose
 * velocity toward the target exceeds 0.3 m/s; the duration is vehicle time. It includes the time
 * the setpoint takes to reach the vehicle (host latency × speed factor), which is what degrades
 * when the host cannot keep up. A fleet of N keeps the timing when, for EVERY vehicle, the median
 * stays within the single-vehicle baseline's median + tolerance and the worst within the baseline's
 * worst + 2 × tolerance (tolerance = max(30 ms, 25 % of the baseline median)), AND the simulation
 * keeps up: vehicle time / host time ≥ 0.95 × 10 over the measurement.
 *
 * Prints human-readable lines, then one JSON object as the last line.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simTarget } from '../sitl/sim/target.js';
import type { Stack } from '../src/targets/target.js';
import { MavlinkPilot, waitFor, type Telemetry, type Vehicle } from '../src/vehicle/index.js';
import { startSim, type Speed } from '../sitl/sim/index.js';

export const TARGET_RTF_MAX = 200;
export const TARGET_VEHICLES_AT_10X = 8;
export const TARGET_MB_PER_VEHICLE = 30;
const SPEED = 10;
const KEEP_UP = 0.95;
const FLEET_SIZES = [1, 2, 4, 8, 12, 16];
/** Instances 100+ (API ports 14680+): clear of the tests' and scenarios' ranges. */
const INSTANCE_BASE = Number(process.env.FLIGHT_INSTANCE_BASE ?? 100);
const STEP_M = 4;
const ROUNDS = 6;
const RESPONSE_SPEED = 0.3;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

interface Fleet {
  stack: Stack;
  vehicles: Vehicle[];
  pilots: MavlinkPilot[];
  /** Vehicle time (ms) the slowest client has seen: the lockstep's clock. */
  vehicleMs(): number;
  close(): Promise<void>;
}

async function startFleet(n: number, speed: Speed, instance = INSTANCE_BASE): Promise<Fleet> {
  const stack = await simTarget.up({
    vehicles: n, speed, seed: 1, instance, params: {}, heartbeatTimeoutMs: 10_000,
    artifactsDir: path.join(os.tmpdir(), 'flightcheck-bench-sim'), world: { camera: false },
  });
  const vehicles = stack.vehicles;
  try {
    await Promise.all(vehicles.map((v) => waitFor(v.telemetry, (t) => t.home !== null, { timeout: '15s', clock: 'host', what: `${v.name} home` })));
  } catch (err) {
    await stack.down();
    throw err;
  }
  return {
    stack,
    vehicles,
    pilots: vehicles.map((v) => v.pilot as MavlinkPilot),
    vehicleMs: () => Math.min(...vehicles.map((v) => v.telemetry.vehicleTimeMs ?? 0)),
    close: () => stack.down(),
  };
}

async function takeOffAll(fleet: Fleet): Promise<void> {
  await Promise.all(
    fleet.vehicles.map(async (v) => {
      await v.pilot.arm();
      await v.pilot.takeoff();
      await waitFor(v.telemetry, (t) => (t.altitude ?? 0) > 2.3 && t.modeName === 'Hold', { timeout: '30s', clock: 'vehicle', what: `${v.name} at altitude` });
    }),
  );
}

// ---- (a) real-time factor at max -------------------------------------------------------------

async function measureRtfMax(seconds: number): Promise<{ rtf: number; rtfNoClient: number; msgPerSec: number }> {
  const fleet = await startFleet(1, 'max');
  let rtf = 0;
  let msgPerSec = 0;
  try {
    await takeOffAll(fleet);
    const link = fleet.vehicles[0]!.link;
    const t0 = performance.now();
    const v0 = fleet.vehicleMs();
    const m0 = link.counters.received;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const hostS = (performance.now() - t0) / 1000;
    rtf = (fleet.vehicleMs() - v0) / 1000 / hostS;
    msgPerSec = (link.counters.received - m0) / hostS;
  } finally {
    await fleet.close();
  }
  // The simulator alone on this thread with nobody listening: streams still encoded and sent,
  // nothing decoded, no lockstep: its raw capacity.
  const world = await startSim({ vehicles: 1, speed: 'max', instance: INSTANCE_BASE, camera: false, transport: 'udp' });
  let rtfNoClient = 0;
  try {
    const t0 = performance.now();
    const v0 = world.timeUs;
    await new Promise((r) => setTimeout(r, Math.min(seconds, 2) * 1000));
    rtfNoClient = (world.timeUs - v0) / 1e6 / ((performance.now() - t0) / 1000);
  } finally {
    await world.close();
  }
  return { rtf, rtfNoClient, msgPerSec };
}

// ---- (b) fleet at speed 10 -------------------------------------------------------------------

/** Vehicle ms from setting `target` (north) to the first position sample moving toward it faster than RESPONSE_SPEED. */
function respondTo(t: Telemetry, pilot: MavlinkPilot, north: number, east: number, down: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const from = t.vehicleTimeMs!;
    const dir = Math.sign(north - t.localPosition!.north) || 1;
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no response within 10 s host (sys ${t.sysId})`));
    }, 10_000);
    const off = t.onUpdate((msg) => {
      if (msg.name !== 'LOCAL_POSITION_NED') return;
      const p = t.localPosition!;
      if (p.vehicleMs > from && p.vn * dir > RESPONSE_SPEED) {
        off();
        clearTimeout(timer);
        resolve(p.vehicleMs - from);
      }
    });
    pilot.setSetpoint({ type: 'position', north, east, down });
  });
}

interface FleetResult {
  n: number;
  /** Per vehicle: setpoint-to-response samples (vehicle ms). */
  responses: number[][];
  /** Vehicle time / host time over the measurement. */
  factor: number;
}

async function runFleet(n: number): Promise<FleetResult> {
  const fleet = await startFleet(n, SPEED);
  try {
    await takeOffAll(fleet);
    await Promise.all(fleet.pilots.map((p) => p.startOffboard()));
    await Promise.all(fleet.vehicles.map((v) => waitFor(v.telemetry, (t) => t.modeName === 'Offboard', { timeout: '3s', clock: 'vehicle', what: `${v.name} Offboard` })));
    const t0 = performance.now();
    const v0 = fleet.vehicleMs();
    const responses = await Promise.all(
      fleet.vehicles.map(async (v, k) => {
        const t = v.telemetry;
        const home = { ...t.localPosition! };
        const out: number[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          const north = home.north + (r % 2 === 0 ? STEP_M : 0);
          out.push(await respondTo(t, fleet.pilots[k]!, north, home.east, home.down));
          await waitFor(t, (tt) => Math.abs(tt.localPosition!.north - north) < 0.3 && Math.abs(tt.localPosition!.vn) < 0.2, { timeout: '15s', clock: 'vehicle', what: `${v.name} settled` });
        }
        return out;
      }),
    );
    const factor = (fleet.vehicleMs() - v0) / (performance.now() - t0);
    return { n, responses, factor };
  } finally {
    await fleet.close();
  }
}

// ---- (c) memory per vehicle ------------------------------------------------------------------

const MEMORY_FLEETS = [1, 4, 8, 16];

/** In this (fresh) process: a fleet of n flying at speed 10, then RSS after GC, printed as JSON. */
async function reportFleetMemory(n: number): Promise<void> {
  const fleet = await startFleet(n, SPEED);
  try {
    await takeOffAll(fleet);
    await new Promise((r) => setTimeout(r, 500));
    gc();
    console.log(JSON.stringify({ n, rssMB: process.memoryUsage().rss / 2 ** 20 }));
  } finally {
    await fleet.close();
  }
}

/** RSS with a fleet of n up, measured in a child process of its own. */
function fleetRssMB(n: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--memory-fleet', String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        resolve((JSON.parse(last) as { rssMB: number }).rssMB);
      } catch (err) {
        reject(new Error(`memory fleet of ${n}: ${(err as Error).message}; output: ${out.slice(-500)}`));
      }
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const maxOf = (xs: number[]) => Math.max(...xs);

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

function parseArgs(argv: string[]): { maxVehicles: number; rtfSeconds: number; memoryFleet: number | null } {
  const o = { maxVehicles: 16, rtfSeconds: 3, memoryFleet: null as number | null };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const n = Number(value);
    if (flag === '--max-vehicles' && Number.isInteger(n) && n >= 1 && n <= 64) o.maxVehicles = n;
    else if (flag === '--memory-fleet' && Number.isInteger(n) && n >= 1 && n <= 64) o.memoryFleet = n;
    else if (flag === '--rtf-seconds' && n > 0 && n <= 60) o.rtfSeconds = n;
    else {
      console.error(`sim bench: bad argument "${flag} ${value ?? ''}" (usage: [--max-vehicles 1..64] [--rtf-seconds (0, 60]])`);
      process.exit(2);
    }
    i++;
  }
  return o;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.memoryFleet !== null) return reportFleetMemory(args.memoryFleet);
  const r1 = (x: number) => Math.round(x * 10) / 10;

  const a = await measureRtfMax(args.rtfSeconds);
  console.log(`(a) speed max, 1 vehicle hovering, client attached: ${r1(a.rtf)}× real time (${Math.round(a.msgPerSec).toLocaleString('en-US')} msg/s decoded); no client: ${r1(a.rtfNoClient)}× (target ≥ ${TARGET_RTF_MAX}×)`);

  const sizes = FLEET_SIZES.filter((n) => n <= args.maxVehicles);
  const fleets: FleetResult[] = [];
  let baseline: { med: number; max: number; tol: number } | null = null;
  let vehiclesAt10x = 0;
  for (const n of sizes) {
    const r = await runFleet(n);
    fleets.push(r);
    const perVehicle = r.responses.map((xs) => ({ med: median(xs), max: maxOf(xs) }));
    if (!baseline) {
      const med = perVehicle[0]!.med;
      baseline = { med, max: perVehicle[0]!.max, tol: Math.max(30, 0.25 * med) };
    }
    const worstMed = maxOf(perVehicle.map((p) => p.med));
    const worstMax = maxOf(perVehicle.map((p) => p.max));
    const timingOk = worstMed <= baseline.med + baseline.tol && worstMax <= baseline.max + 2 * baseline.tol;
    const keepsUp = r.factor >= KEEP_UP * SPEED;
    const ok = timingOk && keepsUp;
    console.log(
      `(b) ${String(n).padStart(2)} vehicles at ${SPEED}×: vehicle time ran ${r1(r.factor)}× host time, ` +
        `setpoint→response worst median ${Math.round(worstMed)} ms, worst max ${Math.round(worstMax)} ms ` +
        `(limits ${Math.round(baseline.med + baseline.tol)} / ${Math.round(baseline.max + 2 * baseline.tol)} ms): ${ok ? 'keeps timing' : `FAILS (${[timingOk ? '' : 'timing', keepsUp ? '' : 'scheduler behind'].filter(Boolean).join(', ')})`}`,
    );
    if (!ok) break;
    vehiclesAt10x = n;
  }

  // (c) memory: slope of RSS over fleet size, each fleet in a fresh process.
  const ns = MEMORY_FLEETS.filter((n) => n <= args.maxVehicles);
  const rss: number[] = [];
  for (const n of ns) rss.push(await fleetRssMB(n));
  const memoryPerVehicleMB = ns.length > 1 ? slope(ns, rss) : Number.NaN;
  console.log(`(c) memory per vehicle: RSS ${ns.map((n, i) => `${n} → ${r1(rss[i]!)} MB`).join(', ')}; slope ${r1(memoryPerVehicleMB)} MB per vehicle (target ≤ ${TARGET_MB_PER_VEHICLE} MB)`);
  if (ns.length < 3) console.log('    (few fleet sizes: the memory slope is rough)');

  const pass = {
    rtfMax: a.rtf >= TARGET_RTF_MAX,
    vehiclesAt10x: vehiclesAt10x >= TARGET_VEHICLES_AT_10X,
    memoryPerVehicle: Number.isFinite(memoryPerVehicleMB) && memoryPerVehicleMB <= TARGET_MB_PER_VEHICLE,
  };
  console.log(`rtf ${pass.rtfMax ? 'PASS' : 'FAIL'}, vehicles at 10× ${pass.vehiclesAt10x ? 'PASS' : 'FAIL'}, memory ${pass.memoryPerVehicle ? 'PASS' : 'FAIL'}`);
  console.log(
    JSON.stringify({
      bench: 'sim',
      rtfMax: r1(a.rtf),
      rtfMaxNoClient: r1(a.rtfNoClient),
      vehiclesAt10x,
      memoryPerVehicleMB: r1(memoryPerVehicleMB),
      baselineResponseMs: baseline ? { median: baseline.med, max: baseline.max, tolerance: baseline.tol } : null,
      fleets: fleets.map((f) => ({
        n: f.n, factor: r1(f.factor),
        worstMedianMs: maxOf(f.responses.map(median)), worstMaxMs: maxOf(f.responses.map(maxOf)),
      })),
      memoryFleets: ns.map((n, i) => ({ n, rssMB: r1(rss[i]!) })),
      loadAverage: os.loadavg().map(r1),
      pass,
    }),
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
