import { common, minimal } from 'node-mavlink';
import type { MavLinkData } from 'node-mavlink';
import type { Link, Message } from '../mavlink/link.js';
import type { LinkLost } from '../mavlink/errors.js';
import { decodePx4CustomMode, px4ModeName } from './px4-modes.js';
import { Series, type SeriesColumns } from './series.js';

/**
 * The latest typed state of one vehicle plus its time series, fed by a Link.
 *
 * Every sample carries two stamps: the vehicle clock (`time_boot_ms` / `time_usec` of the message,
 * or the latest vehicle time seen for messages without one) and the host clock (receipt). State
 * objects are updated in place (no allocation per message): read them, or `snapshot()` to keep.
 */

const SERIES_COLUMNS = {
  heartbeat: { armed: 'f32', mainMode: 'f32', subMode: 'f32', systemStatus: 'f32' },
  landed: { landedState: 'f32', vtolState: 'f32' },
  // Column names follow the API's frame (LocalPosition), not LOCAL_POSITION_NED's x/y/z.
  localPosition: { north: 'f32', east: 'f32', down: 'f32', vn: 'f32', ve: 'f32', vd: 'f32' },
  attitude: { roll: 'f32', pitch: 'f32', yaw: 'f32', rollspeed: 'f32', pitchspeed: 'f32', yawspeed: 'f32' },
  globalPosition: { lat: 'f64', lon: 'f64', alt: 'f32', relativeAlt: 'f32', vn: 'f32', ve: 'f32', vd: 'f32', heading: 'f32' },
  battery: { voltage: 'f32', current: 'f32', remaining: 'f32' },
  gps: { fixType: 'f32', satellites: 'f32', lat: 'f64', lon: 'f64', alt: 'f32', eph: 'f32', epv: 'f32' },
} as const;

/** A telemetry time series: `telemetry.series(name)`. */
export type SeriesName = keyof typeof SERIES_COLUMNS;
export type SeriesColumnName<N extends SeriesName> = Extract<keyof (typeof SERIES_COLUMNS)[N], string>;
export const SERIES_NAMES = Object.keys(SERIES_COLUMNS) as SeriesName[];

/** EXTENDED_SYS_STATE's MAV_LANDED_STATE by name. */
export type LandedStateName = 'UNDEFINED' | 'ON_GROUND' | 'IN_AIR' | 'TAKEOFF' | 'LANDING';
const LANDED_NAMES: LandedStateName[] = ['UNDEFINED', 'ON_GROUND', 'IN_AIR', 'TAKEOFF', 'LANDING'];
const LANDED_ON_GROUND = 1;
/** How long before the HEARTBEAT that shows it armed a vehicle may have armed (a heartbeat period and some). */
const ARMING_SEEN_SLACK_MS = 1500;

export type SeverityName = 'EMERGENCY' | 'ALERT' | 'CRITICAL' | 'ERROR' | 'WARNING' | 'NOTICE' | 'INFO' | 'DEBUG';
const SEVERITY_NAMES: SeverityName[] = ['EMERGENCY', 'ALERT', 'CRITICAL', 'ERROR', 'WARNING', 'NOTICE', 'INFO', 'DEBUG'];

/** When a state was last updated, on both clocks. */
export interface Stamped {
  /** Vehicle clock (ms since boot): the message's own stamp, or the latest vehicle time seen for one without. */
  vehicleMs: number;
  /** Host clock at receipt (ms since the epoch). */
  hostMs: number;
}

/** One STATUSTEXT (chunked texts joined). */
export interface StatusText extends Stamped {
  /** MAV_SEVERITY: 0 (EMERGENCY) to 7 (DEBUG). */
  severity: number;
  /** The severity by name. */
  severityName: SeverityName;
  /** What the vehicle said. */
  text: string;
}

/** Mode and arming from the autopilot's HEARTBEAT. */
export interface ModeState extends Stamped {
  /** MAV_MODE_FLAG_SAFETY_ARMED. */
  armed: boolean;
  /** HEARTBEAT's base_mode flags. */
  baseMode: number;
  /** HEARTBEAT's custom_mode: PX4's main and sub mode. */
  customMode: number;
  /** PX4's main mode (PX4_CUSTOM_MAIN_MODE). */
  mainMode: number;
  /** PX4's sub mode (PX4_CUSTOM_SUB_MODE_AUTO, …). */
  subMode: number;
  /** QGroundControl's name ("Hold", "Offboard", ...) or `Unknown(main.sub)`. */
  name: string;
  /** MAV_STATE (3 STANDBY, 4 ACTIVE, …). */
  systemStatus: number;
}

