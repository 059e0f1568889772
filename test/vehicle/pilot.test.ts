import { afterEach, describe, expect, it } from '@jest/globals';
import { common } from 'node-mavlink';
import type { Link } from '../../src/mavlink/link.js';
import { Telemetry } from '../../src/vehicle/telemetry.js';
import { MavlinkPilot, type MavlinkPilotOptions } from '../../src/vehicle/mavlink-pilot.js';
import { CommandDenied, CommandTimeout, ParamError, PilotError } from '../../src/vehicle/errors.js';
import type { CommandAckSample } from '../../src/vehicle/command-sender.js';
import type { SetpointSent } from '../../src/vehicle/setpoint-streamer.js';
import { createVehicle } from '../../src/vehicle/vehicle.js';
import { clientLink, ScriptedPeer, until } from './scripted-peer.js';

// Ports 15120–15139.
const R = common.MavResult;
const CMD = common.MavCmd;

let peer: ScriptedPeer | null = null;
let link: Link | null = null;
let telemetry: Telemetry | null = null;
let pilot: MavlinkPilot | null = null;

async function setup(
  peerPort: number,
  opts: Partial<MavlinkPilotOptions> = {},
): Promise<{ peer: ScriptedPeer; t: Telemetry; pilot: MavlinkPilot; acks: CommandAckSample[] }> {
  link = await clientLink(peerPort + 1);
  peer = await ScriptedPeer.start({ port: peerPort, clientPort: peerPort + 1 });
  telemetry = new Telemetry(link, { sysId: 1 });
  const acks: CommandAckSample[] = [];
  // 250 ms per try keeps a loaded CI machine from retransmitting where a test expects one try.
  pilot = new MavlinkPilot(link, telemetry, { sysId: 1, commandTimeoutMs: 250, onCommandAck: (a) => acks.push(a), ...opts });
  // The client learns the peer's address from its first datagram.
  peer.heartbeat();
  await until(() => telemetry!.mode !== null, 2000, 'first heartbeat');
  return { peer, t: telemetry, pilot, acks };
}

afterEach(async () => {
  await pilot?.close();
  telemetry?.detach();
  await peer?.close();
  await link?.close();
  peer = null;
  link = null;
  telemetry = null;
  pilot = null;
});

const int32Bytes = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v);
  return b;
};
const floatBytes = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeFloatLE(v);
  return b;
};

