import path from 'node:path';
import { estimateClockOffset, type ClockOffset } from '../src/vehicle/clock.js';
import { createVehicle, type Vehicle } from '../src/vehicle/vehicle.js';
import { MavlinkPilot } from '../src/vehicle/mavlink-pilot.js';
import { waitFor } from '../src/vehicle/wait.js';
import { onCleanup } from '../src/lifecycle/cleanup.js';
import type { Capabilities } from '../src/targets/capabilities.js';
import { lacking, provided } from '../src/targets/capabilities.js';
import { rosUnavailableReason } from '../src/ros/availability.js';
import type { Requirement, Stack, Target, UpOptions } from '../src/targets/target.js';
import { StackDidNotComeUp, TargetUnavailable } from '../src/targets/target.js';
import { companionDriverFor, rosAvailable } from './companion.js';
import { listSerialPorts, type PortListing } from './discovery.js';
import { flightControllerDriver, type RigConnection } from './flight-controller.js';
import { leaseRig, leaseRigs, type Lease } from './lease.js';
import { powerDriverFor } from './power.js';
import { housekeepingPilot, landDisarmHold } from './reset.js';
import { describeDevice, display, loadRack, loadRig, rigSigningKey, type RigConfig } from './rig-config.js';
import { describeSafety, guardPilot, safetyPolicyOf } from './safety.js';
import { RigStrategy, type RigTransition } from './strategy.js';
import { runSettings } from '../src/config/run-settings.js';

export interface HilTargetOptions {
  /** One rig file (`--rig`); default $FLIGHT_RIG. */
  rigFile?: string;
  /** A rack file (`--rack`): each stack leases free rigs from it; default $FLIGHT_RACK. */
  rackFile?: string;
  /** Where leases live (default: the rack's leaseDir, $FLIGHT_LEASE_DIR or <tmp>/flightcheck-leases). */
  leaseDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Port listing (tests inject one). */
  list?: () => Promise<PortListing>;
}