/**
 * LOCAL_POSITION_NED in the API's one frame: PX4's local NED frame, metres relative to the EKF
 * origin (`north`, `east`, `down`; MAVLink's x, y, z) and m/s (`vn`, `ve`, `vd`; its vx, vy, vz).
 * Setpoints, `goTo`, missions and the manoeuvres use the same names. Heights above home come from
 * `telemetry.altitude`, not from −down: the EKF origin is not home. Yaw (ATTITUDE) is radians.
 */
export interface LocalPosition extends Stamped {
  /** Metres north of the EKF origin. */
  north: number;
  /** Metres east of the EKF origin. */
  east: number;
  /** Metres below the EKF origin (negative above it). */
  down: number;
  /** Velocity north, m/s. */
  vn: number;
  /** Velocity east, m/s. */
  ve: number;
  /** Velocity down, m/s (negative climbing). */
  vd: number;
}

/** ATTITUDE: radians and rad/s. */
export interface AttitudeState extends Stamped {
  /** Roll, radians (right wing down positive). */
  roll: number;
  /** Pitch, radians (nose up positive). */
  pitch: number;
  /** Yaw, radians clockwise from north (−π..π). */
  yaw: number;
  /** Roll rate, rad/s. */
  rollspeed: number;
  /** Pitch rate, rad/s. */
  pitchspeed: number;
  /** Yaw rate, rad/s. */
  yawspeed: number;
}

/** GLOBAL_POSITION_INT in SI units. */
export interface GlobalPosition extends Stamped {
  /** Latitude, degrees. */
  lat: number;
  /** Longitude, degrees. */
  lon: number;
  /** Altitude, metres AMSL. */
  alt: number;
  /** Altitude above home as PX4 computes it, metres. */
  relativeAlt: number;
  /** Velocity north, m/s. */
  vn: number;
  /** Velocity east, m/s. */
  ve: number;
  /** Velocity down, m/s. */
  vd: number;
  /** Heading, degrees (NaN = unknown). */
  heading: number;
}

/** The battery, from BATTERY_STATUS, else SYS_STATUS. */
export interface BatteryState extends Stamped {
  /** Volts (the cells' sum; NaN = unknown). */
  voltage: number;
  /** Amperes (NaN = unknown). */
  current: number;
  /** Remaining charge, percent (NaN = unknown). */
  remaining: number;
  /** The message it came from. */
  source: 'BATTERY_STATUS' | 'SYS_STATUS';
}

/** HOME_POSITION: global, and local in the frame of LocalPosition. PX4 sets home at each arming. */
export interface HomeState extends Stamped {
  /** Latitude, degrees. */
  lat: number;
  /** Longitude, degrees. */
  lon: number;
  /** Altitude, metres AMSL. */
  alt: number;
  /** Metres north of the EKF origin (HOME_POSITION's x). */
  north: number;
  /** Metres east of the EKF origin (HOME_POSITION's y). */
  east: number;
  /** Metres below the EKF origin (HOME_POSITION's z). */
  down: number;
}

/** GPS_RAW_INT. */
export interface GpsState extends Stamped {
  /** GPS_FIX_TYPE (3 = 3D fix). */
  fixType: number;
  /** Satellites visible (NaN = unknown). */
  satellites: number;
  /** Latitude, degrees. */
  lat: number;
  /** Longitude, degrees. */
  lon: number;
  /** Altitude, metres AMSL. */
  alt: number;
  /** Horizontal dilution of precision, dimensionless (NaN = unknown). */
  eph: number;
  /** Vertical dilution of precision, dimensionless (NaN = unknown). */
  epv: number;
}

export type MissionStateName = 'UNKNOWN' | 'NO_MISSION' | 'NOT_STARTED' | 'ACTIVE' | 'PAUSED' | 'COMPLETE';
const MISSION_STATE_NAMES: MissionStateName[] = ['UNKNOWN', 'NO_MISSION', 'NOT_STARTED', 'ACTIVE', 'PAUSED', 'COMPLETE'];

/**
 * MISSION_CURRENT: the item the vehicle flies (or will fly first), of `total` (0: no mission), and
 * the plans' ids (PX4: a CRC32 of each stored list). `state` is MISSION_STATE where the autopilot
 * fills it: PX4 v1.16 does not (UNKNOWN); its progress shows in `seq` and MISSION_ITEM_REACHED.
 */
