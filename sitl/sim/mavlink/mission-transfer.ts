/**
 * The mission protocol on one link, as PX4 v1.16's MavlinkMissionManager (mavlink_mission.cpp)
 * answers it: upload (MISSION_COUNT → MISSION_REQUEST(_INT) → MISSION_ITEM(_INT) → MISSION_ACK),
 * download, clear, set current, MISSION_CURRENT at 1 Hz and MISSION_ITEM_REACHED. One instance per
 * link, as PX4 keeps one per mavlink instance; what PX4 keeps in statics (an upload in progress on
 * any link, the current seq it last saw) is shared between them. Timeouts run on the vehicle clock
 * (PX4's hrt, simulated time under lockstep).
 */
import { common } from 'node-mavlink';
import type { MavLinkData } from 'node-mavlink';
import type { Message } from '../../../src/mavlink/link.js';
import { MissionType, type MissionItem, type MissionStore } from '../model/mission-store.js';
import type { StatusText } from '../model/types.js';
import { MAV_MISSION, crcForItem, fitsList, parseItem, toFloatWire, type WireItem } from './mission-items.js';
import type { MavlinkInstance } from './instance.js';

/** MAVLINK_MISSION_RETRY_TIMEOUT_DEFAULT: an item not received within this is asked for again (µs). */
export const MISSION_RETRY_TIMEOUT_US = 250_000;
/** MAVLINK_MISSION_PROTOCOL_TIMEOUT_DEFAULT: a transfer with nothing received for this long is abandoned (µs). */
export const MISSION_PROTOCOL_TIMEOUT_US = 5_000_000;
/** MISSION_CURRENT (and the reached item again) at 1 Hz: PX4's _slow_rate_limiter. */
const SLOW_RATE_US = 1_000_000;
/** How often the last reached item is repeated at that rate. */
const REACHED_REPEATS = 10;

/** Items a list holds at most (dataman: CONFIG_NUM_MISSION_ITMES_SUPPORTED on SITL, fence and safe points). */
export const MAX_COUNT: readonly number[] = [10000, 64, 32];

const MAV_COMP_ID_MISSIONPLANNER = 190;
const MAV_MISSION_TYPE_ALL = 255;
const UINT16_MAX = 65535;
const SEVERITY = { CRITICAL: 2, INFO: 6 } as const;

type State = 'idle' | 'sendlist' | 'getlist';

/** What PX4 keeps once for all links (MavlinkMissionManager's statics). */
export interface MissionShared {
  /** An upload is under way on some link (_transfer_in_progress). */
  transferInProgress: boolean;
  /** The navigator's current item as last seen (_current_seq): whichever link sees a change first announces it. */
  currentSeq: number;
}

export function missionShared(): MissionShared {
  return { transferInProgress: false, currentSeq: 0 };
}

export interface MissionHost {
  readonly sysId: number;
  /** Vehicle time, µs. */
  now(): number;
  /** The model's stored lists (changes with a vehicle reset). */
  store(): MissionStore;
  /** PX4's mavlink_log: a STATUSTEXT for every link. */
  statusText(text: StatusText): void;
}

export class MissionTransfer {
  private state: State = 'idle';
  private missionType = 0;
  private intMode = false;
  private timeLastRecv = 0;
  private timeLastSent = 0;
  private transferCount = 0;
  private transferSeq = 0;
  private transferCrc = 0;
  private transferCurrentSeq = -1;
  private transferItems: MissionItem[] = [];
  private partnerSys = 0;
  private partnerComp = 0;
  private lastReached = -1;
  private reachedSentCount = 0;
  private slowLastUs = 0;

  private readonly ack = new common.MissionAck();
  private readonly count = new common.MissionCount();
  private readonly requestInt = new common.MissionRequestInt();
  private readonly request = new common.MissionRequest();
  private readonly itemInt = new common.MissionItemInt();
  private readonly itemFloat = new common.MissionItem();
  private readonly current = new common.MissionCurrent();
  private readonly reached = new common.MissionItemReached();

  constructor(
    private readonly inst: MavlinkInstance,
    private readonly host: MissionHost,
    private readonly shared: MissionShared,
  ) {}

  /** The mission messages this handles (PX4's handle_message). */
  static readonly MESSAGES: readonly { MSG_ID: number; new (): MavLinkData }[] = [
    common.MissionAck, common.MissionSetCurrent, common.MissionRequestList, common.MissionRequest,
    common.MissionRequestInt, common.MissionCount, common.MissionItem, common.MissionItemInt, common.MissionClearAll,
  ];

