import { common } from 'node-mavlink';
import { hostNowMs } from '../clock/host.js';
import type { Link, Message } from '../mavlink/link.js';
import { MissionError } from './errors.js';
import type { Telemetry } from './telemetry.js';

/**
 * The MAVLink mission protocol, client side, for the three plan types PX4 stores (mission, geofence,
 * rally points): upload, download, clear, set current. The vehicle drives an upload (it requests
 * each item and re-requests one that did not come: PX4 every 250 ms); the client's own retries
 * cover what the vehicle cannot see: a lost MISSION_COUNT, a lost request, a lost final ACK (PX4
 * answers a repeated last item with the ACK again). Every refusal is a MissionError named by its
 * MAV_MISSION_RESULT.
 */

export type PlanType = 'mission' | 'fence' | 'rally';
const TYPE_NUMBER: Record<PlanType, number> = { mission: 0, fence: 1, rally: 2 };

/** One item as MISSION_ITEM_INT carries it (seq is its index): x/y int32 (degE7 in global frames), z metres. */
export interface WireItem {
  frame: number;
  command: number;
  autocontinue: boolean;
  param1: number;
  param2: number;
  param3: number;
  param4: number;
  x: number;
  y: number;
  z: number;
}

/** A finished mission, geofence or rally transfer. */
export interface TransferResult {
  /** Which plan: 'mission', 'fence' or 'rally'. */
  type: PlanType;
  /** Items transferred. */
  count: number;
  /** Host clock, first send to the final answer. */
  latencyMs: number;
  /** Messages the client sent again after a silence (0 on a clean link). */
  retransmits: number;
  /** Items the vehicle asked for more than once (it re-requests what it did not receive). */
  rerequests: number;
}

export interface MissionTransferOptions {
  targetSysId: number;
  /** Default 1 (the autopilot). */
  targetCompId?: number;
  /**
   * Silence (host clock) after which the client repeats its last message. Default 500 ms: well
   * under PX4's 5 s protocol timeout even at speed factor 4 (2 s of vehicle time).
   */
  perTryTimeoutMs?: number;
  /** Repeats of one message before the transfer fails with a timeout. Default 5. */
  tries?: number;
  /**
   * The vehicle's clock, read from its telemetry: a silence also ends after `perTryTimeoutMs` of
   * vehicle time, whichever clock gets there first. Under a speed-up PX4's own timeouts (250 ms
   * re-request, 5 s protocol timeout) run on that clock, so the client's must too.
   */
  telemetry?: Telemetry;
}

export function missionResultName(result: number): string {
  const n = (common.MavMissionResult as unknown as Record<number, string>)[result];
  return n ? `MAV_MISSION_${n}` : `MAV_MISSION_RESULT ${result}`;
}

type Step = { send: () => void; what: string };

export class MissionTransfer {
  private readonly sysId: number;
  private readonly compId: number;
  private readonly perTryMs: number;
  private readonly tries: number;
  private readonly telemetry: Telemetry | undefined;
  /** One transfer at a time per vehicle: PX4 keeps one transfer state per link and answers another as busy. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly link: Link,
    opts: MissionTransferOptions,
  ) {
    this.sysId = opts.targetSysId;
    this.compId = opts.targetCompId ?? 1;
    this.perTryMs = opts.perTryTimeoutMs ?? 500;
    this.tries = opts.tries ?? 5;
    this.telemetry = opts.telemetry;
  }

  /** Uploads a whole list (replacing the vehicle's); an empty list clears it, as MISSION_COUNT 0 does. */
  upload(type: PlanType, items: readonly WireItem[]): Promise<TransferResult> {
    return this.serial(() => this.doUpload(type, items));
  }

  /** Downloads the vehicle's list of a type. */
  download(type: PlanType): Promise<{ items: WireItem[] } & TransferResult> {
    return this.serial(() => this.doDownload(type));
  }