export interface MissionProgress extends Stamped {
  /** The current item's index. */
  seq: number;
  /** Items in the mission (0: none). */
  total: number;
  /** MISSION_STATE by name. */
  state: MissionStateName;
  /** The stored mission's id. */
  missionId: number;
  /** The stored geofence's id. */
  fenceId: number;
  /** The stored rally points' id. */
  rallyId: number;
}

/** One MISSION_ITEM_REACHED (PX4 repeats the latest about ten times: counted once). */
export interface MissionItemReached extends Stamped {
  /** The index of the item reached. */
  seq: number;
}

/** A copy of telemetry's state at one moment (`telemetry.snapshot()`, a wait's `snapshot`). */
export interface TelemetrySnapshot {
  /** The latest vehicle time seen (ms since boot), or null before any. */
  vehicleTimeMs: number | null;
  /** Height above home (or the ground last seen on the ground), m: `telemetry.altitude` then. */
  altitude: number | null;
  /** HEARTBEAT's mode and arming. */
  mode: ModeState | null;
  /** EXTENDED_SYS_STATE's landed state. */
  landedState: LandedStateName;
  /** Local NED position and velocity. */
  localPosition: LocalPosition | null;
  /** Roll, pitch, yaw. */
  attitude: AttitudeState | null;
  /** Latitude, longitude, altitudes. */
  globalPosition: GlobalPosition | null;
  /** Voltage, current, remaining charge. */
  battery: BatteryState | null;
  /** Home, global and local. */
  home: HomeState | null;
  /** The GPS receiver's fix. */
  gps: GpsState | null;
  /** Mission progress (MISSION_CURRENT). */
  mission: MissionProgress | null;
}

export interface TelemetryOptions {
  /** The vehicle's MAVLink system id. */
  sysId: number;
  /** The autopilot component to listen to (default 1, MAV_COMP_ID_AUTOPILOT1); 'any' accepts every component of sysId. */
  compId?: number | 'any';
  /** How many status texts to keep (oldest dropped first). Default 1000. */
  statusTextLimit?: number;
  /** Record time series (default true). State is tracked either way. */
  record?: boolean;
}

/** A vehicle boot clock stepping back by more than this is a reboot, not reordering: it is accepted. */
const REBOOT_STEP_BACK_MS = 5000;
/** time_usec above this is Unix epoch time (after 2001), not time since boot. */
const EPOCH_USEC_THRESHOLD = 1e15;
const UINT16_MAX = 65535;

type Unsubscribe = () => void;
/** Any of telemetry's series (read rows with `row(i)` or `get(column, i)`; `name` says which). */
export type AnySeries = { [N in SeriesName]: Series<SeriesColumnName<N>> }[SeriesName];
export type SampleListener = (series: AnySeries, row: number) => void;
export type UpdateListener = (msg: Message) => void;

/**
 * One vehicle's latest state and its time series, as the autopilot streams them (`v.telemetry`).
 * State objects are updated in place as messages arrive: copy what you keep, or `snapshot()`.
 * Positions are the local NED frame of LocalPosition; `altitude` is the height above home.
 */
export class Telemetry {
  /** The vehicle's MAVLink system id. */
  readonly sysId: number;
  /** The component listened to (1, the autopilot), or 'any'. */
  readonly compId: number | 'any';
  /** Messages applied (from the target, of a tracked kind). */
  applied = 0;
  /** Times the vehicle boot clock restarted (a reboot). */
  vehicleClockResets = 0;

  private vehicleTime: number | null = null;
  private mode_: ModeState | null = null;
  private landed: number = 0;
  private vtol = 0;
  private local: LocalPosition | null = null;
  private att: AttitudeState | null = null;
  private global: GlobalPosition | null = null;
  private batt: BatteryState | null = null;
  private sawBatteryStatus = false;
  private home_: HomeState | null = null;
  private gps_: GpsState | null = null;
  private armable_: boolean | null = null;
  private mission_: MissionProgress | null = null;
  private readonly reached: MissionItemReached[] = [];
  /** Local down of the last position sample while PX4 said ON_GROUND. */
  private groundDown: number | null = null;
  /** Vehicle time of the HEARTBEAT that first showed the vehicle armed. */
  private armedSeenMs = -Infinity;
  private readonly texts: StatusText[] = [];
  private readonly textLimit: number;
  private pendingChunks: { id: number; severity: number; parts: string[]; hostMs: number; vehicleMs: number } | null = null;

  private readonly store: { [N in SeriesName]: Series<SeriesColumnName<N>> };
  private readonly record: boolean;
  private readonly sampleListeners = new Set<SampleListener>();
  private readonly updateListeners = new Set<UpdateListener>();
  private readonly textListeners = new Set<(t: StatusText) => void>();
  private readonly unsubscribes: Unsubscribe[] = [];