describe('MavlinkPilot commands', () => {
  it('resolves on ACCEPTED and records the command-to-ack latency', async () => {
    const { peer, pilot, acks } = await setup(15120);
    const r = await pilot.arm();
    expect(r).toMatchObject({ command: 'MAV_CMD_COMPONENT_ARM_DISARM', result: 'ACCEPTED', tries: 1 });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    expect(r.latencyMs).toBeLessThan(250);
    const { effectVehicleMs, ...acked } = r;
    expect(acks).toEqual([acked]);
    expect(effectVehicleMs).toBeNull(); // no vehicle time yet from this peer
    const sent = peer.messages(common.CommandLong).filter((m) => m.data.command === CMD.COMPONENT_ARM_DISARM);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.data).toMatchObject({ targetSystem: 1, targetComponent: 1, command: CMD.COMPONENT_ARM_DISARM, confirmation: 0, _param1: 1 });
  });

  it('turns DENIED into CommandDenied with the STATUSTEXT that explains it (before or after the ack)', async () => {
    const { peer, pilot, acks } = await setup(15122);
    const text = 'Arming denied: Resolve system health failures';
    peer.script.set(CMD.COMPONENT_ARM_DISARM, [
      { result: R.DENIED, statusText: { severity: common.MavSeverity.CRITICAL, text, when: 'after' } },
      { result: R.TEMPORARILY_REJECTED, statusText: { severity: common.MavSeverity.WARNING, text: 'Arming denied: throttle high', when: 'before' } },
    ]);
    const e1 = (await pilot.arm().catch((e: unknown) => e)) as CommandDenied;
    expect(e1).toBeInstanceOf(CommandDenied);
    expect(e1.message).toBe(`MAV_CMD_COMPONENT_ARM_DISARM denied — "${text}" (STATUSTEXT CRITICAL)`);
    expect(e1.result).toBe('DENIED');
    expect(e1.statusText!.text).toBe(text);
    const e2 = (await pilot.arm().catch((e: unknown) => e)) as CommandDenied;
    expect(e2.message).toBe('MAV_CMD_COMPONENT_ARM_DISARM refused: TEMPORARILY_REJECTED — "Arming denied: throttle high" (STATUSTEXT WARNING)');
    expect(acks.map((a) => a.result)).toEqual(['DENIED', 'TEMPORARILY_REJECTED']);
  });

  it('says so when a refusal comes without any STATUSTEXT', async () => {
    const { peer, pilot } = await setup(15124);
    peer.script.set(CMD.NAV_LAND, [{ result: R.UNSUPPORTED }]);
    await expect(pilot.land()).rejects.toThrow('MAV_CMD_NAV_LAND refused: UNSUPPORTED (no STATUSTEXT from the vehicle around the ack)');
  });

  it('retransmits with confirmation 1, 2 on silence, then fails with CommandTimeout', async () => {
    const { peer, pilot, acks } = await setup(15126, { commandTimeoutMs: 100 });
    peer.script.set(CMD.NAV_RETURN_TO_LAUNCH, ['drop', 'drop', 'drop']);
    const t0 = performance.now();
    const err = (await pilot.returnToLaunch().catch((e: unknown) => e)) as CommandTimeout;
    const took = performance.now() - t0;
    expect(err).toBeInstanceOf(CommandTimeout);
    expect(err.message).toMatch(/^MAV_CMD_NAV_RETURN_TO_LAUNCH: no COMMAND_ACK after 3 tries of 100 ms each \(host clock\) on client :15127$/);
    expect(err.tries).toBe(3);
    const tries = peer.commands.filter((c) => c.command === CMD.NAV_RETURN_TO_LAUNCH);
    expect(tries.map((c) => c.confirmation)).toEqual([0, 1, 2]);
    expect(tries[1]!.hostMs - tries[0]!.hostMs).toBeGreaterThanOrEqual(90);
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1000);
    expect(acks).toEqual([]); // timeouts are errors, not latency samples
  });

  it('resolves with tries = 2 when the first command is lost and the retry is acked', async () => {
    const { peer, pilot } = await setup(15128, { commandTimeoutMs: 100 });
    peer.script.set(CMD.DO_SET_MODE, ['drop', { result: R.ACCEPTED }]);
    const r = await pilot.hold();
    expect(r).toMatchObject({ command: 'MAV_CMD_DO_SET_MODE', result: 'ACCEPTED', tries: 2 });
    expect(r.latencyMs).toBeGreaterThanOrEqual(95);
    const sent = peer.commands.filter((c) => c.command === CMD.DO_SET_MODE);
    expect(sent.map((c) => c.confirmation)).toEqual([0, 1]);
    expect(sent[0]!.params.slice(0, 3)).toEqual([1, 4, 3]); // custom mode, AUTO, LOITER
  });

  it('under a speed-up, a lost command is retried after the per-try timeout of vehicle time', async () => {
    const { peer, pilot, acks } = await setup(15134, { commandTimeoutMs: 500 });
    peer.runClock(50, 2); // 500 ms of vehicle time pass in 10 ms of host time
    await until(() => telemetry!.vehicleTimeMs !== null, 2000, 'vehicle time');
    peer.script.set(CMD.DO_SET_MODE, ['drop', { result: R.ACCEPTED }]);
    const r = await pilot.hold();
    expect(r.tries).toBe(2);
    const sent = peer.commands.filter((c) => c.command === CMD.DO_SET_MODE);
    // The host's 500 ms never ran out: the vehicle's did, far sooner.
    expect(sent[1]!.hostMs - sent[0]!.hostMs).toBeLessThan(250);
    expect(acks[0]!.vehicleLatencyMs).toBeGreaterThanOrEqual(500);
    expect(acks[0]!.latencyMs).toBeLessThan(250);
  });

  it('a command the vehicle never answers times out on the vehicle clock under a speed-up', async () => {
    const { peer, pilot } = await setup(15136, { commandTimeoutMs: 500 });
    peer.runClock(50, 2);
    await until(() => telemetry!.vehicleTimeMs !== null, 2000, 'vehicle time');
    peer.script.set(CMD.NAV_LAND, ['drop', 'drop', 'drop']);
    const err = (await pilot.land().catch((e: unknown) => e)) as CommandTimeout;
    expect(err).toBeInstanceOf(CommandTimeout);
    expect(err.message).toMatch(/no COMMAND_ACK after 3 tries of 500 ms each \(vehicle clock\)/);
  });

  it('waits through IN_PROGRESS without retransmitting, and times out if it never finishes', async () => {
    const { peer, pilot } = await setup(15130, { inProgressTimeoutMs: 350 });
    peer.script.set(CMD.NAV_TAKEOFF, [
      { result: R.IN_PROGRESS, progress: 30, then: { result: R.IN_PROGRESS, progress: 60, delayMs: 200, then: { result: R.ACCEPTED, delayMs: 200 } } },
      { result: R.IN_PROGRESS, progress: 10 },
    ]);
    const r = await pilot.takeoff();
    expect(r.result).toBe('ACCEPTED');
    expect(r.tries).toBe(1);
    expect(r.latencyMs).toBeGreaterThanOrEqual(390); // longer than the 250 ms per-try timeout, yet no retry
    expect(peer.commands.filter((c) => c.command === CMD.NAV_TAKEOFF)).toHaveLength(1);
    const err = (await pilot.takeoff().catch((e: unknown) => e)) as CommandTimeout;
    expect(err).toBeInstanceOf(CommandTimeout);
    expect(err.message).toBe('MAV_CMD_NAV_TAKEOFF: IN_PROGRESS (10%) but no final COMMAND_ACK within 350 ms (host clock) on client :15131');
  });

  it('sends PX4 command parameters: takeoff AMSL from home, forced disarm, failure injection, mode names', async () => {
    const { peer, pilot } = await setup(15132);
    await expect(pilot.takeoff(5)).rejects.toThrow(PilotError);
    await expect(pilot.takeoff(5)).rejects.toThrow('takeoff(5): no HOME_POSITION received yet, so the AMSL target altitude is unknown');
    const home = new common.HomePosition();
    Object.assign(home, { latitude: 473977420, longitude: 85455940, altitude: 488000, x: 0, y: 0, z: 0, q: [1, 0, 0, 0], approachX: 0, approachY: 0, approachZ: 0 });
    peer.send(home);
    await until(() => telemetry!.home !== null, 2000, 'home');
    await pilot.takeoff(5);
    await pilot.takeoff();
    await pilot.disarm({ force: true });
    await pilot.injectFailure('SENSOR_GPS', 'OFF');
    await pilot.setMode('Return');
    await expect(pilot.setMode('Loiter' as never)).rejects.toThrow(/unknown PX4 mode "Loiter"/);
    await expect(pilot.injectFailure('GPS' as never, 'OFF')).rejects.toThrow(/injectFailure: unknown unit "GPS"/);
    const [tk, tkDefault, disarm, fail, mode] = peer.commands;
    expect(tk!.command).toBe(CMD.NAV_TAKEOFF);
    expect(tk!.params[6]).toBeCloseTo(493, 3);
    expect(tkDefault!.params[6]).toBeNaN(); // PX4 then uses MIS_TAKEOFF_ALT
    expect(disarm!.params.slice(0, 2)).toEqual([0, 21196]);
    expect(fail!.params.slice(0, 3)).toEqual([common.FailureUnit.SENSOR_GPS, common.FailureType.OFF, 0]);
    expect(mode!.params.slice(0, 3)).toEqual([1, 4, 5]);
  });

  it('goTo outside offboard sends DO_REPOSITION as COMMAND_INT at the NED point converted through home', async () => {
    const { peer, pilot } = await setup(15134);
    const home = new common.HomePosition();
    Object.assign(home, { latitude: 473977420, longitude: 85455940, altitude: 488000, x: 0, y: 0, z: 0, q: [1, 0, 0, 0], approachX: 0, approachY: 0, approachZ: 0 });
    peer.send(home);
    await until(() => telemetry!.home !== null, 2000, 'home');
    await pilot.goTo(111.195, 0, -10);
    const c = peer.commands[0]!;
    expect(c).toMatchObject({ kind: 'int', command: CMD.DO_REPOSITION });
    expect(c.x! / 1e7).toBeCloseTo(47.398742, 5); // 111.195 m north = 0.001°
    expect(c.y).toBe(85455940);
    expect(c.params[6]).toBeCloseTo(498, 3); // 10 m above home, AMSL
  });
});