  /** MISSION_CLEAR_ALL for one type. */
  clear(type: PlanType): Promise<TransferResult> {
    return this.serial(() =>
      this.exchange(type, 'clear', (done, fail) => {
        const off = this.onAck(type, (ack) => (ack.type === 0 ? done() : fail(ack.type)));
        const msg = new common.MissionClearAll();
        Object.assign(msg, { targetSystem: this.sysId, targetComponent: this.compId, missionType: TYPE_NUMBER[type] });
        return { step: { send: () => this.link.send(msg), what: 'MISSION_ACK to MISSION_CLEAR_ALL' }, off };
      }, 0),
    );
  }

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private onAck(type: PlanType, cb: (ack: common.MissionAck) => void): () => void {
    return this.link.on(common.MissionAck, (m: Message<common.MissionAck>) => {
      if (!this.fromVehicle(m) || m.data.missionType !== TYPE_NUMBER[type]) return;
      cb(m.data);
    });
  }

  private fromVehicle(m: Message): boolean {
    return m.sysid === this.sysId && m.compid === this.compId;
  }

  /**
   * Runs one exchange: `start` installs listeners and returns the first step; any message that
   * advances the exchange calls `progress(step)` (resetting the silence timer); after `tries`
   * silences in a row the transfer fails.
   */
  private exchange<T>(
    type: PlanType,
    operation: 'upload' | 'download' | 'clear',
    start: (
      done: (value?: T) => void,
      fail: (result: number) => void,
      progress: (next: Step) => void,
      stats: { rerequests: number },
    ) => { step: Step; off: () => void },
    count: number,
  ): Promise<T & TransferResult> {
    const t0 = hostNowMs();
    const stats = { rerequests: 0 };
    let retransmits = 0;
    return new Promise<T & TransferResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      /** Vehicle time of the last send (null: unknown), for the vehicle-clock half of the silence. */
      let sentVehicleMs: number | null = null;
      const offClock = this.telemetry?.onUpdate(() => {
        const now = this.telemetry!.vehicleTimeMs;
        if (sentVehicleMs !== null && now !== null && now - sentVehicleMs >= this.perTryMs) silence();
      });
      let silences = 0;
      let step: Step;
      let finished = false;
      let off: () => void = () => {};
      const finish = (err: Error | null, value?: T) => {
        if (finished) return;
        finished = true;
        if (timer) clearTimeout(timer);
        offClock?.();
        off();
        if (err) reject(err);
        else resolve({ ...(value as T), type, count, latencyMs: hostNowMs() - t0, retransmits, rerequests: stats.rerequests });
      };
      const silence = () => {
        if (finished) return;
        if (++silences >= this.tries) {
          finish(new MissionError(operation, type, 'TIMEOUT', `no answer after ${this.tries} tries of ${this.perTryMs} ms (either clock) waiting for ${step.what} on ${this.link.name}`));
          return;
        }
        retransmits++;
        step.send();
        arm();
      };
      const arm = () => {
        if (timer) clearTimeout(timer);
        sentVehicleMs = this.telemetry?.vehicleTimeMs ?? null;
        timer = setTimeout(silence, this.perTryMs);
      };
      const progress = (next: Step) => {
        silences = 0;
        step = next;
        next.send();
        arm();
      };
      const r = start(
        (v) => finish(null, v),
        (result) => finish(new MissionError(operation, type, missionResultName(result))),
        progress,
        stats,
      );
      off = r.off;
      const lost = this.link.onLost((e) => finish(new MissionError(operation, type, 'LINK_LOST', e.message)));
      const offStart = off;
      off = () => {
        offStart();
        lost();
      };
      if (!finished) progress(r.step);
    });
  }

  private doUpload(type: PlanType, items: readonly WireItem[]): Promise<TransferResult> {
    const mt = TYPE_NUMBER[type];
    const count = new common.MissionCount();
    Object.assign(count, { targetSystem: this.sysId, targetComponent: this.compId, count: items.length, missionType: mt, opaqueId: 0 });
    const itemMsg = (seq: number): common.MissionItemInt => {
      const it = items[seq]!;
      const m = new common.MissionItemInt();
      Object.assign(m, {
        targetSystem: this.sysId, targetComponent: this.compId, seq, frame: it.frame, command: it.command,
        current: seq === 0 && type === 'mission' ? 1 : 0, autocontinue: it.autocontinue ? 1 : 0,
        param1: it.param1, param2: it.param2, param3: it.param3, param4: it.param4,
        x: Math.round(it.x), y: Math.round(it.y), z: it.z, missionType: mt,
      });
      return m;
    };
    return this.exchange<object>(type, 'upload', (done, fail, progress, stats) => {
      const asked = new Set<number>();
      const onRequest = (m: Message<common.MissionRequestInt | common.MissionRequest>) => {
        const d = m.data;
        if (!this.fromVehicle(m) || d.missionType !== mt) return;
        if (d.seq >= items.length) return; // not ours to answer (a request of an earlier, longer transfer)
        if (asked.has(d.seq)) stats.rerequests++;
        asked.add(d.seq);
        const msg = itemMsg(d.seq);
        progress({ send: () => this.link.send(msg), what: d.seq === items.length - 1 ? 'MISSION_ACK after the last item' : `MISSION_REQUEST_INT ${d.seq + 1}` });
      };
      const offs = [
        this.link.on(common.MissionRequestInt, onRequest),
        this.link.on(common.MissionRequest, onRequest),
        this.onAck(type, (ack) => {
          // An ACK before the vehicle asked for every item refuses the upload (or is a stale one of an earlier transfer).
          if (ack.type === 0 && (asked.size >= items.length || items.length === 0)) done();
          else if (ack.type !== 0) fail(ack.type);
        }),
      ];
      return {
        step: { send: () => this.link.send(count), what: items.length === 0 ? 'MISSION_ACK to MISSION_COUNT 0' : 'MISSION_REQUEST_INT 0' },
        off: () => offs.forEach((o) => o()),
      };
    }, items.length);
  }

  private async doDownload(type: PlanType): Promise<{ items: WireItem[] } & TransferResult> {
    const mt = TYPE_NUMBER[type];
    const list = new common.MissionRequestList();
    Object.assign(list, { targetSystem: this.sysId, targetComponent: this.compId, missionType: mt });
    const request = (seq: number) => {
      const m = new common.MissionRequestInt();
      Object.assign(m, { targetSystem: this.sysId, targetComponent: this.compId, seq, missionType: mt });
      return m;
    };
    const ack = () => {
      const m = new common.MissionAck();
      Object.assign(m, { targetSystem: this.sysId, targetComponent: this.compId, type: 0, missionType: mt, opaqueId: 0 });
      return m;
    };
    let total = -1;
    const r = await this.exchange<{ items: WireItem[] }>(type, 'download', (done, fail, progress) => {
      const items: WireItem[] = [];
      const ask = (seq: number) => {
        const m = request(seq);
        progress({ send: () => this.link.send(m), what: `MISSION_ITEM_INT ${seq}` });
      };
      const offs = [
        this.link.on(common.MissionCount, (m: Message<common.MissionCount>) => {
          if (!this.fromVehicle(m) || m.data.missionType !== mt || total >= 0) return;
          total = m.data.count;
          if (total === 0) {
            // Acknowledged as MAVSDK does: PX4 otherwise stays in its send-list state for its 5 s
            // protocol timeout and refuses an upload on this link meanwhile ("Busy").
            this.link.send(ack());
            done({ items });
          }
          else ask(0);
        }),
        this.link.on(common.MissionItemInt, (m: Message<common.MissionItemInt>) => {
          const d = m.data;
          if (!this.fromVehicle(m) || d.missionType !== mt || d.seq !== items.length) return;
          items.push({
            frame: d.frame, command: d.command, autocontinue: d.autocontinue !== 0,
            param1: d.param1, param2: d.param2, param3: d.param3, param4: d.param4, x: d.x, y: d.y, z: d.z,
          });
          if (items.length < total) ask(items.length);
          else {
            this.link.send(ack());
            done({ items });
          }
        }),
        this.onAck(type, (a) => {
          if (a.type !== 0) fail(a.type);
        }),
      ];
      return { step: { send: () => this.link.send(list), what: 'MISSION_COUNT' }, off: () => offs.forEach((o) => o()) };
    }, 0);
    return { ...r, count: r.items.length };
  }
}
