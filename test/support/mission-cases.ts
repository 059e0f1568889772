/**
 * The mission protocol as PX4 v1.16 answers it (mavlink_mission.cpp), one table run in order on
 * one fresh link against the simulator (test/sim/mission-transfer.test.ts) and against real PX4
 * (test/native/real-px4-mission.test.ts). Each case starts and ends with no transfer in progress;
 * the order matters where PX4 keeps state per link (its int/float mode, the last transfer's seq).
 * `expect` holds, per step, what the vehicle answered (see runSteps): the answers real PX4 gave.
 */
import {
  FENCE, MISSION, RALLY, missionAck, missionClearAll, missionCount, missionItemInt, missionRequest,
  missionRequestInt, missionRequestList, missionSetCurrent, type ItemSpec, type Step,
} from './mission-protocol.js';
import { commandLong } from '../sim/helpers.js';

export interface MissionCase {
  name: string;
  steps: Step[];
  expect: string[][];
}

const WRONG_SYS = 99;
const count = (n: number, type = MISSION, comp = 1): Step => ({ send: (s) => [missionCount(s, n, type, comp)] });
const item = (seq: number, o: Partial<ItemSpec> = {}): Step => ({ send: (s) => [missionItemInt(s, { seq, ...o })] });
const one = (o: Partial<ItemSpec>, type = MISSION): Step[] => [count(1, type), item(0, { ...o, missionType: type })];

const INVALID_ITEM = 'text IGN MISSION_ITEM: Invalid item\t';
const BUSY = 'text WPM: REJ. CMD: Busy\t';