  constructor(
    /** The MAVLink link it listens to. */
    readonly link: Link,
    opts: TelemetryOptions,
  ) {
    if (!Number.isInteger(opts.sysId) || opts.sysId < 1 || opts.sysId > 255) throw new RangeError(`telemetry: sysId: must be an integer 1..255, got ${opts.sysId}`);
    this.sysId = opts.sysId;
    this.compId = opts.compId ?? 1;
    this.textLimit = opts.statusTextLimit ?? 1000;
    this.record = opts.record ?? true;
    this.store = Object.fromEntries(
      SERIES_NAMES.map((name) => [name, new Series({ name, columns: SERIES_COLUMNS[name] as Record<string, 'f32' | 'f64'> })]),
    ) as unknown as { [N in SeriesName]: Series<SeriesColumnName<N>> };

    this.sub(minimal.Heartbeat, (m) => this.onHeartbeat(m));
    this.sub(common.ExtendedSysState, (m) => this.onExtendedSysState(m));
    this.sub(common.LocalPositionNed, (m) => this.onLocalPosition(m));
    this.sub(common.Attitude, (m) => this.onAttitude(m));
    this.sub(common.GlobalPositionInt, (m) => this.onGlobalPosition(m));
    this.sub(common.BatteryStatus, (m) => this.onBatteryStatus(m));
    this.sub(common.SysStatus, (m) => this.onSysStatus(m));
    this.sub(common.HomePosition, (m) => this.onHome(m));
    this.sub(common.GpsRawInt, (m) => this.onGps(m));
    this.sub(common.StatusText, (m) => this.applyStatusText(m));
    this.sub(common.MissionCurrent, (m) => this.onMissionCurrent(m));
    this.sub(common.MissionItemReached, (m) => this.onMissionItemReached(m));
    this.sub(common.SystemTime, (m) => this.stamp(m.data.timeBootMs));
  }

  private sub<T extends MavLinkData>(kind: { MSG_ID: number; new (): T }, handle: (m: Message<T>) => void): void {
    const sysId = this.sysId;
    const compId = this.compId;
    this.unsubscribes.push(
      this.link.on(kind, (msg) => {
        if (msg.sysid !== sysId || (compId !== 'any' && msg.compid !== compId)) return;
        handle(msg);
        this.applied++;
        for (const cb of this.updateListeners) cb(msg);
      }),
    );
  }

  // ---- clocks -------------------------------------------------------------------------------

  /** The latest vehicle time seen (ms since the vehicle booted), or null before any. */
  get vehicleTimeMs(): number | null {
    return this.vehicleTime;
  }

  /** Advances the vehicle clock from a message's own stamp; returns the stamp to record with it. */
  private stamp(vehicleMs: number): number {
    const now = this.vehicleTime;
    if (now === null || vehicleMs > now) this.vehicleTime = vehicleMs;
    else if (now - vehicleMs > REBOOT_STEP_BACK_MS) {
      this.vehicleTime = vehicleMs;
      this.vehicleClockResets++;
    }
    return vehicleMs;
  }

  /** The stamp for a message without its own time: the latest vehicle time (NaN before any). */
  private get currentStamp(): number {
    return this.vehicleTime ?? NaN;
  }

  // ---- state --------------------------------------------------------------------------------

