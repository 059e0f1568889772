/**
 * The simulator's mission protocol (sitl/sim/mavlink/mission-transfer.ts) over real UDP, held to
 * what real PX4 v1.16 answers: the table in test/support/mission-cases.ts is the one
 * test/native/real-px4-mission.test.ts runs against PX4. Sim instances 900–901 with their own
 * links in memory, and an API-mode UDP link each on 127.0.0.1:16000 / 16001 for the client.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { common, standard } from 'node-mavlink';
import { connect } from '../../src/mavlink/index.js';
import type { Link, Message } from '../../src/mavlink/link.js';
import { registerMemoryEndpoint } from '../../src/mavlink/transports/memory.js';
import { UdpTransport } from '../../src/mavlink/transports/udp.js';
import { MissionType, type MissionStore } from '../../sitl/sim/model/mission-store.js';
import { MISSION_PROTOCOL_TIMEOUT_US, MISSION_RETRY_TIMEOUT_US } from '../../sitl/sim/mavlink/mission-transfer.js';
import { crcForItem } from '../../sitl/sim/mavlink/mission-items.js';
import { PX4_CAPABILITIES, SIM_CAPABILITIES } from '../../sitl/sim/mavlink/px4-identity.js';
import { SimWorld } from '../../sitl/sim/world.js';
import { MISSION_CASES } from '../support/mission-cases.js';
import {
  FENCE, MISSION, RALLY, download, itemFields, missionClearAll, missionCount, missionItemInt, missionSetCurrent, runSteps, upload,
} from '../support/mission-protocol.js';
import { ROUND_TRIP } from '../support/mission-round-trip.js';
import { sleep, udpClient } from './helpers.js';

const INSTANCE = 900;
const UDP_PORT = 16000;

/** A world whose vehicle the client reaches over UDP on `port` (an onboard-mode link, as PX4's API link). */
async function startWorld(instance: number, speed: number, port: number): Promise<SimWorld> {
  const world = await SimWorld.start({ instance, speed, camera: false, transport: 'memory' });
  try {
    await world.vehicle(0).endpoint.addLink({
      name: `sim udp ${port}`,
      transport: new UdpTransport({ bindHost: '127.0.0.1', bindPort: port, remote: { host: '127.0.0.1', port: port + 50 }, followSender: 'first' }),
      mode: 'onboard',
    });
  } catch (err) {
    // A port taken by another run: the world's clock must not keep the test process alive.
    await world.close();
    throw err;
  }
  return world;
}

describe('sim mission protocol: the answers real PX4 gives', () => {
  let world: SimWorld;
  let client: Link;
  let other: Link;
  let sys: number;

  beforeAll(async () => {
    world = await startWorld(INSTANCE, 1, UDP_PORT);
    const v = world.vehicle(0);
    sys = v.sysId;
    client = await udpClient(UDP_PORT);
    const name = `mission-other-${INSTANCE}`;
    await v.endpoint.addLink({ name: 'sim other', transport: registerMemoryEndpoint(name), mode: 'normal' });
    other = await connect(`memory://${name}`, { heartbeatTimeoutMs: 0 });
    await sleep(300);
  });
  afterAll(async () => {
    await other?.close();
    await client?.close();
    await world?.close();
  });

  // In order, on one link: the cases build on the link's state as they do on PX4.
  for (const c of MISSION_CASES) {
    it(c.name, async () => {
      expect(await runSteps(client, sys, c.steps, other)).toEqual(c.expect);
    }, 20_000);
  }
});

