import { common, minimal, standard } from 'node-mavlink';
import type { MavLinkData } from 'node-mavlink';
import { hostNowMs } from '../../../src/clock/host.js';
import type { Message } from '../../../src/mavlink/link.js';
import type { Frame } from '../../../src/mavlink/codec.js';
import type { CommandParams, CommandResult, SimVehicleApi } from '../model/types.js';
import { MavlinkInstance, type InstanceOptions } from './instance.js';
import { HASH_CHECK, MAV_PARAM_TYPE, decodeParamSet, mavParamType, paramHash, paramIdString, sendParamValue } from './params.js';
import { autopilotVersion, protocolVersion } from './px4-identity.js';
import { MissionTransfer, missionShared, type MissionHost } from './mission-transfer.js';
import type { StatusText } from '../model/types.js';
import { ProtocolVersion } from '../../../src/mavlink/protocol-version.js';

const MAV_CMD = {
  GET_HOME_POSITION: 410,
  GET_MESSAGE_INTERVAL: 510,
  SET_MESSAGE_INTERVAL: 511,
  REQUEST_MESSAGE: 512,
  REQUEST_PROTOCOL_VERSION: 519,
  REQUEST_AUTOPILOT_CAPABILITIES: 520,
  REQUEST_FLIGHT_INFORMATION: 528,
  INJECT_FAILURE: 420,
  DO_SET_MODE: 176,
} as const;
const MAV_RESULT = { ACCEPTED: 0, DENIED: 2, UNSUPPORTED: 3, FAILED: 4 } as const;
const MAV_TYPE_GCS = 6;
const MAV_TYPE_ONBOARD_CONTROLLER = 18;
const AUTOPILOT_VERSION_ID = 148;
const MESSAGE_INTERVAL_ID = 244;
const PARAM_SET_ID = 23;
const INT32_MAX = 2147483647;
/** A retransmission (confirmation > 0) within this host time is answered from the cache. */
const DUPLICATE_WINDOW_MS = 5000;
/** PARAM_VALUEs of a list transfer sent per slice (PX4 sends 20 per mavlink cycle on UDP). */
const PARAM_BURST = 20;

interface CachedCommand {
  params: CommandParams;
  result: CommandResult;
  hostMs: number;
}

export interface EndpointOptions {
  /** Vehicle time now (µs since boot, continuing across a reset). */
  now: () => number;
  /**
   * Also send the model's event-only messages as STATUSTEXT. PX4 v1.16 reports those only through
   * the events protocol, so the default (false) drops them: a client that needs them on real PX4
   * would not get them as STATUSTEXT either.
   */
  forwardEvents?: boolean;
  /** Called for errors the endpoint survives (a model throwing on a command). */
  onError?: (err: unknown) => void;
}

/**
 * The vehicle's MAVLink face, like PX4's mavlink module: turns model state into streams on every
 * link, answers commands (COMMAND_ACK), the parameter protocol and TIMESYNC, and hands offboard
 * setpoints to the model. Knows nothing of sockets beyond its instances' transports.
 */
export class VehicleEndpoint {
  readonly instances: MavlinkInstance[] = [];
  private model_: SimVehicleApi;
  private readonly now: () => number;
  private readonly onError: (err: unknown) => void;
  private readonly forwardEvents: boolean;
  private readonly commandCache = new Map<string, CachedCommand>();
  private readonly ack = new common.CommandAck();
  private readonly paramValue = new common.ParamValue();
  private readonly timesync = new common.TimeSync();
  private readonly interval = new common.MessageInterval();
  private readonly version: standard.AutopilotVersion;
  private readonly protocol = protocolVersion();
  /** The mission protocol, one transfer per link (PX4's MavlinkMissionManager per mavlink instance). */
  private readonly missions = new Map<MavlinkInstance, MissionTransfer>();
  private missionShared = missionShared();
  /** STATUSTEXT of the mission protocol, sent at the end of the slice (PX4: through its log queue, a cycle later). */
  private readonly missionTexts: StatusText[] = [];
  private readonly missionHost: MissionHost;
  private readonly missionsWired = new Set<MavlinkInstance>();
  readonly sysId: number;