  handle(m: Message): void {
    switch (m.name) {
      case 'MISSION_ACK': return this.onAck(m as Message<common.MissionAck>);
      case 'MISSION_SET_CURRENT': return this.onSetCurrent(m as Message<common.MissionSetCurrent>);
      case 'MISSION_REQUEST_LIST': return this.onRequestList(m as Message<common.MissionRequestList>);
      case 'MISSION_REQUEST':
        this.intMode = false; // asked in the old float mode: answer in it
        return this.onRequest(m as Message<common.MissionRequest>);
      case 'MISSION_REQUEST_INT':
        this.intMode = true;
        return this.onRequest(m as Message<common.MissionRequestInt>);
      case 'MISSION_COUNT': return this.onCount(m as Message<common.MissionCount>);
      case 'MISSION_ITEM':
        this.intMode = false;
        return this.onItem(m as Message<common.MissionItem>);
      case 'MISSION_ITEM_INT':
        this.intMode = true;
        return this.onItem(m as Message<common.MissionItemInt>);
      case 'MISSION_CLEAR_ALL': return this.onClearAll(m as Message<common.MissionClearAll>);
      default: return;
    }
  }

  /**
   * PX4's send(), run every slice: the current item when it changed (else at 1 Hz), items reached,
   * then the retry and protocol timeouts. `reached`: items the navigator reached since the last slice.
   */
  update(timeUs: number, reached: readonly number[]): void {
    const store = this.host.store();
    const total = store.items(MissionType.MISSION).length;
    let changed = false;
    if (store.current !== this.shared.currentSeq) {
      this.shared.currentSeq = store.current;
      changed = true;
      if (total > 0 && store.current < total) this.sendCurrent(store);
    }
    if (reached.length > 0) {
      changed = true;
      for (const seq of reached) {
        this.lastReached = seq;
        this.reachedSentCount = 0;
        if (total > 0 && seq >= 0) this.sendReached(seq);
      }
    }
    if (!changed && timeUs - this.slowLastUs >= SLOW_RATE_US) {
      this.slowLastUs = timeUs;
      this.sendCurrent(store);
      if (total > 0 && this.shared.currentSeq >= 0 && this.lastReached >= 0 && this.reachedSentCount < REACHED_REPEATS) {
        this.sendReached(this.lastReached);
        this.reachedSentCount++;
      }
    }

    if (this.state === 'getlist' && this.timeLastSent > 0 && timeUs - this.timeLastSent > MISSION_RETRY_TIMEOUT_US) {
      this.sendRequest(this.partnerSys, this.partnerComp, this.transferSeq);
    } else if (this.state !== 'idle' && this.timeLastRecv > 0 && timeUs - this.timeLastRecv > MISSION_PROTOCOL_TIMEOUT_US) {
      this.critical('Operation timeout\t');
      this.state = 'idle';
      this.shared.transferInProgress = false;
    } else if (this.state === 'idle') {
      this.timeLastSent = 0;
      this.timeLastRecv = 0;
    }
  }

  // ---- incoming ---------------------------------------------------------------------------

  /** CHECK_SYSID_COMPID_MISSION: ours, our component, the mission planner's or all. */
  private forUs(targetSystem: number, targetComponent: number): boolean {
    return targetSystem === this.host.sysId &&
      (targetComponent === 1 || targetComponent === MAV_COMP_ID_MISSIONPLANNER || targetComponent === 0);
  }

  private fromPartner(m: Message): boolean {
    return m.sysid === this.partnerSys && m.compid === this.partnerComp;
  }

  private onAck(m: Message<common.MissionAck>): void {
    const d = m.data;
    if (!this.forUs(d.targetSystem, d.targetComponent)) return;
    if (!this.fromPartner(m)) {
      this.critical('REJ. WP CMD: partner id mismatch\t');
      return;
    }
    const type = d.type as number;
    if (this.state === 'sendlist' && this.missionType === (d.missionType as number)) {
      this.timeLastRecv = this.host.now();
      this.state = 'idle';
    } else if (this.state === 'getlist') {
      if (type === MAV_MISSION.UNSUPPORTED) {
        // The partner does not take this encoding: ask again in the other.
        this.intMode = !this.intMode;
        this.sendRequest(this.partnerSys, this.partnerComp, this.transferSeq);
      } else if (type === MAV_MISSION.OPERATION_CANCELLED) {
        this.state = 'idle';
        this.shared.transferInProgress = false;
      }
    }
  }

