/**
 * The simulator's answers to PROTOCOL_VERSION and FLIGHT_INFORMATION requests and to a refused
 * switch to Offboard, held to what real PX4 v1.16 sends: the table in
 * test/support/protocol-cases.ts is the one test/native/real-px4-protocol.test.ts runs against PX4.
 * Sim instances 226–227 over memory links.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { common, standard } from 'node-mavlink';
import { connect } from '../../src/mavlink/index.js';
import type { Link } from '../../src/mavlink/link.js';
import { PX4_CAPABILITIES, SIM_CAPABILITIES } from '../../sitl/sim/mavlink/px4-identity.js';
import { SimWorld } from '../../sitl/sim/world.js';
import { PROTOCOL_CASES, PhaseDriver, runProtocolCase } from '../support/protocol-cases.js';
import { collect, commandLong } from './helpers.js';

describe('sim: protocol version, flight information, a refused Offboard, as real PX4 answers them', () => {
  let world: SimWorld;
  let link: Link;
  let sys: number;
  let driver: PhaseDriver;

  beforeAll(async () => {
    world = await SimWorld.start({ instance: 226, speed: 5, camera: false, transport: 'memory' });
    sys = world.vehicle(0).sysId;
    link = await connect(world.vehicle(0).connection, { heartbeatTimeoutMs: 0, gcsHeartbeat: true });
    driver = new PhaseDriver(link, sys);
  });
  afterAll(async () => {
    await link?.close();
    await world?.close();
  });

  // In order, on one vehicle: the phases follow one flight, as on PX4.
  for (const c of PROTOCOL_CASES) {
    it(c.name, async () => {
      await driver.enter(c.phase);
      expect(await runProtocolCase(link, sys, c)).toEqual(c.expect);
    }, 60_000);
  }
});

describe('sim: FLIGHT_INFORMATION on the link\'s clock, at a rate a client sets', () => {
  let world: SimWorld;
  let link: Link;
  let sys: number;

  beforeAll(async () => {
    world = await SimWorld.start({ instance: 227, speed: 5, camera: false, transport: 'memory' });
    sys = world.vehicle(0).sysId;
    link = await connect(world.vehicle(0).connection, { heartbeatTimeoutMs: 0, gcsHeartbeat: true });
  });
  afterAll(async () => {
    await link?.close();
    await world?.close();
  });

  it('SET_MESSAGE_INTERVAL streams it (2 Hz of vehicle time here), -1 stops it', async () => {
    const ack = link.next(common.CommandAck, { timeoutMs: 2000, where: (m) => (m.data.command as number) === 511 });
    link.send(commandLong(511, [common.FlightInformation.MSG_ID, 500_000], { system: sys }));
    expect((await ack).data.result).toBe(common.MavResult.ACCEPTED);
    const t0 = world.timeUs;
    const got = await collect(link, common.FlightInformation, 600);
    const spanS = (world.timeUs - t0) / 1e6;
    expect(got.length).toBeGreaterThanOrEqual(Math.floor(spanS * 2) - 1);
    expect(got.length).toBeLessThanOrEqual(Math.ceil(spanS * 2) + 1);
    const stamps = got.map((m) => m.data.timeBootMs);
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    link.send(commandLong(511, [common.FlightInformation.MSG_ID, -1], { system: sys }));
    await new Promise((r) => setTimeout(r, 100));
    expect(await collect(link, common.FlightInformation, 400)).toHaveLength(0);
  });

  it('after a vehicle reset the arming time is on the link\'s clock, which keeps running', async () => {
    await new Promise((r) => setTimeout(r, 300));
    world.reset(0);
    const m = world.vehicle(0).model;
    const until = performance.now() + 20_000;
    while (m.command(400, [1, 0, 0, 0, 0, 0, 0], { sysId: 255, compId: 190 }).result !== common.MavResult.ACCEPTED) {
      if (performance.now() > until) throw new Error('arming refused');
      await new Promise((r) => setTimeout(r, 200));
    }
    const armedAtLinkUs = world.timeUs;
    const info = link.next(common.FlightInformation, { timeoutMs: 2000 });
    link.send(commandLong(512, [common.FlightInformation.MSG_ID], { system: sys }));
    const d = (await info).data;
    expect(Math.abs(Number(d.armingTimeUtc) - armedAtLinkUs)).toBeLessThan(50_000);
    expect(Number(d.armingTimeUtc)).toBeLessThanOrEqual(d.timeBootMs * 1000 + 1000);
  });

  it('advertises no more than PX4 does', () => {
    expect(SIM_CAPABILITIES & ~PX4_CAPABILITIES).toBe(0);
    expect(SIM_CAPABILITIES & standard.MavProtocolCapability.MAVLINK2).not.toBe(0);
  });
});