describe('MavlinkPilot params (PX4 byte-wise encoding)', () => {
  it('reads and writes REAL32 and INT32 parameters, including values whose bytes are a float NaN', async () => {
    const { peer, pilot } = await setup(15136);
    peer.params.set('MPC_XY_VEL_MAX', { type: common.MavParamType.REAL32, bytes: floatBytes(12) });
    peer.params.set('SYS_AUTOSTART', { type: common.MavParamType.INT32, bytes: int32Bytes(10016) });
    peer.params.set('COM_RCL_EXCEPT', { type: common.MavParamType.INT32, bytes: int32Bytes(-1) });

    expect(await pilot.params.get('MPC_XY_VEL_MAX')).toBe(12);
    expect(await pilot.params.get('SYS_AUTOSTART')).toBe(10016); // as a float value this would read 1.4e-41
    expect(await pilot.params.get('COM_RCL_EXCEPT')).toBe(-1); // 0xffffffff is a NaN as a float

    expect(await pilot.params.set('SYS_AUTOSTART', 4001)).toBe(4001);
    expect(peer.params.get('SYS_AUTOSTART')!.bytes).toEqual(int32Bytes(4001));
    expect(await pilot.params.set('COM_RCL_EXCEPT', -2)).toBe(-2);
    expect(peer.params.get('COM_RCL_EXCEPT')!.bytes).toEqual(int32Bytes(-2));
    expect(peer.params.get('COM_RCL_EXCEPT')!.type).toBe(common.MavParamType.INT32);
    expect(await pilot.params.set('MPC_XY_VEL_MAX', 7.25)).toBe(7.25);
    expect(peer.params.get('MPC_XY_VEL_MAX')!.bytes).toEqual(floatBytes(7.25));

    await expect(pilot.params.set('SYS_AUTOSTART', 1.5)).rejects.toThrow('param SYS_AUTOSTART: value 1.5 is not a valid INT32 (integer -2147483648..2147483647)');
    await expect(pilot.params.get('A_NAME_TOO_LONG_X')).rejects.toThrow(/invalid parameter name "A_NAME_TOO_LONG_X": expected 1\.\.16/);
  });

  it('retries a read, then fails naming the parameter', async () => {
    const { peer, pilot } = await setup(15138, { commandTimeoutMs: 100 });
    const err = await pilot.params.get('NO_SUCH_PARAM').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParamError);
    expect((err as Error).message).toBe('param get NO_SUCH_PARAM: no PARAM_VALUE after 5 tries of 100 ms (host clock) on client :15139');
    expect(peer.messages(common.ParamRequestRead).map((m) => m.data.paramId)).toEqual(new Array(5).fill('NO_SUCH_PARAM'));
  });
});