  private onSetCurrent(m: Message<common.MissionSetCurrent>): void {
    const d = m.data;
    if (!this.forUs(d.targetSystem, d.targetComponent)) return;
    if (this.state !== 'idle') {
      this.critical('WPM: IGN WP CURR CMD: Busy\t');
      return;
    }
    this.timeLastRecv = this.host.now();
    // No answer of its own: the navigator takes the new item, and the next 1 Hz MISSION_CURRENT
    // says so (PX4 takes the seq as its own at once, so the navigator's report is no change).
    if (this.host.store().setCurrent(d.seq)) this.shared.currentSeq = d.seq;
    else this.critical('WPM: WP CURR CMD: Not in list\t');
  }

  private onRequestList(m: Message<common.MissionRequestList>): void {
    const d = m.data;
    if (!this.forUs(d.targetSystem, d.targetComponent)) return;
    const type = d.missionType as number;
    // Everything sent but no ACK (a quick reconnect): a new list request may start over.
    if (this.transferSeq === this.itemCount(this.missionType)) this.state = 'idle';
    const again = this.state === 'sendlist' && this.missionType === type && this.fromPartner(m);
    if (this.state !== 'idle' && !again) {
      this.statusText(SEVERITY.INFO, 'Mission download request ignored, already active\t');
      return;
    }
    this.timeLastRecv = this.host.now();
    this.state = 'sendlist';
    this.missionType = type;
    this.transferSeq = 0;
    this.transferCount = this.itemCount(type);
    this.partnerSys = m.sysid;
    this.partnerComp = m.compid;
    this.sendCount(m.sysid, m.compid, this.transferCount, type, this.listId(type));
  }

  private onRequest(m: Message<common.MissionRequest | common.MissionRequestInt>): void {
    const d = m.data;
    if (!this.forUs(d.targetSystem, d.targetComponent)) return;
    if (!this.fromPartner(m)) {
      this.critical('WPM: REJ. CMD: partner id mismatch\t');
      return;
    }
    if (this.state === 'idle') return; // ignored without a word (PX4: some OSDs get the protocol wrong)
    if (this.state === 'getlist') {
      this.critical('WPM: REJ. CMD: Busy\t');
      return;
    }
    if ((d.missionType as number) !== this.missionType) return;
    this.timeLastRecv = this.host.now();
    if (d.seq === this.transferSeq && this.transferSeq < this.transferCount) {
      this.transferSeq++;
    } else if (d.seq !== this.transferSeq - 1) {
      this.abortDownload();
      return;
    }
    // The list may have changed meanwhile (an upload on another link).
    if (d.seq < this.itemCount(this.missionType)) this.sendItem(this.partnerSys, this.partnerComp, d.seq);
    else this.abortDownload();
  }

  private abortDownload(): void {
    this.state = 'idle';
    this.sendAck(this.partnerSys, this.partnerComp, MAV_MISSION.ERROR);
    this.critical('WPM: REJ. CMD: Req. WP was unexpected\t');
  }

  private onCount(m: Message<common.MissionCount>): void {
    const d = m.data;
    if (!this.forUs(d.targetSystem, d.targetComponent)) return;
    if (this.state === 'getlist') {
      this.timeLastRecv = this.host.now();
      if (!this.fromPartner(m)) {
        this.sendAck(m.sysid, m.compid, MAV_MISSION.ERROR);
        return;
      }
      if (this.transferSeq !== 0) {
        this.critical('WPM: REJ. CMD: Busy\t');
        this.sendAck(this.partnerSys, this.partnerComp, MAV_MISSION.ERROR);
        return;
      }
      // Our first request was lost: ask again.
      this.sendRequest(this.partnerSys, this.partnerComp, this.transferSeq);
      return;
    }
    if (this.state !== 'idle') {
      this.critical('WPM: IGN MISSION_COUNT: Busy\t');
      this.sendAck(m.sysid, m.compid, MAV_MISSION.ERROR);
      return;
    }
    this.timeLastRecv = this.host.now();
    if (this.shared.transferInProgress) {
      // An upload on another link: this one answers with its own last mission type, as PX4 does.
      this.sendAck(m.sysid, m.compid, MAV_MISSION.ERROR);
      return;
    }
    this.shared.transferInProgress = true;
    this.partnerSys = m.sysid;
    this.partnerComp = m.compid;
    this.missionType = d.missionType as number;
    this.transferCrc = 0;
    if (d.count > (MAX_COUNT[this.missionType] ?? 0)) {
      this.sendAck(this.partnerSys, this.partnerComp, MAV_MISSION.NO_SPACE);
      this.shared.transferInProgress = false;
      return;
    }
    if (d.count === 0) {
      if (this.missionType <= MissionType.RALLY) this.host.store().replace(this.missionType as MissionType, [], 0);
      this.sendAck(this.partnerSys, this.partnerComp, MAV_MISSION.ACCEPTED);
      this.shared.transferInProgress = false;
      return;
    }
    this.state = 'getlist';
    this.transferSeq = 0;
    this.transferCount = d.count;
    this.transferCurrentSeq = -1;
    this.transferItems = [];
    this.sendRequest(this.partnerSys, this.partnerComp, this.transferSeq);
  }