  /** HEARTBEAT's mode and arming, or null before the first. */
  get mode(): Readonly<ModeState> | null {
    return this.mode_;
  }
  /** Whether the latest HEARTBEAT said armed (false before any). */
  get armed(): boolean {
    return this.mode_?.armed ?? false;
  }
  /** The PX4 mode name, or null before the first HEARTBEAT. */
  get modeName(): string | null {
    return this.mode_?.name ?? null;
  }
  /** EXTENDED_SYS_STATE's landed state ('UNDEFINED' before any). */
  get landedState(): LandedStateName {
    return LANDED_NAMES[this.landed] ?? 'UNDEFINED';
  }
  /** EXTENDED_SYS_STATE's MAV_VTOL_STATE (0 for a multicopter). */
  get vtolState(): number {
    return this.vtol;
  }
  /** LOCAL_POSITION_NED as `north`, `east`, `down`, `vn`, `ve`, `vd`, or null before the first. */
  get localPosition(): Readonly<LocalPosition> | null {
    return this.local;
  }
  /**
   * Height above the ground the vehicle stands on or took off from (m), or null before
   * LOCAL_POSITION_NED. Not raw −down: PX4's height estimate drifts on the ground (about 1 m under
   * SIH) and PX4 resets home at each arming. Armed, it is relative to the home set at this arming
   * (once its HOME_POSITION arrived); otherwise to the local down last seen while PX4 said ON_GROUND.
   */
  get altitude(): number | null {
    const p = this.local;
    return p ? this.groundLevelDown - p.down : null;
  }
  /** The local `down` (NED, metres) that `altitude` is measured from; see `altitude`. */
  get groundLevelDown(): number {
    if (this.homeSetSinceArming) return this.home_!.down;
    return this.groundDown ?? this.home_?.down ?? 0;
  }
  /** Whether HOME_POSITION was (re)set since the vehicle last armed (PX4 sets home at each arming). */
  get homeSetSinceArming(): boolean {
    // HOME_POSITION is stamped when PX4 set it; the armed flag arrives with a HEARTBEAT (1 Hz), so
    // the arming happened up to a heartbeat period before it was seen.
    const h = this.home_;
    return this.armed && h !== null && h.vehicleMs >= this.armedSeenMs - ARMING_SEEN_SLACK_MS;
  }
  /**
   * Whether PX4's preflight checks pass (SYS_STATUS health bit MAV_SYS_STATUS_PREARM_CHECK, as
   * MAVSDK's `is_armable` reads it); null before the first SYS_STATUS. PX4 denies arming until then.
   */
  get armable(): boolean | null {
    return this.armable_;
  }
  /** ATTITUDE (radians), or null before the first. */
  get attitude(): Readonly<AttitudeState> | null {
    return this.att;
  }
  /** GLOBAL_POSITION_INT in degrees and metres, or null before the first. */
  get globalPosition(): Readonly<GlobalPosition> | null {
    return this.global;
  }
  /** The battery, or null before BATTERY_STATUS or SYS_STATUS. */
  get battery(): Readonly<BatteryState> | null {
    return this.batt;
  }
  /** HOME_POSITION, global and local NED, or null before the first. */
  get home(): Readonly<HomeState> | null {
    return this.home_;
  }
  /** GPS_RAW_INT, or null before the first. */
  get gps(): Readonly<GpsState> | null {
    return this.gps_;
  }
  /** The latest MISSION_CURRENT, or null before one. */
  get mission(): Readonly<MissionProgress> | null {
    return this.mission_;
  }
  /** Mission items reported reached, in order (a jump back reaches items again). */
  get missionItemsReached(): readonly MissionItemReached[] {
    return this.reached;
  }
  /** Forgets the items reached so far: a new plan was uploaded (the pilot calls this). */
  resetMissionItemsReached(): void {
    this.reached.length = 0;
  }
  /** Status texts received so far (chunked texts joined), oldest first. */
  get statusTexts(): readonly StatusText[] {
    return this.texts;
  }

  /** The last status text received at or after `sinceHostMs` (host clock), if any. */
  lastStatusText(sinceHostMs = -Infinity, maxSeverity = 7): StatusText | null {
    for (let i = this.texts.length - 1; i >= 0; i--) {
      const t = this.texts[i]!;
      if (t.hostMs < sinceHostMs) return null;
      if (t.severity <= maxSeverity) return t;
    }
    return null;
  }

  /** A deep copy of the current state. */
  snapshot(): TelemetrySnapshot {
    const copy = <T extends object>(v: T | null): T | null => (v ? { ...v } : null);
    return {
      vehicleTimeMs: this.vehicleTime,
      altitude: this.altitude,
      mode: copy(this.mode_),
      landedState: this.landedState,
      localPosition: copy(this.local),
      attitude: copy(this.att),
      globalPosition: copy(this.global),
      battery: copy(this.batt),
      home: copy(this.home_),
      gps: copy(this.gps_),
      mission: copy(this.mission_),
    };
  }

  // ---- series and hooks -----------------------------------------------------------------------

  /** Columns of one series: views of the recorded samples (valid until the next sample grows them). */
  series<N extends SeriesName>(name: N): SeriesColumns<SeriesColumnName<N>> {
    const s = this.store[name];
    if (!s) throw new RangeError(`unknown telemetry series "${String(name)}": expected one of ${SERIES_NAMES.join(', ')}`);
    return s.columns();
  }

  /** The underlying store of a series (for recorders reading rows by index). */
  seriesStore<N extends SeriesName>(name: N): Series<SeriesColumnName<N>> {
    return this.store[name];
  }

  /** Called after each recorded sample with its series and row: flush it to disk from here. */
  onSample(cb: SampleListener): Unsubscribe {
    this.sampleListeners.add(cb);
    return () => this.sampleListeners.delete(cb);
  }