describe('offboard setpoint stream', () => {
  const setpointsIn = (p: ScriptedPeer) => p.messages(common.SetPositionTargetLocalNed);
  const medianSpacing = (xs: number[]) => {
    const d = xs.slice(1).map((x, i) => x - xs[i]!).sort((a, b) => a - b);
    return d[Math.floor(d.length / 2)]!;
  };

  it('is paced on the vehicle clock: 5× vehicle speed → 5× the setpoints per host second', async () => {
    const { peer, pilot } = await setup(15121, { setpointRateHz: 10 });
    peer.runClock(1);
    await until(() => telemetry!.vehicleTimeMs !== null, 2000, 'vehicle time');
    pilot.streamer.start({ type: 'position', north: 0, east: 0, down: -2 });
    await new Promise((r) => setTimeout(r, 50));
    let n0 = setpointsIn(peer).length;
    await new Promise((r) => setTimeout(r, 1000));
    const atX1 = setpointsIn(peer).slice(n0);
    peer.runClock(5);
    await new Promise((r) => setTimeout(r, 50));
    n0 = setpointsIn(peer).length;
    await new Promise((r) => setTimeout(r, 1000));
    const atX5 = setpointsIn(peer).slice(n0);
    pilot.streamer.stop();

    expect(atX1.length).toBeGreaterThanOrEqual(7); // ~10 per host second
    expect(atX1.length).toBeLessThanOrEqual(12);
    const ratio = atX5.length / atX1.length;
    expect(ratio).toBeGreaterThan(3.5);
    expect(ratio).toBeLessThan(6.5);
    // Either way, 100 ms of vehicle time apart, stamped with vehicle time.
    expect(medianSpacing(atX1.map((m) => m.data.timeBootMs))).toBeGreaterThanOrEqual(95);
    expect(medianSpacing(atX1.map((m) => m.data.timeBootMs))).toBeLessThanOrEqual(115);
    expect(medianSpacing(atX5.map((m) => m.data.timeBootMs))).toBeGreaterThanOrEqual(95);
    expect(medianSpacing(atX5.map((m) => m.data.timeBootMs))).toBeLessThanOrEqual(160);
    const last = atX5[atX5.length - 1]!.data;
    expect(last).toMatchObject({ targetSystem: 1, targetComponent: 1, coordinateFrame: common.MavFrame.LOCAL_NED, x: 0, y: 0, z: -2 });
    expect(last.typeMask).toBe(8 | 16 | 32 | 64 | 128 | 256 | 1024 | 2048); // position only, yaw not set
  });

  it('startOffboard pre-streams before DO_SET_MODE OFFBOARD; setpoints and goTo go out at once with both clocks recorded', async () => {
    const sent: SetpointSent[] = [];
    const { peer, pilot } = await setup(15123, { onSetpointSent: (s) => sent.push(s) });
    peer.position = { x: 1, y: 2, z: -3, vx: 0, vy: 0, vz: 0 };
    peer.runClock(5);
    await until(() => telemetry!.localPosition !== null, 2000, 'position');
    const r = await pilot.startOffboard();
    expect(r.result).toBe('ACCEPTED');
    const mode = peer.commands.find((c) => c.command === CMD.DO_SET_MODE)!;
    expect(mode.params.slice(0, 3)).toEqual([1, 6, 0]);
    const before = setpointsIn(peer).filter((m) => m.hostTimeMs <= mode.hostMs);
    // 10 periods (0.5 s) of vehicle time streamed before the switch: ~10 setpoints, fewer only if telemetry is sparse.
    expect(before.length).toBeGreaterThanOrEqual(5);
    expect(before.at(-1)!.data.timeBootMs - before[0]!.data.timeBootMs).toBeGreaterThanOrEqual(450);
    expect(before[0]!.data).toMatchObject({ x: 1, y: 2, z: -3 }); // holds where it is
    expect(sent).toHaveLength(1);

    peer.mainMode = 6;
    peer.subMode = 0;
    peer.heartbeat();
    await until(() => telemetry!.modeName === 'Offboard', 2000, 'offboard');
    const n = setpointsIn(peer).length;
    pilot.setSetpoint({ type: 'velocity', vn: 1, ve: 0, vd: 0, yawRate: 0.5 });
    const g = await pilot.goTo(5, 6, -7, 1.57);
    expect(g).toEqual({ command: 'SET_POSITION_TARGET_LOCAL_NED', result: 'STREAMING', latencyMs: 0, tries: 1 });
    expect(sent).toHaveLength(3);
    expect(sent[1]!.setpoint).toEqual({ type: 'velocity', vn: 1, ve: 0, vd: 0, yawRate: 0.5 });
    expect(sent[1]!.vehicleMs).toBe(telemetry!.series('localPosition').vehicleMs.at(-1));
    expect(sent[2]!.hostMs).toBeGreaterThanOrEqual(sent[1]!.hostMs);
    await until(() => setpointsIn(peer).length >= n + 2, 2000, 'two new setpoints');
    const [vel, pos] = setpointsIn(peer).slice(n);
    expect(vel!.data).toMatchObject({ vx: 1, vy: 0, vz: 0, yawRate: 0.5 });
    expect(vel!.data.typeMask).toBe(1 | 2 | 4 | 64 | 128 | 256 | 1024); // velocity + yaw rate
    expect(pos!.data).toMatchObject({ x: 5, y: 6, z: -7 });
    expect(pos!.data.yaw).toBeCloseTo(1.57, 5);

    expect(() => pilot.setSetpoint({ type: 'position', north: 1, east: 2 } as never)).toThrow(/setSetpoint: setpoint\.down: /);
    await pilot.stopOffboard();
    await new Promise((r) => setTimeout(r, 50)); // datagrams already on their way
    const stopped = setpointsIn(peer).length;
    await new Promise((r) => setTimeout(r, 150));
    expect(setpointsIn(peer).length).toBe(stopped);
    expect(() => pilot.setSetpoint({ type: 'position', north: 1, east: 2, down: 3 })).toThrow(/no setpoint stream is running/);
  });

  it('stops the stream again when OFFBOARD is refused', async () => {
    const { peer, pilot } = await setup(15125);
    peer.runClock(10);
    await until(() => telemetry!.localPosition !== null, 2000, 'position');
    peer.script.set(CMD.DO_SET_MODE, [{ result: R.DENIED, statusText: { severity: common.MavSeverity.CRITICAL, text: 'Switching to Offboard is currently not available', when: 'before' } }]);
    await expect(pilot.startOffboard({ type: 'position', north: 0, east: 0, down: -1 })).rejects.toThrow('MAV_CMD_DO_SET_MODE denied — "Switching to Offboard is currently not available" (STATUSTEXT CRITICAL)');
    expect(pilot.streamer.running).toBe(false);
    await expect(pilot.goTo(1, 2, 3)).rejects.toThrow('goTo: not in offboard, and no HOME_POSITION received yet to convert NED to a DO_REPOSITION target');
  });
});