export const MISSION_CASES: MissionCase[] = [
  {
    name: 'a fresh link is asked with the legacy MISSION_REQUEST first; an item_int answer switches it to int',
    steps: [count(2), item(0, { param1: 1.5, param2: 2, param3: 5, param4: 90 }), item(1, { current: 1 })],
    expect: [['request 0 type=0'], ['request_int 1 type=0'], ['ack ACCEPTED type=0']],
  },
  {
    name: 'download with MISSION_REQUEST_INT',
    steps: [
      { send: (s) => [missionRequestList(s, MISSION)] },
      { send: (s) => [missionRequestInt(s, 0)] },
      { send: (s) => [missionRequestInt(s, 1)] },
      { send: (s) => [missionAck(s, 0)] },
    ],
    expect: [['count 2 type=0'], ['item_int 0 type=0'], ['item_int 1 type=0'], []],
  },
  {
    name: 'download with the legacy MISSION_REQUEST is answered with MISSION_ITEM, and the link stays in float mode',
    steps: [
      { send: (s) => [missionRequestList(s, MISSION)] },
      { send: (s) => [missionRequest(s, 0)] },
      { send: (s) => [missionRequest(s, 1)] },
      { send: (s) => [missionAck(s, 0)] },
      ...one({}),
    ],
    expect: [['count 2 type=0'], ['item 0 type=0'], ['item 1 type=0'], [], ['request 0 type=0'], ['ack ACCEPTED type=0']],
  },
  {
    name: 'MISSION_SET_CURRENT outside the mission is refused with a STATUSTEXT only',
    steps: [{ send: (s) => [missionSetCurrent(s, 7)] }],
    expect: [['text WPM: WP CURR CMD: Not in list\t']],
  },
  {
    name: 'MAV_CMD_DO_SET_MISSION_CURRENT is not handled by PX4 v1.16',
    steps: [{ send: (s) => [commandLong(224, [0], { system: s })] }],
    expect: [['command_ack 224 UNSUPPORTED']],
  },
  { name: 'unsupported command', steps: one({ command: 31000 }), expect: [['request_int 0 type=0'], ['ack UNSUPPORTED type=0', INVALID_ITEM]] },
  { name: 'unsupported frame (LOCAL_NED)', steps: one({ frame: 1 }), expect: [['request_int 0 type=0'], ['ack UNSUPPORTED_FRAME type=0', INVALID_ITEM]] },
  { name: 'a navigation command in frame MISSION', steps: one({ frame: 2 }), expect: [['request_int 0 type=0'], ['ack UNSUPPORTED type=0', INVALID_ITEM]] },
  { name: 'DO_SET_ROI with an unknown ROI mode', steps: one({ command: 201, param1: 4 }), expect: [['request_int 0 type=0'], ['ack INVALID_PARAM1 type=0', INVALID_ITEM]] },
  { name: 'latitude out of range', steps: one({ x: 910000000 }), expect: [['request_int 0 type=0'], ['ack ACCEPTED type=0']] },
  { name: 'longitude out of range', steps: one({ y: 1810000000 }), expect: [['request_int 0 type=0'], ['ack ACCEPTED type=0']] },
  { name: 'NaN param1 (hold time)', steps: one({ param1: NaN }), expect: [['request_int 0 type=0'], ['ack ACCEPTED type=0']] },
  { name: 'NaN param4 (yaw)', steps: one({ param4: NaN }), expect: [['request_int 0 type=0'], ['ack ACCEPTED type=0']] },
  { name: 'NaN altitude', steps: one({ z: NaN }), expect: [['request_int 0 type=0'], ['ack ACCEPTED type=0']] },
  { name: 'a geofence item in a mission', steps: one({ command: 5001, param1: 3 }), expect: [['request_int 0 type=0'], ['ack ERROR type=0']] },
  { name: 'a fence polygon of 2 vertices', steps: one({ command: 5001, param1: 2 }, FENCE), expect: [['request_int 0 type=1'], ['ack ERROR type=1']] },
  { name: 'a waypoint in the geofence', steps: one({ command: 16 }, FENCE), expect: [['request_int 0 type=1'], ['ack ACCEPTED type=1']] },
  { name: 'a waypoint among rally points', steps: one({ command: 16 }, RALLY), expect: [['request_int 0 type=2'], ['ack ACCEPTED type=2']] },
  { name: 'too many mission items', steps: [count(10001)], expect: [['ack NO_SPACE type=0']] },
  { name: 'too many fence items', steps: [count(65, FENCE)], expect: [['ack NO_SPACE type=1']] },
  { name: 'too many rally points', steps: [count(33, RALLY)], expect: [['ack NO_SPACE type=2']] },
  {
    name: 'an item out of sequence is ignored and the expected one asked for again; a repeated item too',
    steps: [count(2), item(1), item(0), item(0), item(1)],
    expect: [['request_int 0 type=0'], ['request_int 0 type=0'], ['request_int 1 type=0'], ['request_int 1 type=0'], ['ack ACCEPTED type=0']],
  },
  {
    name: 'an item of another mission type is refused, the transfer goes on',
    steps: [count(2), item(0, { missionType: RALLY }), item(0), item(1)],
    expect: [['request_int 0 type=0'], ['ack ERROR type=0', 'request_int 0 type=0'], ['request_int 1 type=0'], ['ack ACCEPTED type=0']],
  },
  {
    name: 'messages for another system or component are ignored',
    steps: [
      { send: () => [missionCount(WRONG_SYS, 2)] },
      count(2, MISSION, 5),
      { send: () => [missionRequestList(WRONG_SYS, MISSION)] },
      { send: () => [missionClearAll(WRONG_SYS, MISSION)] },
      { send: () => [missionSetCurrent(WRONG_SYS, 0)] },
    ],
    expect: [[], [], [], [], []],
  },
  {
    name: 'target component 190 (mission planner) and 0 (all) are ours',
    steps: [count(1, RALLY, 190), item(0, { command: 5100, missionType: RALLY }), count(0, RALLY, 0)],
    expect: [['request_int 0 type=2'], ['ack ACCEPTED type=2'], ['ack ACCEPTED type=2']],
  },
  {
    name: 'a second upload while one is in progress',
    steps: [
      count(3),
      count(3),
      item(0),
      count(5),
      count(2, FENCE),
      { send: (s) => [missionClearAll(s, MISSION)] },
      { send: (s) => [missionSetCurrent(s, 0)] },
      { ...count(2), asComp: 191 },
      { ...item(1), asComp: 191 },
      item(1),
      item(2),
    ],
    expect: [['request_int 0 type=0'], ['request_int 0 type=0'], ['request_int 1 type=0'], ['ack ERROR type=0', 'request_int 1 type=0', BUSY], ['ack ERROR type=0', 'request_int 1 type=0', BUSY], ['request_int 1 type=0', 'text WPM: IGN CLEAR CMD: Busy\t'], ['request_int 1 type=0', 'text WPM: IGN WP CURR CMD: Busy\t'], ['ack ERROR type=0', 'request_int 1 type=0'], ['request_int 1 type=0', 'text REJ. MIS ITEM: partner id mismatch\t'], ['request_int 2 type=0'], ['ack ACCEPTED type=0']],
  },
  {
    name: 'a download request during an upload',
    steps: [count(2), { send: (s) => [missionRequestList(s, MISSION)] }, item(0), item(1)],
    expect: [['request_int 0 type=0'], ['request_int 0 type=0', 'text Mission download request ignored, already active\t'], ['request_int 1 type=0'], ['ack ACCEPTED type=0']],
  },
  {
    name: 'an upload on the other link while one is in progress here',
    steps: [count(2), { ...count(1, RALLY), other: true }, item(0), item(1)],
    expect: [['request_int 0 type=0'], ['ack ERROR type=0', 'request_int 0 type=0'], ['request_int 1 type=0'], ['ack ACCEPTED type=0']],
  },
  {
    name: 'an item with no transfer: the last one again is acknowledged, another refused',
    steps: [item(1), item(0)],
    expect: [['ack ACCEPTED type=0'], ['ack ERROR type=0', 'text IGN MISSION_ITEM: No transfer\t']],
  },
  {
    name: 'a download asked out of sequence is aborted',
    steps: [{ send: (s) => [missionRequestList(s, MISSION)] }, { send: (s) => [missionRequestInt(s, 1)] }, { send: (s) => [missionRequestInt(s, 0)] }],
    expect: [['count 2 type=0'], ['ack ERROR type=0', 'text WPM: REJ. CMD: Req. WP was unexpected\t'], []],
  },
  {
    name: 'clear each type and all; a count of 0 clears too',
    steps: [
      { send: (s) => [missionClearAll(s, MISSION)] },
      { send: (s) => [missionClearAll(s, FENCE)] },
      { send: (s) => [missionClearAll(s, 255)] },
      count(0, RALLY),
      { send: (s) => [missionRequestList(s, MISSION)] },
      { send: (s) => [missionAck(s, 0)] },
    ],
    expect: [['ack ACCEPTED type=0'], ['ack ACCEPTED type=1'], ['ack ACCEPTED type=255'], ['ack ACCEPTED type=2'], ['count 0 type=0'], []],
  },
  {
    name: 'a stalled upload is re-requested, then times out',
    // PX4's 5 s transfer timeout runs on its clock: 9 s of listening leaves room for a loaded host
    // on which SITL realises only part of real time.
    steps: [{ ...count(2), listenMs: 9000 }, item(0)],
    expect: [['request_int 0 type=0', 'text Operation timeout\t'], ['ack ERROR type=0', 'text IGN MISSION_ITEM: No transfer\t']],
  },
  {
    name: 'a download never acknowledged times out',
    steps: [{ send: (s) => [missionRequestList(s, MISSION)], listenMs: 9000 }],
    expect: [['count 0 type=0', 'text Operation timeout\t']],
  },
];
