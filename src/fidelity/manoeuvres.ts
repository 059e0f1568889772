import { waitFor, waitUntilArmable, type Vehicle } from '../vehicle/index.js';
import type { FlightRecorder } from './recorder.js';

/**
 * The manoeuvre set a fidelity run flies, the same way on every target, through the public pilot
 * (what MAVSDK-like clients send). Each phase is a window of vehicle time with named marks: the
 * vehicle time at which something observable first happened (a height reached, a mode shown in
 * HEARTBEAT, the landed state). The comparison works on those marks and on the recording.
 */

export interface PhaseWindow {
  name: string;
  /** Vehicle ms: just before the phase's first command. */
  start: number;
  /** Vehicle ms: when the flight script moved on. */
  end: number;
  /** Vehicle ms at which each observable event first happened (null: it did not). */
  marks: Record<string, number | null>;
  /**
   * How each mark was observed: 'mode' (HEARTBEAT, 1 Hz), 'position' (LOCAL_POSITION_NED), 'range'
   * (the downward rangefinder, 10 Hz) or 'landed' (EXTENDED_SYS_STATE).
   */
  sources: Record<string, MarkSource>;
  /** Metrics that are not durations (peak speeds, drift), with their unit. */
  values: Record<string, { value: number; unit: string }>;
  /**
   * The phase's events as index ranges [from, to) into the run's recorded modes and ACKs: cut by
   * arrival, since a HEARTBEAT carries no time of its own and shares its stamp with the phase's start.
   */
  events: { modes: [number, number]; acks: [number, number] };
}

export type MarkSource = 'mode' | 'position' | 'range' | 'landed';

/** The order of phases a run flies; every run flies all of them or fails. */
export const PHASES = [
  'takeoff', 'hover', 'offboard hop', 'offboard loss', 'goto with yaw', 'land',
  'takeoff again', 'transit', 'return', 'takeoff for battery', 'battery failsafe',
] as const;
export type PhaseName = (typeof PHASES)[number];

/** Parameters every run sets before it flies: offboard loss falls back to Hold so the flight goes on. */
export const FIDELITY_PARAMS: Record<string, number> = { COM_OBL_RC_ACT: 5 };

/**
 * The simulated world every run asks for: the built-in simulator with PX4 SIH's wandering height
 * estimate, since PX4 flies on its estimate and that drift moves where it truly is (other targets
 * ignore it: PX4 has its own).
 */
export const FIDELITY_WORLD = { heightDrift: true };

const HOP = { north: 5, east: 3, up: 2.5 };
const GOTO_NORTH = 10;
const GOTO_YAW = Math.PI / 2;
const TRANSIT_NORTH = 15;