  /** Called after each applied message (state already updated). Waits re-evaluate from here. */
  onUpdate(cb: UpdateListener): Unsubscribe {
    this.updateListeners.add(cb);
    return () => this.updateListeners.delete(cb);
  }

  /** Called with each status text as it completes. */
  onStatusText(cb: (t: StatusText) => void): Unsubscribe {
    this.textListeners.add(cb);
    return () => this.textListeners.delete(cb);
  }

  /** The link's LinkLost once the vehicle went silent. */
  get lost(): LinkLost | null {
    return this.link.lost;
  }

  /** Called once the vehicle went silent (the link's LinkLost). */
  onLost(cb: (err: LinkLost) => void): Unsubscribe {
    return this.link.onLost(cb);
  }

  /** Stops listening to the link (state and series stay readable). */
  detach(): void {
    for (const u of this.unsubscribes.splice(0)) u();
  }

  private emitSample(series: AnySeries, row: number): void {
    for (const cb of this.sampleListeners) cb(series, row);
  }

  // ---- handlers -----------------------------------------------------------------------------

  private onHeartbeat(m: Message<minimal.Heartbeat>): void {
    const d = m.data;
    // Only the autopilot's own heartbeat carries its mode (a companion may share the sys id).
    if (d.autopilot === minimal.MavAutopilot.INVALID || d.type === minimal.MavType.GCS) return;
    const { main, sub } = decodePx4CustomMode(d.customMode);
    const armed = (d.baseMode & minimal.MavModeFlag.SAFETY_ARMED) !== 0;
    const vehicleMs = this.currentStamp;
    let s = this.mode_;
    if (!s) s = this.mode_ = { armed, baseMode: 0, customMode: -1, mainMode: main, subMode: sub, name: '', systemStatus: 0, vehicleMs, hostMs: m.hostTimeMs };
    if (s.customMode !== d.customMode) {
      s.customMode = d.customMode;
      s.mainMode = main;
      s.subMode = sub;
      s.name = px4ModeName(main, sub);
    }
    if (armed && !s.armed) this.armedSeenMs = vehicleMs;
    s.armed = armed;
    s.baseMode = d.baseMode;
    s.systemStatus = d.systemStatus;
    s.vehicleMs = vehicleMs;
    s.hostMs = m.hostTimeMs;
    if (!this.record) return;
    const series = this.store.heartbeat;
    const row = series.beginRow(vehicleMs, m.hostTimeMs);
    series.set(0, row, armed ? 1 : 0);
    series.set(1, row, main);
    series.set(2, row, sub);
    series.set(3, row, d.systemStatus);
    this.emitSample(series, row);
  }

  private onExtendedSysState(m: Message<common.ExtendedSysState>): void {
    this.landed = m.data.landedState;
    this.vtol = m.data.vtolState;
    if (!this.record) return;
    const series = this.store.landed;
    const row = series.beginRow(this.currentStamp, m.hostTimeMs);
    series.set(0, row, this.landed);
    series.set(1, row, this.vtol);
    this.emitSample(series, row);
  }

  private onLocalPosition(m: Message<common.LocalPositionNed>): void {
    const d = m.data;
    const vehicleMs = this.stamp(d.timeBootMs);
    let s = this.local;
    if (!s) s = this.local = { north: 0, east: 0, down: 0, vn: 0, ve: 0, vd: 0, vehicleMs, hostMs: m.hostTimeMs };
    s.north = d.x; s.east = d.y; s.down = d.z;
    s.vn = d.vx; s.ve = d.vy; s.vd = d.vz;
    s.vehicleMs = vehicleMs;
    s.hostMs = m.hostTimeMs;
    if (this.landed === LANDED_ON_GROUND) this.groundDown = d.z;
    if (!this.record) return;
    const series = this.store.localPosition;
    const row = series.beginRow(vehicleMs, m.hostTimeMs);
    series.set(0, row, d.x); series.set(1, row, d.y); series.set(2, row, d.z);
    series.set(3, row, d.vx); series.set(4, row, d.vy); series.set(5, row, d.vz);
    this.emitSample(series, row);
  }

