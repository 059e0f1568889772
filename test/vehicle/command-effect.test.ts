import { afterEach, describe, expect, it } from '@jest/globals';
import { common } from 'node-mavlink';
import type { Link } from '../../src/mavlink/link.js';
import { Telemetry } from '../../src/vehicle/telemetry.js';
import { MavlinkPilot } from '../../src/vehicle/mavlink-pilot.js';
import { CommandDenied, CommandNotEffective, CommandTimeout } from '../../src/vehicle/errors.js';
import { NotReadyToArm, waitUntilArmable } from '../../src/vehicle/readiness.js';
import { clientLink, ScriptedPeer, until } from './scripted-peer.js';

/**
 * Commands judged by their effect, against a scripted stand-in autopilot that answers as PX4 v1.16
 * was seen to (ports 15160–15179). The real PX4 behaviour is flown in test/native.
 */
const R = common.MavResult;
const CMD = common.MavCmd;

let peer: ScriptedPeer | null = null;
let link: Link | null = null;
let telemetry: Telemetry | null = null;
let pilot: MavlinkPilot | null = null;

async function setup(port: number, opts: { commandTimeoutMs?: number; effectTimeoutMs?: number } = {}) {
  link = await clientLink(port + 1);
  peer = await ScriptedPeer.start({ port, clientPort: port + 1 });
  telemetry = new Telemetry(link, { sysId: 1 });
  pilot = new MavlinkPilot(link, telemetry, { sysId: 1, commandTimeoutMs: opts.commandTimeoutMs ?? 250, effectTimeoutMs: opts.effectTimeoutMs ?? 1000 });
  peer.heartbeat();
  peer.runClock(1, 10);
  await until(() => telemetry!.mode !== null && telemetry!.vehicleTimeMs !== null, 2000, 'first heartbeat and vehicle time');
  return { peer, t: telemetry, pilot };
}

afterEach(async () => {
  await pilot?.close();
  telemetry?.detach();
  await peer?.close();
  await link?.close();
  peer = link = telemetry = pilot = null;
});

function sysStatus(prearm: boolean): common.SysStatus {
  const m = new common.SysStatus();
  const all = 0x1fffffff as common.MavSysStatusSensor;
  m.onboardControlSensorsPresent = all;
  m.onboardControlSensorsEnabled = all;
  m.onboardControlSensorsHealth = (prearm ? all : all & ~common.MavSysStatusSensor.PREARM_CHECK) as common.MavSysStatusSensor;
  m.voltageBattery = 16000;
  m.currentBattery = -1;
  m.batteryRemaining = 100;
  return m;
}

