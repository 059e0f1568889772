/**
 * Lists uploaded and downloaded again, per mission type, and what real PX4 v1.16 sends back: not
 * the bytes sent but the item as it keeps it (INT frames, the params it keeps for the command,
 * a yaw wrapped to [0, 360), a geofence point without autocontinue). The simulator must give the
 * same (test/sim/mission-transfer.test.ts); real PX4 gave these (test/native/real-px4-mission.test.ts).
 */
import { HOME_LAT_E7, HOME_LON_E7, type ItemSpec } from './mission-protocol.js';

export interface RoundTrip {
  input: ItemSpec[];
  output: Record<string, number>[];
}

const at = (dLat: number, dLon: number) => ({ x: HOME_LAT_E7 + dLat, y: HOME_LON_E7 + dLon });

export const ROUND_TRIP: Record<number, RoundTrip> = {
  0: {
    input: [
      { seq: 0, frame: 6, command: 22, param1: 3, param4: 90, ...at(0, 0), z: 5 },
      { seq: 1, frame: 3, command: 16, param1: 1.5, param2: 2, param3: 5, param4: -90, ...at(1000, 0), z: 10 },
      { seq: 2, frame: 2, command: 178, param1: 1, param2: 4, param3: -1, x: 0, y: 0, z: 0 },
      { seq: 3, frame: 5, command: 21, param2: 1, param4: 400, ...at(1000, 1000), z: 488, autocontinue: 0 },
    ],
    output: [
      { seq: 0, frame: 6, command: 22, current: 1, autocontinue: 1, param1: 0, param2: 0, param3: 0, param4: 90, x: 473977420, y: 85455940, z: 5, missionType: 0 },
      { seq: 1, frame: 6, command: 16, current: 0, autocontinue: 1, param1: 1.5, param2: 2, param3: 0, param4: 270, x: 473978420, y: 85455940, z: 10, missionType: 0 },
      { seq: 2, frame: 2, command: 178, current: 0, autocontinue: 1, param1: 1, param2: 4, param3: -1, param4: 0, x: 0, y: 0, z: 0, missionType: 0 },
      { seq: 3, frame: 5, command: 21, current: 0, autocontinue: 0, param1: 0, param2: 1, param3: 0, param4: 39.9999885559082, x: 473978420, y: 85456940, z: 488, missionType: 0 },
    ],
  },
  1: {
    input: [
      { seq: 0, frame: 6, command: 5001, param1: 4, ...at(-2000, -2000), z: 0 },
      { seq: 1, frame: 6, command: 5001, param1: 4, ...at(-2000, 2000), z: 0 },
      { seq: 2, frame: 6, command: 5001, param1: 4, ...at(2000, 2000), z: 0 },
      { seq: 3, frame: 6, command: 5001, param1: 4, ...at(2000, -2000), z: 0 },
      { seq: 4, frame: 5, command: 5004, param1: 25.5, ...at(500, 500), z: 30 },
    ],
    output: [
      { seq: 0, frame: 5, command: 5001, current: 1, autocontinue: 0, param1: 4, param2: 0, param3: 0, param4: 0, x: 473975420, y: 85453940, z: 0, missionType: 1 },
      { seq: 1, frame: 5, command: 5001, current: 0, autocontinue: 0, param1: 4, param2: 0, param3: 0, param4: 0, x: 473975420, y: 85457940, z: 0, missionType: 1 },
      { seq: 2, frame: 5, command: 5001, current: 0, autocontinue: 0, param1: 4, param2: 0, param3: 0, param4: 0, x: 473979420, y: 85457940, z: 0, missionType: 1 },
      { seq: 3, frame: 5, command: 5001, current: 0, autocontinue: 0, param1: 4, param2: 0, param3: 0, param4: 0, x: 473979420, y: 85453940, z: 0, missionType: 1 },
      { seq: 4, frame: 5, command: 5004, current: 0, autocontinue: 0, param1: 25.5, param2: 0, param3: 0, param4: 0, x: 473977920, y: 85456440, z: 30, missionType: 1 },
    ],
  },
  2: {
    input: [
      { seq: 0, frame: 6, command: 5100, param1: 1, ...at(300, -300), z: 15 },
      { seq: 1, frame: 5, command: 5100, ...at(-300, 300), z: 500 },
    ],
    output: [
      { seq: 0, frame: 6, command: 5100, current: 1, autocontinue: 1, param1: 0, param2: 0, param3: 0, param4: 0, x: 473977720, y: 85455640, z: 15, missionType: 2 },
      { seq: 1, frame: 5, command: 5100, current: 0, autocontinue: 1, param1: 0, param2: 0, param3: 0, param4: 0, x: 473977120, y: 85456240, z: 500, missionType: 2 },
    ],
  },
};