describe('sim mission protocol: lists, current item, progress', () => {
  let world: SimWorld;
  let client: Link;
  let sys: number;
  let store: MissionStore;

  beforeAll(async () => {
    world = await startWorld(INSTANCE + 1, 5, UDP_PORT + 1);
    sys = world.vehicle(0).sysId;
    store = world.vehicle(0).model.missions;
    client = await udpClient(UDP_PORT + 1);
    await sleep(200);
  });
  afterAll(async () => {
    await client?.close();
    await world?.close();
  });

  for (const [type, name] of [[MISSION, 'mission'], [FENCE, 'geofence'], [RALLY, 'rally points']] as const) {
    it(`uploads and downloads the ${name}: PX4's normalised items, its CRC as the id`, async () => {
      const { input, output } = ROUND_TRIP[type]!;
      const up = await upload(client, sys, type, input);
      expect(up.ack.type).toBe(common.MavMissionResult.ACCEPTED);
      expect(up.requests).toEqual(input.map((_, i) => i));
      const crc = input.reduce((c, s) => crcForItem(missionItemInt(sys, { ...s, missionType: type }) as never, true, c), 0);
      expect(up.ack.opaqueId).toBe(crc);
      expect(store.id(type as MissionType)).toBe(crc);
      expect(store.items(type as MissionType)).toHaveLength(input.length);
      // PX4 marks the current item once its navigator has reported it (MISSION_CURRENT seq 0, not -1).
      await client.next(common.MissionCurrent, { timeoutMs: 3000, where: (m) => m.data.seq === 0 && m.data.total === ROUND_TRIP[MISSION]!.input.length });
      const down = await download(client, sys, type);
      expect(down.count.count).toBe(input.length);
      expect(down.count.opaqueId).toBe(crc);
      expect(down.items.map(itemFields)).toEqual(output);
    });
  }

  it('clears a list (MISSION_CLEAR_ALL): id 0, nothing to download', async () => {
    await upload(client, sys, RALLY, ROUND_TRIP[RALLY]!.input);
    expect(store.items(MissionType.RALLY).length).toBeGreaterThan(0);
    const ack = client.next(common.MissionAck, { timeoutMs: 2000 });
    client.send(missionClearAll(sys, RALLY));
    expect((await ack).data.type).toBe(common.MavMissionResult.ACCEPTED);
    expect(store.items(MissionType.RALLY)).toHaveLength(0);
    expect(store.id(MissionType.RALLY)).toBe(0);
    expect((await download(client, sys, RALLY)).count.count).toBe(0);
  });

  it('MISSION_CURRENT at 1 Hz of vehicle time: seq, total, the three ids, mission_state 0 as PX4 v1.16 leaves it', async () => {
    await upload(client, sys, MISSION, ROUND_TRIP[MISSION]!.input);
    await upload(client, sys, FENCE, ROUND_TRIP[FENCE]!.input);
    const got: Message<common.MissionCurrent>[] = [];
    const off = client.on(common.MissionCurrent, (m) => got.push(m));
    const t0 = world.timeUs;
    await sleep(1000);
    off();
    const spanS = (world.timeUs - t0) / 1e6;
    expect(got.length).toBeGreaterThanOrEqual(Math.floor(spanS) - 1);
    expect(got.length).toBeLessThanOrEqual(Math.ceil(spanS) + 1);
    const c = got.at(-1)!.data;
    expect({ seq: c.seq, total: c.total, state: c.missionState, mode: c.missionMode }).toEqual({
      seq: 0, total: ROUND_TRIP[MISSION]!.input.length, state: 0, mode: 0,
    });
    expect(c.missionId).toBe(store.id(MissionType.MISSION));
    expect(c.fenceId).toBe(store.id(MissionType.FENCE));
    expect(c.fenceId).not.toBe(0);
    expect(c.rallyPointsId).toBe(store.id(MissionType.RALLY));
  });

  it('MISSION_SET_CURRENT moves the current item; the next 1 Hz MISSION_CURRENT says so', async () => {
    const p = client.next(common.MissionCurrent, { timeoutMs: 1500, where: (m) => m.data.seq === 2 });
    client.send(missionSetCurrent(sys, 2));
    expect((await p).data.seq).toBe(2);
    expect(store.current).toBe(2);
  });

  it('MISSION_ITEM_REACHED when the navigator marks an item reached, then again at 1 Hz, 10 times at most', async () => {
    const got: number[] = [];
    const off = client.on(common.MissionItemReached, (m) => got.push(m.data.seq));
    const first = client.next(common.MissionItemReached, { timeoutMs: 500 });
    store.markReached(1);
    expect((await first).data.seq).toBe(1);
    await sleep(2600); // 13 s of vehicle time at speed 5
    off();
    expect(got.every((s) => s === 1)).toBe(true);
    expect(got.length).toBe(11);
  });

  it('a lost MISSION_ITEM_INT is asked for again after PX4\'s retry timeout and the upload completes', async () => {
    const reqTimes: number[] = [];
    const off = client.on(common.MissionRequestInt, () => reqTimes.push(world.timeUs));
    const r = await upload(client, sys, MISSION, ROUND_TRIP[MISSION]!.input, { drop: (seq, n) => seq === 1 && n === 1 });
    off();
    expect(r.ack.type).toBe(common.MavMissionResult.ACCEPTED);
    expect(r.requests).toEqual([0, 1, 1, 2, 3].slice(0, ROUND_TRIP[MISSION]!.input.length + 1));
    const gap = reqTimes[2]! - reqTimes[1]!;
    // Times are read when the client sees each request: a slice or so of vehicle time either way.
    expect(gap).toBeGreaterThan(MISSION_RETRY_TIMEOUT_US - 20_000);
    expect(gap).toBeLessThan(MISSION_RETRY_TIMEOUT_US + 60_000);
  });

  it('a stalled upload is asked for every 250 ms, then abandoned after 5 s without a word from the client', async () => {
    const reqTimes: number[] = [];
    const texts: { t: number; text: string }[] = [];
    const offR = client.on(common.MissionRequestInt, () => reqTimes.push(world.timeUs));
    const offT = client.on(common.StatusText, (m) => texts.push({ t: world.timeUs, text: m.data.text }));
    const t0 = world.timeUs;
    client.send(missionCount(sys, 3, MISSION));
    await client.next(common.StatusText, { timeoutMs: 3000, where: (m) => m.data.text.startsWith('Operation timeout') });
    offR();
    offT();
    const timeout = texts.find((x) => x.text.startsWith('Operation timeout'))!;
    const elapsed = timeout.t - t0;
    expect(elapsed).toBeGreaterThan(MISSION_PROTOCOL_TIMEOUT_US);
    expect(elapsed).toBeLessThan(MISSION_PROTOCOL_TIMEOUT_US + 300_000);
    const n = reqTimes.filter((t) => t <= timeout.t).length;
    expect(n).toBeGreaterThanOrEqual(17); // 1 + one per 250 ms (plus a slice) for 5 s
    expect(n).toBeLessThanOrEqual(21);
    // Idle again: a new upload starts.
    expect((await upload(client, sys, MISSION, ROUND_TRIP[MISSION]!.input)).ack.type).toBe(common.MavMissionResult.ACCEPTED);
  });

  it('advertises the mission, fence and rally protocols as PX4 does', () => {
    const C = standard.MavProtocolCapability;
    for (const cap of [C.MISSION_INT, C.MISSION_FENCE, C.MISSION_RALLY, C.MISSION_FLOAT]) {
      expect(SIM_CAPABILITIES & cap).toBe(PX4_CAPABILITIES & cap);
    }
  });
});
