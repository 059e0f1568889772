/**
 * The navigator's stored plans, as PX4 keeps them in dataman: one list each of mission items,
 * geofence items and rally points. The MAVLink mission transfer (`sitl/sim/mavlink/mission-transfer.ts`)
 * writes whole lists here once an upload completed; the navigator (mission, geofence, rally) reads
 * them and reports progress back (current item, items reached) for MISSION_CURRENT and
 * MISSION_ITEM_REACHED. Pure data: no MAVLink encoding, no clock.
 */

/** MAV_MISSION_TYPE values the store holds. */
export const MissionType = { MISSION: 0, FENCE: 1, RALLY: 2 } as const;
export type MissionType = (typeof MissionType)[keyof typeof MissionType];

/**
 * One stored item, as MISSION_ITEM_INT carries it: `x`/`y` are the int32 fields as sent (degE7 for
 * global frames, metres × 1e4 for local ones), `z` the float (metres; meaning per frame).
 */
export interface MissionItem {
  seq: number;
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

/** MISSION_STATE, as MISSION_CURRENT reports it. */
export const MissionState = { UNKNOWN: 0, NO_MISSION: 1, NOT_STARTED: 2, ACTIVE: 3, PAUSED: 4, COMPLETE: 5 } as const;
export type MissionState = (typeof MissionState)[keyof typeof MissionState];

export class MissionStore {
  private readonly lists: [MissionItem[], MissionItem[], MissionItem[]] = [[], [], []];
  private readonly ids: [number, number, number] = [0, 0, 0];
  private readonly reachedQueue: number[] = [];
  /** The mission item the navigator flies (or will fly first): MISSION_CURRENT.seq. */
  current = 0;
  /** Set by the navigator as the mission runs, pauses and finishes; reset to NOT_STARTED / NO_MISSION by a new upload. */
  state: MissionState = MissionState.NO_MISSION;

  items(type: MissionType): readonly MissionItem[] {
    return this.lists[type];
  }

  /** An opaque id per list that changes with every write (MISSION_CURRENT mission_id / fence_id / rally_points_id). */
  id(type: MissionType): number {
    return this.ids[type];
  }

  /** Replaces a whole list (a completed upload, or a clear with `[]`). A new mission starts at item 0. */
  replace(type: MissionType, items: readonly MissionItem[], id?: number): void {
    this.lists[type] = items.map((i) => ({ ...i }));
    this.ids[type] = id ?? (this.ids[type] + 1) >>> 0;
    if (type === MissionType.MISSION) {
      this.current = 0;
      this.state = items.length > 0 ? MissionState.NOT_STARTED : MissionState.NO_MISSION;
    }
  }

  /** MISSION_SET_CURRENT / DO_SET_MISSION_CURRENT: false when `seq` is not an item of the mission. */
  setCurrent(seq: number): boolean {
    if (!Number.isInteger(seq) || seq < 0 || seq >= this.lists[MissionType.MISSION].length) return false;
    this.current = seq;
    return true;
  }

  /** The navigator reached an item (MISSION_ITEM_REACHED goes out for each). */
  markReached(seq: number): void {
    this.reachedQueue.push(seq);
    if (this.reachedQueue.length > 1000) this.reachedQueue.shift(); // nobody draining: bounded
  }

  drainReached(): number[] {
    return this.reachedQueue.length === 0 ? [] : this.reachedQueue.splice(0, this.reachedQueue.length);
  }
}