/** The hil target: real Pi + Pixhawk rigs over serial, as named by FLIGHT_RIG / FLIGHT_RACK. */
export function createHilTarget(options: HilTargetOptions = {}): Target {
  const env = options.env ?? process.env;
  return {
    name: 'hil',
    description: 'real Pi + Pixhawk rigs over serial (--rig FILE or --rack FILE)',

    async check(): Promise<Requirement[]> {
      const rigFile = options.rigFile ?? runSettings(env).rig;
      const rackFile = options.rackFile ?? runSettings(env).rack;
      const reqs: Requirement[] = [];
      reqs.push({ what: 'a rig or rack file', ok: Boolean(rigFile || rackFile), detail: rigFile ? `rig ${rigFile}` : rackFile ? `rack ${rackFile}` : 'none: pass --rig FILE or --rack FILE (FLIGHT_RIG / FLIGHT_RACK)' });
      try {
        const l = await listSerialPorts();
        reqs.push({ what: 'serial port listing', ok: true, detail: `${l.ports.length} port(s) via ${l.source}${l.note ? ` (${l.note})` : ''}` });
      } catch (err) {
        reqs.push({ what: 'serial port listing', ok: false, detail: (err as Error).message });
      }
      reqs.push({ what: 'ROS 2 (companion readiness)', ok: true, detail: rosAvailable(env) ? 'ros2 node list on the rig\'s ROS_DOMAIN_ID' : 'not sourced: the rig\'s readyCommand is used, or the check is skipped' });
      return reqs;
    },

    async capabilities(): Promise<Capabilities> {
      const rigFile = options.rigFile ?? runSettings(env).rig;
      const rackFile = options.rackFile ?? runSettings(env).rack;
      let label: string;
      let vehicles: Capabilities['vehicles'];
      if (rigFile) {
        const rig = loadRig(path.resolve(rigFile));
        label = `hil (rig ${rig.name})`;
        vehicles = { max: 1, why: `--rig gives one rig ("${rig.name}"); use --rack with enough rigs` };
      } else if (rackFile) {
        const rack = loadRack(path.resolve(rackFile));
        label = `hil (rack ${rack.name})`;
        vehicles = { max: rack.rigs.length, why: `rack "${rack.name}" has ${rack.rigs.length} rig(s)` };
      } else {
        throw new TargetUnavailable('hil: no rig: run with --rig FILE or --rack FILE (or set FLIGHT_RIG / FLIGHT_RACK)');
      }
      const ros = rosUnavailableReason({ env });
      const companion = ros ? lacking(ros) : provided("on the rig's companion computer, over ROS 2 on its domain");
      return {
        label,
        detections: lacking('the hil target wires no detection source'),
        failureInjection: {
          units: [],
          why: 'on a flight controller PX4 v1.16 acts on MAV_CMD_INJECT_FAILURE only in its simulation modules (battery_simulator, simulator_mavlink) and for ESC reports',
        },
        ros2: companion,
        droneCore: companion,
        vehicles,
      };
    },

    async up(opts: UpOptions): Promise<Stack> {
      const rigFile = options.rigFile ?? runSettings(env).rig;
      const rackFile = options.rackFile ?? runSettings(env).rack;
      let leases: Lease[];
      if (rigFile) {
        const rig = loadRig(path.resolve(rigFile));
        if (opts.vehicles > 1) throw new TargetUnavailable(`hil: this scenario needs ${opts.vehicles} vehicles but --rig gives one (rig "${rig.name}"); use --rack with enough rigs`);
        leases = [leaseRig(rig, options.leaseDir ?? env.FLIGHT_LEASE_DIR)];
      } else if (rackFile) {
        const rack = loadRack(path.resolve(rackFile));
        if (opts.vehicles > rack.rigs.length) throw new TargetUnavailable(`hil: this scenario needs ${opts.vehicles} vehicles; rack "${rack.name}" has ${rack.rigs.length} rig(s)`);
        leases = await leaseRigs(rack, opts.vehicles, { ...(options.leaseDir ? { dir: options.leaseDir } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
      } else {
        throw new TargetUnavailable('hil: no rig: run with --rig FILE or --rack FILE (or set FLIGHT_RIG / FLIGHT_RACK)');
      }
      const stack = new HilStack(leases, opts, env, options.list);
      const unregister = onCleanup('hil rigs', () => stack.down());
      stack.onDown(unregister);
      try {
        await stack.bringUpAll();
      } catch (err) {
        await stack.down();
        throw err;
      }
      return stack;
    },
  };
}

/** Per rig: its lease, its bring-up log and what TIMESYNC measured. */
interface RigSlot {
  rig: RigConfig;
  lease: Lease;
  connection: RigConnection | null;
  transitions: RigTransition[];
  companion: string;
  clockOffset: ClockOffset | null;
  clockNote: string;
  /** Parameter values before this run changed them (restored at down: a Pixhawk keeps parameters). */
  restoreParams: Record<string, number>;
  resetNotes: string[];
  bringUpLog: string;
  homeNote: string;
}

export class HilStack implements Stack {
  readonly target = 'hil';
  readonly vehicles: Vehicle[] = [];
  readonly info: Record<string, string> = { target: 'hil' };
  private readonly slots: RigSlot[];
  private downed = false;
  private readonly downHooks: (() => void)[] = [];

  constructor(
    leases: Lease[],
    private readonly opts: UpOptions,
    private readonly env: NodeJS.ProcessEnv,
    private readonly list?: () => Promise<PortListing>,
  ) {
    this.slots = leases.map((lease) => ({
      rig: lease.rig,
      lease,
      connection: null,
      transitions: [],
      companion: '',
      clockOffset: null,
      clockNote: '',
      restoreParams: {},
      resetNotes: [],
      bringUpLog: '',
      homeNote: '',
    }));
  }

  onDown(cb: () => void): void {
    this.downHooks.push(cb);
  }

  /** The host ↔ flight-controller clock offset of a vehicle (TIMESYNC), for host-clock latencies' uncertaintyMs. */
  clockOffset(vehicle: Vehicle): ClockOffset | null {
    const i = this.vehicles.indexOf(vehicle);
    return i >= 0 ? (this.slots[i]?.clockOffset ?? null) : null;
  }

  armingAllowed(vehicle: Vehicle): boolean {
    const rig = this.rigOf(vehicle);
    return rig !== null && safetyPolicyOf(rig).armingAllowed;
  }

  /** The rig a vehicle flies on. */
  rigOf(vehicle: Vehicle): RigConfig | null {
    const i = this.vehicles.indexOf(vehicle);
    return i >= 0 ? (this.slots[i]?.rig ?? null) : null;
  }

  async bringUpAll(): Promise<void> {
    for (let i = 0; i < this.slots.length; i++) {
      await this.bringUp(i, 'off');
      try {
        await this.applyParams(i);
      } catch (err) {
        throw new StackDidNotComeUp('parameters', `rig "${this.slots[i]!.rig.name}": ${(err as Error).message}`, await this.logs(), { cause: err });
      }
    }
    this.updateInfo();
  }

  private async bringUp(i: number, from: 'off' | 'powered'): Promise<void> {
    const slot = this.slots[i]!;
    const rig = slot.rig;
    let key: Buffer | null;
    try {
      key = rigSigningKey(rig, this.env);
    } catch (err) {
      throw new StackDidNotComeUp('rig config', (err as Error).message, {}, { cause: err });
    }
    const strategy = new RigStrategy(
      rig.name,
      {
        power: powerDriverFor(rig, this.env),
        flightController: flightControllerDriver(rig, {
          heartbeatTimeoutMs: this.opts.heartbeatTimeoutMs,
          signingKey: key,
          ...(this.list ? { list: this.list } : {}),
          ...(this.opts.linkFaults ? { linkFaults: this.opts.linkFaults } : {}),
        }),
        companion: companionDriverFor(rig, this.env),
      },
      { retries: rig.bringUp.retries, ...(this.opts.signal ? { signal: this.opts.signal } : {}) },
    );
    try {
      const r = await strategy.bringUp(from);
      slot.connection = r.connection;
      slot.companion = r.companion;
    } finally {
      slot.transitions.push(...strategy.transitions);
      slot.bringUpLog += `${slot.bringUpLog ? '\n' : ''}${strategy.formatLog()}`;
    }
    const link = slot.connection!.link;
    // Two rigs of a rack may both call their drone drone1: the vehicle names of one stack must differ.
    const clash = this.slots.some((o, j) => j !== i && o.rig.companion.droneName === rig.companion.droneName);
    const name = clash ? `${rig.companion.droneName}@${rig.name}` : rig.companion.droneName;
    const vehicle = createVehicle(link, { sysId: rig.mavlink.sysId, name, targetCompId: rig.mavlink.compId, telemetry: { compId: rig.mavlink.compId } });
    // The guard sits between every caller and the pilot: a refused action never reaches the link.
    vehicle.pilot = guardPilot(vehicle.pilot as MavlinkPilot, safetyPolicyOf(rig));
    try {
      await waitFor(vehicle.telemetry, (t) => t.mode !== null, { timeout: rig.bringUp.heartbeatTimeout, clock: 'host', what: `${name} (rig "${rig.name}") HEARTBEAT in telemetry` });
      // Takeoff to an altitude and goTo need HOME_POSITION (PX4 streams it slowly); a rig without a GPS fix has none.
      slot.homeNote = await waitFor(vehicle.telemetry, (t) => t.home !== null, { timeout: rig.bringUp.heartbeatTimeout, clock: 'host', what: 'HOME_POSITION' }).then(
        () => 'received',
        () => `none within ${rig.bringUp.heartbeatTimeout} ms (no GPS fix?): takeoff to an altitude and goTo will be refused`,
      );
      try {
        slot.clockOffset = await estimateClockOffset(link, { samples: 10, targetSysId: rig.mavlink.sysId, targetCompId: rig.mavlink.compId });
        slot.clockNote = '';
      } catch (err) {
        slot.clockOffset = null;
        slot.clockNote = `TIMESYNC failed: ${(err as Error).message}`;
      }
    } catch (err) {
      await vehicle.close();
      await link.close();
      throw new StackDidNotComeUp('vehicle telemetry', (err as Error).message, { [`rig ${rig.name} bring-up`]: slot.bringUpLog }, { cause: err });
    }
    this.vehicles[i] = vehicle;
  }

  private async applyParams(i: number): Promise<void> {
    const entries = Object.entries(this.opts.params);
    if (entries.length === 0) return;
    const v = this.vehicles[i]!;
    for (const [name, value] of entries) {
      const before = await v.pilot.params.get(name);
      if (!(name in this.slots[i]!.restoreParams)) this.slots[i]!.restoreParams[name] = before;
      await v.pilot.params.set(name, value);
    }
  }

  private updateInfo(): void {
    const multi = this.slots.length > 1;
    for (const [i, s] of this.slots.entries()) {
      const p = multi ? `${s.rig.name}.` : '';
      const d = s.connection?.device;
      Object.assign(this.info, {
        [`${p}rig`]: s.rig.name,
        [`${p}rigFile`]: display(s.rig.file),
        [`${p}device`]: d ? `${d.path}${d.realPath !== d.path ? ` → ${d.realPath}` : ''} @ ${s.rig.serial.baud}` : describeDevice(s.rig.serial),
        [`${p}usb`]: d?.vendorId ? `${d.vendorId}:${d.productId ?? '?'}` : 'n/a',
        [`${p}serialNumber`]: d?.serialNumber ?? 'n/a',
        [`${p}sysId`]: String(s.rig.mavlink.sysId),
        [`${p}signing`]: s.rig.mavlink.signing ? `on (key from $${s.rig.mavlink.signing.keyEnv}; unsigned frames rejected)` : 'off',
        [`${p}safety`]: describeSafety(safetyPolicyOf(s.rig)),
        [`${p}companion`]: `${s.rig.companion.droneName} on ROS_DOMAIN_ID ${s.rig.companion.rosDomainId}: ${s.companion}`,
        [`${p}clockOffsetMs`]: s.clockOffset ? s.clockOffset.offsetMs.toFixed(3) : 'unknown',
        [`${p}clockOffsetUncertaintyMs`]: s.clockOffset ? s.clockOffset.uncertaintyMs.toFixed(3) : 'unknown',
        [`${p}clockSync`]: s.clockOffset
          ? `TIMESYNC ${s.clockOffset.samples}/${s.clockOffset.sent} replies, round trip min ${s.clockOffset.roundTripMs.min.toFixed(2)} / median ${s.clockOffset.roundTripMs.median.toFixed(2)} ms`
          : s.clockNote || 'not measured',
        [`${p}home`]: s.homeNote || 'unknown',
        [`${p}bringUp`]: s.transitions.map((t) => `${t.state}@${(t.atMs / 1000).toFixed(1)}s`).join(' → '),
      });
      if (this.vehicles[i]) this.info[`${p}vehicle`] = this.vehicles[i]!.name;
    }
    this.info.speed = '1 (real hardware: real time)';
  }

  /**
   * A real vehicle cannot be teleported: land (or RTL) if airborne, see it disarm, switch to Hold.
   * A vehicle whose link was lost (the cable was pulled) is re-opened first, once its device is back.
   */
  async reset(vehicle: Vehicle): Promise<void> {
    const i = this.vehicles.indexOf(vehicle);
    if (i < 0) throw new RangeError('hil reset: not a vehicle of this stack');
    let v = vehicle;
    if (v.link.lost) {
      await v.close();
      await v.link.close();
      this.slots[i]!.connection = null;
      await this.bringUp(i, 'powered');
      this.updateInfo();
      v = this.vehicles[i]!;
    }
    const notes = await landDisarmHold(v, { pilot: housekeepingPilot(v, this.slots[i]!.rig.mavlink.compId) });
    this.slots[i]!.resetNotes.push(notes.join(', ') || 'already landed, disarmed, in Hold');
  }

  async logs(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [i, s] of this.slots.entries()) {
      const v = this.vehicles[i];
      const lines = [s.bringUpLog];
      if (v) {
        const c = v.link.counters;
        lines.push(
          `${v.name}: ${v.telemetry.modeName ?? '?'} ${v.telemetry.armed ? 'armed' : 'disarmed'}; link received ${c.received}, sent ${c.sent}, seq-gap drops ${c.droppedBySeqGap}, bad CRC ${c.badCrc}, unsigned rejected ${c.unsignedRejected}, bad signature ${c.badSignature}${v.link.lost ? `; ${v.link.lost.message}` : ''}`,
        );
      }
      if (s.resetNotes.length) lines.push(`resets: ${s.resetNotes.join(' | ')}`);
      out[`rig ${s.rig.name}`] = lines.filter(Boolean).join('\n');
    }
    return out;
  }

  async down(): Promise<void> {
    if (this.downed) return;
    this.downed = true;
    for (const [i, s] of this.slots.entries()) {
      const v = this.vehicles[i];
      try {
        if (v && !v.link.lost) {
          // Never leave a real vehicle flying: a run that ends mid-flight (a failed test, Ctrl-C) lands it.
          if (v.telemetry.armed && v.telemetry.landedState !== 'ON_GROUND') {
            await v.pilot.stopOffboard().catch(() => {});
            await v.pilot.land().catch(() => {});
          }
          for (const [name, value] of Object.entries(s.restoreParams)) await v.pilot.params.set(name, value).catch(() => {});
        }
      } finally {
        if (v) {
          await v.close().catch(() => {});
          await v.link.close().catch(() => {});
        } else if (s.connection) {
          await s.connection.link.close().catch(() => {});
        }
        s.lease.release();
      }
    }
    for (const cb of this.downHooks.splice(0)) cb();
  }
}

export const hilTarget: Target = createHilTarget();