  private onItem(m: Message<common.MissionItem | common.MissionItemInt>): void {
    const d = m.data;
    if (!this.forUs(d.targetSystem, d.targetComponent)) return;
    if (!this.fromPartner(m)) {
      this.critical('REJ. MIS ITEM: partner id mismatch\t');
      return;
    }
    if ((d.missionType as number) !== this.missionType) {
      this.sendAck(this.partnerSys, this.partnerComp, MAV_MISSION.ERROR);
      return;
    }
    if (this.state === 'idle') {
      if (this.transferSeq === d.seq + 1) {
        // The last item again: our ACK was lost, acknowledge once more.
        this.sendAck(this.partnerSys, this.partnerComp, MAV_MISSION.ACCEPTED, this.transferCrc);
      } else {
        this.critical('IGN MISSION_ITEM: No transfer\t');
        this.sendAck(this.partnerSys, this.partnerComp, MAV_MISSION.ERROR);
      }
      return;
    }
    if (this.state !== 'getlist') {
      this.critical('IGN MISSION_ITEM: Busy\t');
      this.sendAck(this.partnerSys, this.partnerComp, MAV_MISSION.ERROR);
      return;
    }
    this.timeLastRecv = this.host.now();
    if (d.seq !== this.transferSeq) return; // out of sequence: ignored, the retry asks for the right one

    const wire = d as unknown as WireItem;
    const parsed = parseItem(wire, this.intMode, this.missionType);
    if (typeof parsed === 'number') {
      this.critical('IGN MISSION_ITEM: Invalid item\t');
      this.failUpload(parsed);
      return;
    }
    this.transferCrc = crcForItem(wire, this.intMode, this.transferCrc);
    if (!fitsList(parsed, this.missionType)) {
      this.failUpload(MAV_MISSION.ERROR);
      return;
    }
    if (d.current && this.missionType === MissionType.MISSION) this.transferCurrentSeq = d.seq;
    this.transferItems[d.seq] = parsed;
    this.transferSeq = d.seq + 1;
    if (this.transferSeq < this.transferCount) {
      this.sendRequest(this.partnerSys, this.partnerComp, this.transferSeq);
      return;
    }
    this.complete();
  }

  private failUpload(result: number): void {
    this.sendAck(this.partnerSys, this.partnerComp, result);
    this.state = 'idle';
    this.shared.transferInProgress = false;
  }

  /** Every item in: the list replaces the stored one, unless it is the same list (same CRC) again. */
  private complete(): void {
    const store = this.host.store();
    const type = this.missionType as MissionType;
    if (this.transferCrc !== store.id(type)) {
      const previous = store.current;
      store.replace(type, this.transferItems.slice(0, this.transferCount), this.transferCrc);
      if (type === MissionType.MISSION) {
        // The item marked current, else the navigator keeps the one it had, within the new list
        // (MissionBase::updateMavlinkMission). PX4's own copy reads -1 until the navigator reports.
        const n = this.transferCount;
        store.setCurrent(this.transferCurrentSeq >= 0 ? this.transferCurrentSeq : Math.min(Math.max(previous, 0), n - 1));
        this.shared.currentSeq = this.transferCurrentSeq;
      }
    }
    this.transferItems = [];
    this.state = 'idle';
    this.sendAck(this.partnerSys, this.partnerComp, MAV_MISSION.ACCEPTED, this.transferCrc);
    this.shared.transferInProgress = false;
  }