  constructor(model: SimVehicleApi, opts: EndpointOptions) {
    this.model_ = model;
    this.sysId = model.sysId;
    this.now = opts.now;
    this.forwardEvents = opts.forwardEvents ?? false;
    this.onError = opts.onError ?? ((err) => console.error(`sim vehicle ${this.sysId}:`, err));
    this.version = autopilotVersion(this.sysId);
    this.missionHost = {
      sysId: this.sysId,
      now: () => this.now(),
      store: () => this.model_.missions,
      statusText: (t) => this.missionTexts.push(t),
    };
  }

  get model(): SimVehicleApi {
    return this.model_;
  }

  /** Swaps the model (vehicle reset): links, streams and sequence numbers carry on. */
  replaceModel(model: SimVehicleApi): void {
    if (model.sysId !== this.sysId) throw new Error(`replaceModel: sys id ${model.sysId} ≠ ${this.sysId}`);
    this.model_ = model;
    this.commandCache.clear();
    // A reboot forgets transfers under way, as PX4 does.
    this.missionShared = missionShared();
    this.missionTexts.length = 0;
    for (const inst of this.instances) this.wireMissions(inst);
    // A new model is the simulator's reboot: like PX4 at boot every stream starts at once, so a
    // client sees the fresh state now rather than at the next 1 Hz HEARTBEAT.
    for (const inst of this.instances) {
      inst.paramListNext = null;
      inst.restartStreams();
    }
  }

  /** Adds a link (API, GCS, serial, memory) and opens its transport. */
  async addLink(opts: Omit<InstanceOptions, 'sysId'>): Promise<MavlinkInstance> {
    const inst = new MavlinkInstance({ ...opts, sysId: this.sysId });
    this.wire(inst);
    await inst.open();
    this.instances.push(inst);
    return inst;
  }

  /**
   * MAV_CMD_INJECT_FAILURE SYSTEM_MAVLINK_SIGNAL OFF: the link goes silent both ways, except the
   * INJECT_FAILURE command that restores it.
   */
  private get silenced(): boolean {
    return this.model_.state().failures?.mavlinkSignal === true;
  }

  /** After each physics step: emit due streams. */
  afterStep(timeUs: number): void {
    if (this.instances.length === 0) return;
    const state = this.model_.state();
    if (state.failures?.mavlinkSignal) return;
    const params = this.model_.params;
    for (let i = 0; i < this.instances.length; i++) this.instances[i]!.runStreams(timeUs, state, params);
  }