  private onAttitude(m: Message<common.Attitude>): void {
    const d = m.data;
    const vehicleMs = this.stamp(d.timeBootMs);
    let s = this.att;
    if (!s) s = this.att = { roll: 0, pitch: 0, yaw: 0, rollspeed: 0, pitchspeed: 0, yawspeed: 0, vehicleMs, hostMs: m.hostTimeMs };
    s.roll = d.roll; s.pitch = d.pitch; s.yaw = d.yaw;
    s.rollspeed = d.rollspeed; s.pitchspeed = d.pitchspeed; s.yawspeed = d.yawspeed;
    s.vehicleMs = vehicleMs;
    s.hostMs = m.hostTimeMs;
    if (!this.record) return;
    const series = this.store.attitude;
    const row = series.beginRow(vehicleMs, m.hostTimeMs);
    series.set(0, row, d.roll); series.set(1, row, d.pitch); series.set(2, row, d.yaw);
    series.set(3, row, d.rollspeed); series.set(4, row, d.pitchspeed); series.set(5, row, d.yawspeed);
    this.emitSample(series, row);
  }

  private onGlobalPosition(m: Message<common.GlobalPositionInt>): void {
    const d = m.data;
    const vehicleMs = this.stamp(d.timeBootMs);
    let s = this.global;
    if (!s) s = this.global = { lat: 0, lon: 0, alt: 0, relativeAlt: 0, vn: 0, ve: 0, vd: 0, heading: NaN, vehicleMs, hostMs: m.hostTimeMs };
    s.lat = d.lat / 1e7;
    s.lon = d.lon / 1e7;
    s.alt = d.alt / 1000;
    s.relativeAlt = d.relativeAlt / 1000;
    s.vn = d.vx / 100;
    s.ve = d.vy / 100;
    s.vd = d.vz / 100;
    s.heading = d.hdg === UINT16_MAX ? NaN : d.hdg / 100;
    s.vehicleMs = vehicleMs;
    s.hostMs = m.hostTimeMs;
    if (!this.record) return;
    const series = this.store.globalPosition;
    const row = series.beginRow(vehicleMs, m.hostTimeMs);
    series.set(0, row, s.lat); series.set(1, row, s.lon); series.set(2, row, s.alt); series.set(3, row, s.relativeAlt);
    series.set(4, row, s.vn); series.set(5, row, s.ve); series.set(6, row, s.vd); series.set(7, row, s.heading);
    this.emitSample(series, row);
  }

  private onBatteryStatus(m: Message<common.BatteryStatus>): void {
    const d = m.data;
    // Cell voltages in mV, UINT16_MAX = not present; the first 10 cells, then the extension.
    let mv = 0;
    let cells = 0;
    for (const v of d.voltages) if (v !== UINT16_MAX) { mv += v; cells++; }
    if (d.voltagesExt) for (const v of d.voltagesExt) if (v !== 0 && v !== UINT16_MAX) { mv += v; cells++; }
    this.sawBatteryStatus = true;
    this.applyBattery(m.hostTimeMs, cells ? mv / 1000 : NaN, d.currentBattery === -1 ? NaN : d.currentBattery / 100, d.batteryRemaining === -1 ? NaN : d.batteryRemaining, 'BATTERY_STATUS');
  }

  private onSysStatus(m: Message<common.SysStatus>): void {
    const d = m.data;
    this.armable_ = (d.onboardControlSensorsHealth & common.MavSysStatusSensor.PREARM_CHECK) !== 0;
    if (this.sawBatteryStatus) return; // BATTERY_STATUS is the richer source once present
    this.applyBattery(m.hostTimeMs, d.voltageBattery === UINT16_MAX ? NaN : d.voltageBattery / 1000, d.currentBattery === -1 ? NaN : d.currentBattery / 100, d.batteryRemaining === -1 ? NaN : d.batteryRemaining, 'SYS_STATUS');
  }

  private applyBattery(hostMs: number, voltage: number, current: number, remaining: number, source: BatteryState['source']): void {
    const vehicleMs = this.currentStamp;
    let s = this.batt;
    if (!s) s = this.batt = { voltage, current, remaining, source, vehicleMs, hostMs };
    s.voltage = voltage; s.current = current; s.remaining = remaining; s.source = source;
    s.vehicleMs = vehicleMs; s.hostMs = hostMs;
    if (!this.record) return;
    const series = this.store.battery;
    const row = series.beginRow(vehicleMs, hostMs);
    series.set(0, row, voltage); series.set(1, row, current); series.set(2, row, remaining);
    this.emitSample(series, row);
  }