describe('commands judged by their effect', () => {
  it('a mode change PX4 accepts and then refuses (Offboard without setpoints) is a CommandDenied with its text', async () => {
    const { peer, pilot, t } = await setup(15160);
    const text = 'Switching to Offboard is currently not available';
    peer.script.set(CMD.DO_SET_MODE, [
      { result: R.ACCEPTED, effect: false, then: { result: R.TEMPORARILY_REJECTED, delayMs: 10, statusText: { severity: common.MavSeverity.CRITICAL, text, when: 'before' } } },
    ]);
    const err = (await pilot.setMode('Offboard').catch((e: unknown) => e)) as CommandDenied;
    expect(err).toBeInstanceOf(CommandDenied);
    expect(err.result).toBe('TEMPORARILY_REJECTED after ACCEPTED');
    expect(err.message).toContain(text);
    expect(t.modeName).toBe('Hold');
  });

  it('resolves a mode change only when HEARTBEAT shows it, and says when that was on the vehicle clock', async () => {
    const { peer, pilot, t } = await setup(15162);
    // PX4's HEARTBEAT is 1 Hz: the mode shows up to a second after the ACK.
    peer.script.set(CMD.DO_SET_MODE, [{ result: R.ACCEPTED, effect: false }]);
    setTimeout(() => {
      peer.mainMode = 4;
      peer.subMode = 6;
      peer.heartbeat();
    }, 300);
    const r = await pilot.setMode('Land');
    expect(t.modeName).toBe('Land');
    expect(r.effectVehicleMs).toBeGreaterThanOrEqual(250);
  });

  it('an accepted command whose effect never shows is CommandNotEffective, naming the state', async () => {
    const { peer, pilot } = await setup(15164, { effectTimeoutMs: 400 });
    peer.script.set(CMD.COMPONENT_ARM_DISARM, [{ result: R.ACCEPTED, effect: false }, { result: R.ACCEPTED, effect: false }]);
    const err = (await pilot.arm().catch((e: unknown) => e)) as CommandNotEffective;
    expect(err).toBeInstanceOf(CommandNotEffective);
    expect(err.message).toMatch(/^MAV_CMD_COMPONENT_ARM_DISARM was accepted 2 times, but the vehicle was not armed within 400 ms \(vehicle clock\) of each: mode Hold, disarmed/);
    expect(peer.commands.filter((c) => c.command === CMD.COMPONENT_ARM_DISARM)).toHaveLength(2);
  });

  it('an ACK that answered an earlier command (same id, late on a lossy link) is made good by sending again', async () => {
    const { peer, pilot, t } = await setup(15172, { effectTimeoutMs: 400 });
    // The first ACCEPTED is the stale one: nothing happens; the second send arms.
    peer.script.set(CMD.COMPONENT_ARM_DISARM, [{ result: R.ACCEPTED, effect: false }]);
    const r = await pilot.arm();
    expect(r.result).toBe('ACCEPTED');
    expect(t.armed).toBe(true);
    expect(peer.commands.filter((c) => c.command === CMD.COMPONENT_ARM_DISARM)).toHaveLength(2);
  });

  it('a lost ACK with the effect seen resolves as EFFECT_SEEN; without a change it stays a CommandTimeout', async () => {
    const { peer, pilot, t } = await setup(15166, { commandTimeoutMs: 100 });
    peer.script.set(CMD.COMPONENT_ARM_DISARM, ['drop', 'drop', 'drop']);
    setTimeout(() => {
      peer.armed = true; // PX4 armed; its ACKs were lost
      peer.heartbeat();
    }, 150);
    const r = await pilot.arm();
    expect(r.result).toBe('EFFECT_SEEN');
    expect(t.armed).toBe(true);
    // Already armed before the command: silence proves nothing.
    peer.script.set(CMD.COMPONENT_ARM_DISARM, ['drop', 'drop', 'drop']);
    await expect(pilot.arm()).rejects.toBeInstanceOf(CommandTimeout);
  });
});

describe('ready to arm', () => {
  it('waits for the SYS_STATUS prearm bit, not the first HEARTBEAT', async () => {
    const { peer, t } = await setup(15168);
    peer.send(sysStatus(false));
    await until(() => t.armable === false, 2000, 'armable false');
    setTimeout(() => peer.send(sysStatus(true)), 200);
    const e = await waitUntilArmable(t, 'drone1', { timeout: '3s', clock: 'host' });
    expect(t.armable).toBe(true);
    expect(e.hostMs).toBeGreaterThanOrEqual(150);
  });

  it('when the checks never pass, the error carries PX4\'s own failing-check texts', async () => {
    const { peer, t, pilot } = await setup(15170);
    peer.send(sysStatus(false));
    peer.statusText(common.MavSeverity.INFO, '[logger] ./log/2026-12-06/20_10_06.ulg');
    peer.statusText(common.MavSeverity.CRITICAL, 'Preflight Fail: Accel Sensor 0 missing');
    await until(() => t.statusTexts.length === 2, 2000, 'status texts');
    const err = (await waitUntilArmable(t, 'drone1', { timeout: 300, clock: 'host', pilot }).catch((e: unknown) => e)) as NotReadyToArm;
    expect(err).toBeInstanceOf(NotReadyToArm);
    expect(err.message).toMatch(/^drone1 not ready to arm: its preflight checks did not pass within 300ms \(host clock\); PX4 says: "Preflight Fail: Accel Sensor 0 missing" \(CRITICAL\)$/);
    // It asked PX4 to report its checks again.
    expect(peer.commands.some((c) => c.command === CMD.RUN_PREARM_CHECKS)).toBe(true);
  });
});