  /** End of a scheduler slice: the mission protocol, status texts, param-list bursts, then one flush per link. */
  endSlice(timeUs: number): void {
    const reached = this.model_.missions.drainReached();
    const silenced = this.silenced;
    if (!silenced) for (const inst of this.instances) this.missions.get(inst)?.update(timeUs, reached);
    const drained = this.model_.drainStatusTexts();
    if (this.missionTexts.length > 0) drained.push(...this.missionTexts.splice(0));
    for (const inst of this.instances) {
      if (!silenced) {
        for (const t of drained) if (this.forwardEvents || t.source !== 'event') inst.statusText(t, timeUs);
      }
      if (inst.paramListNext !== null) this.continueParamList(inst);
      inst.endSlice(timeUs);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.close()));
  }

  // ---- incoming ---------------------------------------------------------------------------

  private wire(inst: MavlinkInstance): void {
    const link = inst.link;
    const live = <T>(fn: (m: T) => void) => (m: T) => {
      if (!this.silenced) fn(m);
    };
    link.on(minimal.Heartbeat, live((m) => this.onHeartbeat(inst, m)));
    link.on(common.CommandLong, (m) => {
      if (!this.silenced || m.data.command === MAV_CMD.INJECT_FAILURE) this.onCommandLong(inst, m);
    });
    link.on(common.CommandInt, live((m) => this.onCommandInt(inst, m)));
    link.on(common.SetMode, live((m) => this.onSetMode(m)));
    link.on(common.SetPositionTargetLocalNed, live((m) => this.onSetPositionTarget(m)));
    link.on(common.ManualControl, live((m) => this.onManualControl(m)));
    link.on(common.TimeSync, live((m) => this.onTimesync(inst, m)));
    link.on(common.ParamRequestList, live((m) => this.onParamRequestList(inst, m)));
    link.on(common.ParamRequestRead, live((m) => this.onParamRequestRead(inst, m)));
    // PARAM_SET is read from the raw frame: its float field may carry an int32's bytes.
    link.onRawFrame((frame) => {
      if (frame.msgid === PARAM_SET_ID && !this.silenced) this.onParamSet(inst, frame);
    });
    this.wireMissions(inst);
  }

  /** A fresh mission transfer for a link (at start and after a vehicle reset). */
  private wireMissions(inst: MavlinkInstance): void {
    const transfer = new MissionTransfer(inst, this.missionHost, this.missionShared);
    this.missions.set(inst, transfer);
    // Handlers look the transfer up, so a reset's fresh one takes over without re-subscribing.
    if (this.missionsWired.has(inst)) return;
    this.missionsWired.add(inst);
    const live = <T>(fn: (m: T) => void) => (m: T) => {
      if (this.silenced) return;
      try {
        fn(m);
      } catch (err) {
        this.onError(err);
      }
    };
    const handle = live((m: Message) => this.missions.get(inst)!.handle(m));
    for (const kind of MissionTransfer.MESSAGES) inst.link.on(kind as { MSG_ID: number; new (): MavLinkData }, handle);
  }

  private onHeartbeat(inst: MavlinkInstance, m: Message<minimal.Heartbeat>): void {
    const type = m.data.type as number;
    if (type !== MAV_TYPE_GCS && type !== MAV_TYPE_ONBOARD_CONTROLLER) return;
    const first = !inst.isGcsConnected;
    inst.markGcsConnected(this.now());
    // The whole state at once, now: a client in lockstep holds vehicle time until it has seen
    // some, so waiting for the next step would wait for the gate's stall limit.
    if (first) {
      inst.runStreams(this.now(), this.model_.state(), this.model_.params);
      inst.flush();
    }
    if (type === MAV_TYPE_GCS) this.guard(() => this.model_.gcsHeartbeat({ sysId: m.sysid, compId: m.compid }));
  }

  /** PX4 evaluate_target_ok: most commands must name us; capability/version requests may broadcast. */
  private targetOk(command: number, targetSystem: number, targetComponent: number): boolean {
    if (command === MAV_CMD.REQUEST_AUTOPILOT_CAPABILITIES || command === MAV_CMD.REQUEST_PROTOCOL_VERSION) {
      return targetSystem === 0 || targetSystem === this.sysId;
    }
    return targetSystem === this.sysId && (targetComponent === 1 || targetComponent === 0);
  }

  private onCommandLong(inst: MavlinkInstance, m: Message<common.CommandLong>): void {
    const d = m.data;
    const params: CommandParams = [d._param1, d._param2, d._param3, d._param4, d._param5, d._param6, d._param7];
    this.onCommand(inst, m, d.command as number, d.targetSystem, d.targetComponent, params, d.confirmation);
  }

  private onCommandInt(inst: MavlinkInstance, m: Message<common.CommandInt>): void {
    const d = m.data;
    if (d._param5 === 0x7ff80000 && d._param6 === 0x7ff80000) {
      // NaN sent as an int by mistake: PX4 denies it.
      if (this.targetOk(d.command as number, d.targetSystem, d.targetComponent)) {
        this.sendAck(inst, m, d.command as number, { result: MAV_RESULT.DENIED as common.MavResult });
      }
      return;
    }
    const ignoreXy = d._param5 === INT32_MAX && d._param6 === INT32_MAX;
    const params: CommandParams = [
      d._param1, d._param2, d._param3, d._param4,
      ignoreXy ? NaN : d._param5 / 1e7,
      ignoreXy ? NaN : d._param6 / 1e7,
      d._param7,
    ];
    this.onCommand(inst, m, d.command as number, d.targetSystem, d.targetComponent, params, 0);
  }

  private onCommand(
    inst: MavlinkInstance,
    m: Message,
    command: number,
    targetSystem: number,
    targetComponent: number,
    params: CommandParams,
    confirmation: number,
  ): void {
    // Commands for another system are ignored, not answered (PX4 without forwarding targets).
    if (!this.targetOk(command, targetSystem, targetComponent)) return;
    if (m.sysid === this.sysId && m.compid === 1) return; // our own command looped back
    const local = this.localCommand(inst, command, params);
    if (local) {
      this.sendAck(inst, m, command, local);
      return;
    }
    // PX4's mavlink module acknowledges DO_SET_MODE ACCEPTED as it hands it on (mavlink_receiver:
    // send_ack stays true for it); commander then answers with its own verdict, one cycle later on
    // PX4 (about 10 ms), in the same datagram here. A refusal thus reads ACCEPTED, then
    // TEMPORARILY_REJECTED, as on real PX4 (test/native/real-px4.test.ts).
    if (command === MAV_CMD.DO_SET_MODE) this.sendAck(inst, m, command, { result: MAV_RESULT.ACCEPTED as common.MavResult });
    const key = `${m.sysid}/${m.compid}/${command}`;
    const now = hostNowMs();
    const cached = this.commandCache.get(key);
    if (confirmation > 0 && cached && now - cached.hostMs < DUPLICATE_WINDOW_MS && sameParams(cached.params, params)) {
      // A retransmission of a command we already executed: answer again, do not act twice.
      this.sendAck(inst, m, command, cached.result);
      return;
    }
    let result: CommandResult;
    try {
      result = this.model_.command(command, params, { sysId: m.sysid, compId: m.compid });
    } catch (err) {
      this.onError(err);
      result = { result: MAV_RESULT.FAILED as common.MavResult };
    }
    this.commandCache.set(key, { params, result, hostMs: now });
    this.sendAck(inst, m, command, result);
  }

  /** Commands the mavlink module answers itself (PX4 mavlink_receiver). Null = the vehicle's. */
  private localCommand(inst: MavlinkInstance, command: number, p: CommandParams): CommandResult | null {
    const accepted = { result: MAV_RESULT.ACCEPTED as common.MavResult };
    const denied = { result: MAV_RESULT.DENIED as common.MavResult };
    const timeUs = this.now();
    switch (command) {
      case MAV_CMD.REQUEST_AUTOPILOT_CAPABILITIES:
        inst.send(this.version);
        return accepted;
      case MAV_CMD.REQUEST_PROTOCOL_VERSION:
        inst.send(this.protocol);
        return accepted;
      case MAV_CMD.GET_HOME_POSITION:
        return inst.sendStreamOnce(common.HomePosition.MSG_ID, timeUs, this.model_.state(), this.model_.params) ? accepted : denied;
      case MAV_CMD.REQUEST_FLIGHT_INFORMATION:
        return inst.sendStreamOnce(common.FlightInformation.MSG_ID, timeUs, this.model_.state(), this.model_.params) ? accepted : denied;
      case MAV_CMD.SET_MESSAGE_INTERVAL: {
        const ok = inst.setInterval(Math.round(p[0]), p[1], timeUs);
        return ok ? accepted : { result: MAV_RESULT.FAILED as common.MavResult };
      }
      case MAV_CMD.GET_MESSAGE_INTERVAL:
        this.sendMessageInterval(inst, Math.round(p[0]));
        return accepted;
      case MAV_CMD.REQUEST_MESSAGE: {
        const id = Math.round(p[0]);
        if (id === AUTOPILOT_VERSION_ID) {
          inst.send(this.version);
          return accepted;
        }
        if (id === ProtocolVersion.MSG_ID) {
          inst.send(this.protocol);
          return accepted;
        }
        if (id === MESSAGE_INTERVAL_ID) {
          this.sendMessageInterval(inst, Math.round(p[1]));
          return accepted;
        }
        return inst.sendStreamOnce(id, timeUs, this.model_.state(), this.model_.params) ? accepted : denied;
      }
      case MAV_CMD.INJECT_FAILURE: {
        const params = this.model_.params;
        const enabled = params.has('SYS_FAILURE_EN') ? params.get('SYS_FAILURE_EN') !== 0 : true;
        return enabled ? null : denied;
      }
      default:
        return null;
    }
  }

  private sendMessageInterval(inst: MavlinkInstance, msgid: number): void {
    this.interval.messageId = msgid;
    this.interval.intervalUs = inst.getInterval(msgid);
    inst.send(this.interval);
  }

  private sendAck(inst: MavlinkInstance, m: Message, command: number, r: CommandResult): void {
    const a = this.ack;
    a.command = command as common.MavCmd;
    a.result = r.result;
    a.progress = r.progress ?? 0;
    a.resultParam2 = 0;
    a.targetSystem = m.sysid;
    a.targetComponent = m.compid;
    inst.send(a);
  }

  private onSetMode(m: Message<common.SetMode>): void {
    const d = m.data;
    if (d.targetSystem !== this.sysId) return;
    // PX4 turns SET_MODE into DO_SET_MODE without an ack.
    const main = (d.customMode >>> 16) & 0xff;
    const sub = (d.customMode >>> 24) & 0xff;
    this.guard(() =>
      this.model_.command(MAV_CMD.DO_SET_MODE, [d.baseMode, main, sub, 0, 0, 0, 0], { sysId: m.sysid, compId: m.compid }),
    );
  }

  private onSetPositionTarget(m: Message<common.SetPositionTargetLocalNed>): void {
    const d = m.data;
    if (d.targetSystem !== 0 && d.targetSystem !== this.sysId) return;
    if (d.targetComponent !== 0 && d.targetComponent !== 1) return;
    this.guard(() =>
      this.model_.setPositionTargetLocalNed({
        typeMask: d.typeMask as number,
        coordinateFrame: d.coordinateFrame as number,
        x: d.x, y: d.y, z: d.z,
        vx: d.vx, vy: d.vy, vz: d.vz,
        afx: d.afx, afy: d.afy, afz: d.afz,
        yaw: d.yaw, yawRate: d.yawRate,
      }),
    );
  }

  private onManualControl(m: Message<common.ManualControl>): void {
    const d = m.data;
    if (d.target !== this.sysId) return;
    this.guard(() => this.model_.manualControl({ x: d.x, y: d.y, z: d.z, r: d.r }));
  }

  private onTimesync(inst: MavlinkInstance, m: Message<common.TimeSync>): void {
    const d = m.data;
    // tc1 = 0: a request. Answer with our time (ns) and echo ts1 (PX4 timesync).
    if (BigInt(d.tc1) !== 0n) return;
    const t = this.timesync;
    t.tc1 = BigInt(Math.round(this.now() * 1000));
    t.ts1 = d.ts1;
    t.targetSystem = m.sysid;
    t.targetComponent = m.compid;
    inst.send(t);
    // A reply should not wait for the end of a slice: the client measures the round trip.
    inst.flush();
  }

  // ---- parameters --------------------------------------------------------------------------

  private forUs(targetSystem: number, targetComponent: number): boolean {
    return targetSystem === this.sysId && (targetComponent === 1 || targetComponent === 0);
  }

  private onParamRequestList(inst: MavlinkInstance, m: Message<common.ParamRequestList>): void {
    if (!this.forUs(m.data.targetSystem, m.data.targetComponent)) return;
    // A new request while one runs restarts without the hash (PX4).
    inst.paramListNext = inst.paramListNext === null ? -1 : 0;
  }

  private continueParamList(inst: MavlinkInstance): void {
    const params = this.model_.params;
    const list = params.list();
    let sent = 0;
    while (inst.paramListNext !== null && sent < PARAM_BURST) {
      const i = inst.paramListNext;
      if (i === -1) {
        sendParamValue(inst.outbox, this.paramValue, {
          name: HASH_CHECK, type: MAV_PARAM_TYPE.UINT32, value: paramHash(params), index: -1, count: params.count,
        });
      } else if (i < list.length) {
        this.sendParam(inst, list[i]!.name);
      }
      inst.link.counters.sent++;
      sent++;
      inst.paramListNext = i + 1 < list.length ? i + 1 : null;
    }
  }

  private sendParam(inst: MavlinkInstance, name: string): boolean {
    const params = this.model_.params;
    const info = params.info(name);
    if (!info) return false;
    sendParamValue(inst.outbox, this.paramValue, {
      name: info.name,
      type: mavParamType(info.type),
      value: params.get(name),
      index: params.indexOf(name),
      count: params.count,
    });
    return true;
  }

  private onParamRequestRead(inst: MavlinkInstance, m: Message<common.ParamRequestRead>): void {
    const d = m.data;
    if (!this.forUs(d.targetSystem, d.targetComponent)) return;
    const params = this.model_.params;
    if (d.paramIndex < 0) {
      const id = paramIdString(d.paramId);
      if (id === HASH_CHECK) {
        sendParamValue(inst.outbox, this.paramValue, {
          name: HASH_CHECK, type: MAV_PARAM_TYPE.UINT32, value: paramHash(params), index: -1, count: params.count,
        });
        inst.link.counters.sent++;
        return;
      }
      // Unknown name: PX4 sends nothing.
      if (this.sendParam(inst, id)) inst.link.counters.sent++;
      return;
    }
    const info = params.list()[d.paramIndex];
    if (info && this.sendParam(inst, info.name)) inst.link.counters.sent++;
  }

  private onParamSet(inst: MavlinkInstance, frame: Frame): void {
    const set = decodeParamSet(frame.payload);
    if (!this.forUs(set.targetSystem, set.targetComponent)) return;
    if (set.id === HASH_CHECK) {
      inst.paramListNext = null; // "stop sending": the GCS has the list cached
      return;
    }
    const params = this.model_.params;
    const info = params.info(set.id);
    // An unknown name: PX4 logs it on its own console and answers nothing.
    if (!info) return;
    // PX4 v1.16: the declared type must match the parameter's, else nothing is written or echoed.
    let value: number;
    if (info.type === 'INT32' && set.type === MAV_PARAM_TYPE.INT32) value = set.asInt32;
    else if (info.type === 'REAL32' && set.type === MAV_PARAM_TYPE.REAL32) value = set.asFloat32;
    else return;
    params.set(set.id, value);
    // PX4 echoes the stored value on this link at once; then every link, this one too, sends the
    // listed parameters that changed (MavlinkParametersManager::send_untransmitted), so the
    // setter hears it twice. An unlisted parameter is echoed only.
    if (this.sendParam(inst, set.id)) inst.link.counters.sent++;
    if (params.indexOf(set.id) < 0) return;
    for (const other of this.instances) {
      if (this.sendParam(other, set.id)) other.link.counters.sent++;
    }
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.onError(err);
    }
  }
}

function sameParams(a: CommandParams, b: CommandParams): boolean {
  for (let i = 0; i < 7; i++) {
    const x = a[i]!, y = b[i]!;
    if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) return false;
  }
  return true;
}