describe('createVehicle', () => {
  it('wires telemetry and a MavlinkPilot on one link', async () => {
    link = await clientLink(15129);
    peer = await ScriptedPeer.start({ port: 15133, clientPort: 15129 });
    const v = createVehicle(link, { name: 'drone1', sysId: 1 });
    try {
      expect(v).toMatchObject({ name: 'drone1', sysId: 1, link });
      expect(v.pilot.kind).toBe('mavlink');
      peer.heartbeat();
      await until(() => v.telemetry.modeName === 'Hold', 2000, 'mode');
      await expect(v.pilot.arm()).resolves.toMatchObject({ result: 'ACCEPTED' });
    } finally {
      await v.close();
    }
  });

  it('sends a GCS HEARTBEAT every second of vehicle time, so PX4 sees its GCS under a speed factor', async () => {
    link = await clientLink(15134);
    const p = (peer = await ScriptedPeer.start({ port: 15135, clientPort: 15134 }));
    const v = createVehicle(link, { name: 'drone1', sysId: 1 });
    try {
      p.heartbeat();
      await until(() => p.received.length > 0, 2000, 'first client frame');
      const gcsHeartbeats = () => p.received.filter((m) => m.name === 'HEARTBEAT' && m.sysid === 255).length;
      const before = gcsHeartbeats();
      // 1.5 s of host time at 10× is 15 s of vehicle time: about 15 heartbeats, not 1 or 2.
      p.runClock(10);
      await new Promise((r) => setTimeout(r, 1500));
      p.stopClock();
      expect(gcsHeartbeats() - before).toBeGreaterThanOrEqual(10);
    } finally {
      await v.close();
    }
  });

  it("times commands with the vehicle clock's measured rate: 500 ms retries and vehicle-clock latency at 10×", async () => {
    link = await clientLink(15136);
    const p = (peer = await ScriptedPeer.start({ port: 15137, clientPort: 15136 }));
    const acks: CommandAckSample[] = [];
    const v = createVehicle(link, { name: 'drone1', sysId: 1, onCommandAck: (a) => acks.push(a as CommandAckSample) });
    try {
      p.heartbeat();
      p.runClock(10, 2);
      await new Promise((r) => setTimeout(r, 300)); // a first rate measured
      // Telemetry stops (a client that has not read it yet): the timing does not wait for it.
      p.stopClock();
      p.script.set(CMD.DO_SET_MODE, ['drop', { result: R.ACCEPTED, delayMs: 20 }]);
      await v.pilot.hold();
      const sent = p.commands.filter((c) => c.command === CMD.DO_SET_MODE);
      // 500 ms of vehicle time at 10× is 50 ms of host time.
      expect(sent[1]!.hostMs - sent[0]!.hostMs).toBeGreaterThanOrEqual(40);
      expect(sent[1]!.hostMs - sent[0]!.hostMs).toBeLessThan(250);
      const a = acks[0]!;
      expect(a.tries).toBe(2);
      expect(a.vehicleLatencyMs! / a.latencyMs).toBeGreaterThan(7);
      expect(a.vehicleLatencyMs! / a.latencyMs).toBeLessThan(13);
    } finally {
      await v.close();
    }
  });
});