/** Flies every phase, appending each finished one to `out` (kept when a later phase fails). */
export async function flyManoeuvreSet(v: Vehicle, rec: FlightRecorder, out: PhaseWindow[], onPhase?: (name: PhaseName) => void): Promise<void> {
  const tel = v.telemetry;
  const wait = (what: string, pred: () => boolean, timeout = '60s') =>
    waitFor(tel, pred, { timeout, clock: 'vehicle', what: `${v.name}: ${what}`, describe: whereNow });
  const sleep = async (ms: number) => {
    const until = rec.now() + ms;
    await wait(`${ms} ms of vehicle time`, () => rec.now() >= until, `${ms + 10_000}ms`);
  };
  const phase = async (name: PhaseName, fly: (w: PhaseWindow) => Promise<void>) => {
    onPhase?.(name);
    const w: PhaseWindow = { name, start: Number.NaN, end: Number.NaN, marks: {}, sources: {}, values: {}, events: { modes: [0, 0], acks: [0, 0] } };
    begin(w);
    await fly(w);
    w.end = rec.now();
    w.events.modes[1] = rec.modes.length;
    w.events.acks[1] = rec.acks.length;
    out.push(w);
  };
  /** (Re)starts a phase's clock and event ranges here: after what only prepares it (a wait until armable). */
  const begin = (w: PhaseWindow, start = rec.now()) => {
    w.start = start;
    w.events.modes[0] = rec.modes.length;
    w.events.acks[0] = rec.acks.length;
  };
  /** Resolves when `pred` first holds; records that vehicle time as mark `key`. */
  const mark = async (w: PhaseWindow, key: string, source: MarkSource, pred: () => boolean, timeout?: string) => {
    w.sources[key] = source;
    w.marks[key] = null;
    await wait(key, pred, timeout);
    w.marks[key] = source === 'position' ? (tel.localPosition?.vehicleMs ?? rec.now()) : source === 'range' ? (rec.lastRange()?.t ?? rec.now()) : rec.now();
  };
  const [takeoffAlt, altRad] = await Promise.all([v.pilot.params.get('MIS_TAKEOFF_ALT'), v.pilot.params.get('NAV_MC_ALT_RAD')]);
  const alt = () => tel.altitude ?? Number.NaN;
  // The live position (telemetry updates it in place): copy what must stay.
  const pos = () => tel.localPosition!;
  /**
   * Arrival: within 0.5 m of the target along the track from `from`. Along, not within a sphere:
   * PX4 swings up to 0.65 m off the track while it turns (shown as the peak cross-track) and
   * settles 0.1-0.4 m off a setpoint for seconds (its estimate wandering), so a 0.5 m sphere
   * times the swing and the wander, not the arrival.
   */
  const arrival = (w: PhaseWindow, from: Ned, to: Ned) =>
    mark(w, 'within 0.5 m along the track', 'position', () => Math.abs(alongTrackToGo(from, to, pos())) < 0.5);

  const takeoff = async (w: PhaseWindow) => {
    await waitUntilArmable(tel, v.name, { timeout: '60s', clock: 'vehicle', pilot: v.pilot as never });
    begin(w);
    await v.pilot.arm();
    // The clock starts at the takeoff command: the pilot confirms the arm by the next HEARTBEAT
    // (1 Hz), whose phase against the moment of arming is arbitrary on every target, so timing from
    // the arm adds 0-1 s of nothing the vehicle did. The arm stays in the phase's sequences.
    w.start = rec.now();
    await v.pilot.takeoff();
    await mark(w, `climb to ${(0.8 * takeoffAlt).toFixed(1)} m`, 'position', () => alt() >= 0.8 * takeoffAlt);
    await mark(w, 'Hold after takeoff', 'mode', () => tel.modeName === 'Hold' && Math.abs(alt() - takeoffAlt) < altRad);
    w.values['peak climb'] = { value: peak(rec, w.start, (s) => s.climb), unit: 'm/s' };
  };

  await phase('takeoff', takeoff);
  await phase('hover', async (w) => {
    const a0 = alt();
    await sleep(5000);
    w.values['height change'] = { value: Math.abs(alt() - a0), unit: 'm' };
  });
  await phase('offboard hop', async (w) => {
    const p = { ...pos() };
    await v.pilot.startOffboard({ type: 'position', north: p.north, east: p.east, down: p.down });
    begin(w);
    const to = { north: p.north + HOP.north, east: p.east + HOP.east, down: p.down - HOP.up };
    v.pilot.setSetpoint({ type: 'position', ...to });
    await arrival(w, p, to);
    w.values['peak speed'] = { value: peak(rec, w.start, (s) => Math.hypot(s.speed, s.climb)), unit: 'm/s' };
    await sleep(1000);
  });
  await phase('offboard loss', async (w) => {
    await v.pilot.stopOffboard();
    // PX4 times COM_OF_LOSS_T from the last setpoint it received: time from the last one sent.
    w.start = v.pilot.lastSetpointVehicleMs ?? rec.now();
    await mark(w, 'failsafe Hold', 'mode', () => tel.modeName === 'Hold', '20s');
    await sleep(2000);
  });
  await phase('goto with yaw', async (w) => {
    const p = { ...pos() };
    const to = { north: p.north + GOTO_NORTH, east: p.east, down: p.down };
    await v.pilot.goTo(to.north, to.east, to.down, GOTO_YAW);
    await Promise.all([
      arrival(w, p, to),
      mark(w, 'heading within 5°', 'position', () => Math.abs(wrapPi((tel.attitude?.yaw ?? Number.NaN) - GOTO_YAW)) < (5 * Math.PI) / 180),
    ]);
    w.values['peak speed'] = { value: peak(rec, w.start, (s) => s.speed), unit: 'm/s' };
    await sleep(1000);
    w.values['peak cross-track'] = { value: peakCrossTrack(rec, w.start, p, to), unit: 'm' };
  });
  const landHere = async (w: PhaseWindow) => {
    // The true height where the vehicle has a rangefinder (PX4 SIH and the simulator do): by the end
    // of a return PX4's estimate is often 0.5-1.5 m high on the ground. Marks are waited for all at
    // once, each the first time its own condition held: one reached late holds no other back.
    const below = rec.lastRange() !== null
      ? mark(w, 'below 0.5 m', 'range', () => rec.lastRange()!.range < 0.5, '90s')
      : mark(w, 'below 0.5 m', 'position', () => alt() < 0.5, '90s');
    await Promise.all([
      below,
      mark(w, 'landed (ON_GROUND)', 'landed', () => tel.landedState === 'ON_GROUND', '90s'),
      mark(w, 'disarmed', 'mode', () => !tel.armed, '90s'),
    ]);
  };
  await phase('land', async (w) => {
    await v.pilot.land();
    w.values['peak descent'] = { value: Number.NaN, unit: 'm/s' };
    await landHere(w);
    w.values['peak descent']!.value = peak(rec, w.start, (s) => -s.climb);
  });
  const holdThenTakeoff = async (w: PhaseWindow) => {
    // After a disarm PX4 returns to the last mode a user chose; from one that may not arm, choose
    // Hold. (PX4 shows Hold after these landings: no command then, so no ACK of it to arrive late.)
    if (tel.modeName !== 'Hold') await v.pilot.hold();
    await takeoff(w);
  };
  await phase('takeoff again', holdThenTakeoff);
  await phase('transit', async (w) => {
    const p = { ...pos() };
    const to = { north: p.north + TRANSIT_NORTH, east: p.east, down: p.down };
    await v.pilot.goTo(to.north, to.east, p.down);
    await arrival(w, p, to);
    await sleep(1000);
    w.values['peak cross-track'] = { value: peakCrossTrack(rec, w.start, p, to), unit: 'm' };
  });
  await phase('return', async (w) => {
    await v.pilot.returnToLaunch();
    const home = tel.home!;
    await mark(w, 'over home (1 m)', 'position', () => Math.hypot(pos().north - home.north, pos().east - home.east) < 1, '120s');
    await landHere(w);
  });
  await phase('takeoff for battery', holdThenTakeoff);
  await phase('battery failsafe', async (w) => {
    const before = tel.modeName;
    await v.pilot.injectFailure('SYSTEM_BATTERY', 'OFF');
    await mark(w, 'failsafe action', 'mode', () => tel.modeName !== before, '30s');
    await landHere(w);
    await v.pilot.injectFailure('SYSTEM_BATTERY', 'OK');
  });
}