  private onClearAll(m: Message<common.MissionClearAll>): void {
    const d = m.data;
    if (!this.forUs(d.targetSystem, d.targetComponent)) return;
    if (this.state !== 'idle') {
      this.critical('WPM: IGN CLEAR CMD: Busy\t');
      return;
    }
    this.timeLastRecv = this.host.now();
    this.missionType = d.missionType as number; // for the ACK
    const store = this.host.store();
    const type = d.missionType as number;
    if (type <= MissionType.RALLY) store.replace(type as MissionType, [], 0);
    else if (type === MAV_MISSION_TYPE_ALL) {
      for (const t of [MissionType.MISSION, MissionType.FENCE, MissionType.RALLY]) store.replace(t, [], 0);
    }
    this.sendAck(m.sysid, m.compid, MAV_MISSION.ACCEPTED);
  }

  // ---- outgoing ---------------------------------------------------------------------------

  private itemCount(type: number): number {
    return type <= MissionType.RALLY ? this.host.store().items(type as MissionType).length : 0;
  }

  private listId(type: number): number {
    return type <= MissionType.RALLY ? this.host.store().id(type as MissionType) : 0;
  }

  private sendAck(sys: number, comp: number, result: number, opaqueId = 0): void {
    const a = this.ack;
    a.targetSystem = sys;
    a.targetComponent = comp;
    a.type = result as common.MavMissionResult;
    a.missionType = this.missionType as common.MavMissionType;
    a.opaqueId = opaqueId >>> 0;
    this.inst.send(a);
  }

  private sendCount(sys: number, comp: number, n: number, type: number, opaqueId: number): void {
    this.timeLastSent = this.host.now();
    const c = this.count;
    c.targetSystem = sys;
    c.targetComponent = comp;
    c.count = n;
    c.missionType = type as common.MavMissionType;
    c.opaqueId = opaqueId >>> 0;
    this.inst.send(c);
  }

  private sendRequest(sys: number, comp: number, seq: number): void {
    if (seq >= (MAX_COUNT[this.missionType] ?? 0)) {
      this.critical('ERROR: Waypoint index exceeds list capacity\t');
      return;
    }
    this.timeLastSent = this.host.now();
    const r = this.intMode ? this.requestInt : this.request;
    r.targetSystem = sys;
    r.targetComponent = comp;
    r.seq = seq;
    r.missionType = this.missionType as common.MavMissionType;
    this.inst.send(r);
  }

  private sendItem(sys: number, comp: number, seq: number): void {
    const store = this.host.store();
    const item = store.items(this.missionType as MissionType)[seq];
    if (!item) {
      this.sendAck(sys, comp, MAV_MISSION.ERROR);
      return;
    }
    this.timeLastSent = this.host.now();
    const w = this.intMode ? this.itemInt : this.itemFloat;
    w.targetSystem = sys;
    w.targetComponent = comp;
    w.seq = seq;
    w.command = item.command as common.MavCmd;
    // PX4 marks the mission's current seq in whatever list it sends (a fence's item 0 too).
    w.current = store.current === seq ? 1 : 0;
    w.autocontinue = item.autocontinue ? 1 : 0;
    w.param1 = item.param1;
    w.param2 = item.param2;
    w.param3 = item.param3;
    w.param4 = item.param4;
    w.z = item.z;
    w.missionType = this.missionType as common.MavMissionType;
    if (this.intMode) {
      w.frame = item.frame as common.MavFrame;
      w.x = item.x;
      w.y = item.y;
    } else {
      const f = toFloatWire(item);
      w.frame = f.frame as common.MavFrame;
      w.x = f.x;
      w.y = f.y;
    }
    this.inst.send(w);
  }

  /** MISSION_CURRENT as PX4 v1.16 fills it: seq, total (UINT16_MAX without a mission) and the three list ids; mission_state and mission_mode stay 0. */
  private sendCurrent(store: MissionStore): void {
    const c = this.current;
    const total = store.items(MissionType.MISSION).length;
    c.seq = this.shared.currentSeq & 0xffff;
    c.total = total > 0 ? total : UINT16_MAX;
    c.missionState = 0 as common.MissionState;
    c.missionMode = 0;
    c.missionId = store.id(MissionType.MISSION) >>> 0;
    c.fenceId = store.id(MissionType.FENCE) >>> 0;
    c.rallyPointsId = store.id(MissionType.RALLY) >>> 0;
    this.inst.send(c);
  }

  private sendReached(seq: number): void {
    this.reached.seq = seq & 0xffff;
    this.inst.send(this.reached);
  }

  private critical(text: string): void {
    this.statusText(SEVERITY.CRITICAL, text);
  }

  private statusText(severity: number, text: string): void {
    this.host.statusText({ severity, text, source: 'statustext' });
  }
}