  private onHome(m: Message<common.HomePosition>): void {
    const d = m.data;
    const usec = d.timeUsec === undefined ? 0 : Number(d.timeUsec);
    const vehicleMs = usec > 0 && usec < EPOCH_USEC_THRESHOLD ? this.stamp(usec / 1000) : this.currentStamp;
    let s = this.home_;
    if (!s) s = this.home_ = { lat: 0, lon: 0, alt: 0, north: 0, east: 0, down: 0, vehicleMs, hostMs: m.hostTimeMs };
    s.lat = d.latitude / 1e7; s.lon = d.longitude / 1e7; s.alt = d.altitude / 1000;
    s.north = d.x; s.east = d.y; s.down = d.z;
    s.vehicleMs = vehicleMs; s.hostMs = m.hostTimeMs;
  }

  private onGps(m: Message<common.GpsRawInt>): void {
    const d = m.data;
    const usec = Number(d.timeUsec);
    const vehicleMs = usec > 0 && usec < EPOCH_USEC_THRESHOLD ? this.stamp(usec / 1000) : this.currentStamp;
    let s = this.gps_;
    if (!s) s = this.gps_ = { fixType: 0, satellites: 0, lat: 0, lon: 0, alt: 0, eph: NaN, epv: NaN, vehicleMs, hostMs: m.hostTimeMs };
    s.fixType = d.fixType;
    s.satellites = d.satellitesVisible === 255 ? NaN : d.satellitesVisible;
    s.lat = d.lat / 1e7; s.lon = d.lon / 1e7; s.alt = d.alt / 1000;
    s.eph = d.eph === UINT16_MAX ? NaN : d.eph / 100;
    s.epv = d.epv === UINT16_MAX ? NaN : d.epv / 100;
    s.vehicleMs = vehicleMs; s.hostMs = m.hostTimeMs;
    if (!this.record) return;
    const series = this.store.gps;
    const row = series.beginRow(vehicleMs, m.hostTimeMs);
    series.set(0, row, s.fixType); series.set(1, row, s.satellites); series.set(2, row, s.lat); series.set(3, row, s.lon);
    series.set(4, row, s.alt); series.set(5, row, s.eph); series.set(6, row, s.epv);
    this.emitSample(series, row);
  }

  private onMissionCurrent(m: Message<common.MissionCurrent>): void {
    const d = m.data;
    this.mission_ = {
      // PX4 sends total 65535 without a mission, and leaves mission_state 0 (UNKNOWN) in v1.16.
      seq: d.seq, total: d.total === 0xffff ? 0 : d.total, state: MISSION_STATE_NAMES[d.missionState] ?? 'UNKNOWN',
      missionId: d.missionId, fenceId: d.fenceId, rallyId: d.rallyPointsId,
      vehicleMs: this.currentStamp, hostMs: m.hostTimeMs,
    };
  }

  private onMissionItemReached(m: Message<common.MissionItemReached>): void {
    const last = this.reached[this.reached.length - 1];
    // PX4 sends the latest reached item again at its slow rate (10 times): a repeat of the last one is not a new arrival.
    if (last && last.seq === m.data.seq) return;
    this.reached.push({ seq: m.data.seq, vehicleMs: this.currentStamp, hostMs: m.hostTimeMs });
  }

  private applyStatusText(m: Message<common.StatusText>): void {
    const d = m.data;
    const id = d.id ?? 0;
    const text = d.text;
    // A text of the full 50 chars is not null-terminated: with an id, more chunks follow.
    const last = text.length < 50;
    if (id === 0) {
      this.flushChunks();
      this.pushText(d.severity, text, m.hostTimeMs, this.currentStamp);
      return;
    }
    let p = this.pendingChunks;
    if (p && p.id !== id) {
      this.flushChunks();
      p = null;
    }
    if (!p) p = this.pendingChunks = { id, severity: d.severity, parts: [], hostMs: m.hostTimeMs, vehicleMs: this.currentStamp };
    p.parts[d.chunkSeq ?? p.parts.length] = text;
    if (last) this.flushChunks();
  }

  private flushChunks(): void {
    const p = this.pendingChunks;
    if (!p) return;
    this.pendingChunks = null;
    // A lost chunk leaves a hole: mark it rather than silently splicing the neighbours.
    let text = '';
    for (let i = 0; i < p.parts.length; i++) text += p.parts[i] ?? '…';
    this.pushText(p.severity, text, p.hostMs, p.vehicleMs);
  }

  private pushText(severity: number, text: string, hostMs: number, vehicleMs: number): void {
    const t: StatusText = { severity, severityName: SEVERITY_NAMES[severity] ?? 'DEBUG', text, hostMs, vehicleMs };
    this.texts.push(t);
    if (this.texts.length > this.textLimit) this.texts.splice(0, this.texts.length - this.textLimit);
    for (const cb of this.textListeners) cb(t);
  }
}