/** The vehicle's state as a time-out message ends with it. */
function whereNow(t: Vehicle['telemetry']): string {
  const p = t.localPosition;
  const pos = p ? `(${p.north.toFixed(1)}, ${p.east.toFixed(1)}, ${p.down.toFixed(1)}) m NED` : 'no position';
  return `${t.modeName ?? 'no mode'}${t.armed ? ', armed' : ''}, ${t.landedState}, at ${pos}, height ${t.altitude?.toFixed(1) ?? '—'} m`;
}

/** The largest value of `f` over the recording since vehicle time `from` (NaN when none). */
function peak(rec: FlightRecorder, from: number, f: (s: FlightRecorder['samples'][number]) => number): number {
  let best = Number.NaN;
  for (let i = rec.samples.length - 1; i >= 0 && rec.samples[i]!.t >= from; i--) {
    const x = f(rec.samples[i]!);
    if (!Number.isNaN(x) && !(x <= best)) best = x;
  }
  return best;
}

interface Ned {
  north: number;
  east: number;
  down: number;
}

/** Metres still to go along the track from `from` to `to` (negative past the target). */
function alongTrackToGo(from: Ned, to: Ned, at: Ned): number {
  const [dn, de, dd] = [to.north - from.north, to.east - from.east, to.down - from.down];
  return ((to.north - at.north) * dn + (to.east - at.east) * de + (to.down - at.down) * dd) / Math.hypot(dn, de, dd);
}

/** The farthest the vehicle went off a level track from `from` to `to` since vehicle time `start`. */
function peakCrossTrack(rec: FlightRecorder, start: number, from: Omit<Ned, 'down'>, to: Omit<Ned, 'down'>): number {
  const len = Math.hypot(to.north - from.north, to.east - from.east);
  return peak(rec, start, (s) => Math.abs((s.north - from.north) * (to.east - from.east) - (s.east - from.east) * (to.north - from.north)) / len);
}

function wrapPi(a: number): number {
  return Math.atan2(Math.sin(a), Math.cos(a));
}
