/**
 * Injected failures and hostile input, through the MAVLink client over UDP on 127.0.0.1 at speed
 * 'max', with PX4 v1.16's reactions (commander failsafe framework, EKF2 dead reckoning):
 *   GPS off in flight     → position valid for EKF2_NOAID_TOUT, then Hold/RTL/Land cannot run → Descend (AUTO.LAND)
 *   battery off in flight → emergency level → COM_LOW_BAT_ACT Land, after COM_FAIL_ACT_T in Hold
 *   MAVLink signal off    → silent both ways; offboard lost → Position; GCS lost (NAV_DLL_ACT) → Hold, then Return
 * Instances 65–68 (API ports 14645–14648).
 */
import dgram from 'node:dgram';
import { describe, expect, it } from '@jest/globals';
import { common } from 'node-mavlink';
import { FrameEncoder } from '../../src/mavlink/codec.js';
import { CommandDenied, reachAndHold, waitFor } from '../../src/vehicle/index.js';
import {
  CONTROL_PERIOD_MS,
  armAndTakeOff,
  between,
  gcsHeartbeatOnVehicleClock,
  observeEveryStep,
  rejectionOf,
  setMessageInterval,
  startFlight,
  transition,
} from './harness.js';

const EKF2_NOAID_TOUT_MS = 5000;
const COM_FAIL_ACT_T_MS = 5000;
/** MAV_SYS_STATUS_PREARM_CHECK in SYS_STATUS health: PX4 would arm now. */
const PREARM_CHECK = 1 << 28;

describe('sim acceptance over MAVLink/UDP: injected failures (instances 65–67)', () => {
  it('GPS off in flight: dead reckoning for EKF2_NOAID_TOUT, then descends, lands and disarms', async () => {
    const f = await startFlight({ instance: 65, speed: 'max', params: { SYS_FAILURE_EN: 1 } });
    try {
      await observeEveryStep(f.pilot);
      await setMessageInterval(f.pilot, common.GpsRawInt.MSG_ID, 4000);
      await armAndTakeOff(f, 5);
      // GPS_RAW_INT carries its own stamp: the first sample without a fix dates the loss.
      const noFix = transition(f.telemetry, (t) => t.gps?.fixType === 0, { timeout: '1s', clock: 'vehicle', what: 'GPS_RAW_INT without a fix' });
      await f.pilot.injectFailure('SENSOR_GPS', 'OFF');
      const gpsLostMs = (await noFix).fromMs;
      expect(f.telemetry.gps!.satellites).toBe(0);
      expect(f.telemetry.modeName).toBe('Hold');
      const land = await transition(f.telemetry, (t) => t.modeName === 'Land', { timeout: '8s', clock: 'vehicle', what: 'Descend (AUTO.LAND)' });
      // The loss was applied one step before its first sample.
      const lostAt = gpsLostMs - CONTROL_PERIOD_MS;
      expect(land.toMs - lostAt).toBeGreaterThanOrEqual(EKF2_NOAID_TOUT_MS);
      expect(land.fromMs - lostAt).toBeLessThanOrEqual(EKF2_NOAID_TOUT_MS + CONTROL_PERIOD_MS);
      expect(f.telemetry.statusTexts.some((s) => s.text === 'Failsafe activated' && s.vehicleMs >= gpsLostMs)).toBe(true);
      await waitFor(f.telemetry, (t) => t.landedState === 'ON_GROUND' && !t.armed, { timeout: '60s', clock: 'vehicle', what: 'landed and disarmed' });
    } finally {
      await f.close();
    }
  });

  it('battery off in flight with COM_LOW_BAT_ACT Land: Hold for COM_FAIL_ACT_T, then Land', async () => {
    const f = await startFlight({ instance: 66, speed: 'max', params: { SYS_FAILURE_EN: 1, COM_LOW_BAT_ACT: 2 } });
    try {
      await observeEveryStep(f.pilot);
      await setMessageInterval(f.pilot, common.BatteryStatus.MSG_ID, 100_000);
      await armAndTakeOff(f);
      await f.pilot.startOffboard();
      await waitFor(f.telemetry, (t) => t.modeName === 'Offboard', { timeout: '1s', clock: 'vehicle', what: 'Offboard' });
      // PX4's battery library filters the cell voltage (1 s time constant): the state of charge falls
      // below BAT_CRIT_THR (0.07) ln(SoC / 0.07) s after the injection, under 2.7 s from a full battery.
      const holdSeen = transition(f.telemetry, (t) => t.modeName === 'Hold', { timeout: '3s', clock: 'vehicle', what: 'Hold (failsafe delay)' });
      await f.pilot.injectFailure('SYSTEM_BATTERY', 'OFF');
      const hold = await holdSeen;
      const land = await transition(f.telemetry, (t) => t.modeName === 'Land', { timeout: '8s', clock: 'vehicle', what: 'Land' });
      const d = between(hold, land);
      expect(d.min).toBeLessThanOrEqual(COM_FAIL_ACT_T_MS);
      expect(d.max).toBeGreaterThanOrEqual(COM_FAIL_ACT_T_MS);
      expect(f.telemetry.battery!.remaining).toBe(0);
      expect(f.telemetry.statusTexts.map((s) => s.text)).toContain('Failsafe activated: entering Hold for 5 seconds');
      await waitFor(f.telemetry, (t) => t.landedState === 'ON_GROUND' && !t.armed, { timeout: '30s', clock: 'vehicle', what: 'landed and disarmed' });
    } finally {
      await f.close();
    }
  });

  it('MAVLink signal off in offboard: silent both ways; back on, the vehicle is returning (NAV_DLL_ACT Return)', async () => {
    const f = await startFlight({
      instance: 67, speed: 'max', heartbeatTimeoutMs: 15_000,
      // COM_OBL_RC_ACT 5: offboard loss → Hold (the default, Position, descends and lands without sticks).
      params: { SYS_FAILURE_EN: 1, NAV_DLL_ACT: 2, COM_DL_LOSS_T: 5, COM_OBL_RC_ACT: 5 },
    });
    const stopGcs = gcsHeartbeatOnVehicleClock(f);
    try {
      // With NAV_DLL_ACT set PX4 arms only once it has seen the GCS: its mavlink receiver counts
      // heartbeats from HEARTBEAT_TIMEOUT (2.5 s) after boot on. SYS_STATUS says when (the prearm bit).
      await f.v.link.next(common.SysStatus, { timeoutMs: 10_000, where: (m) => (Number(m.data.onboardControlSensorsHealth) & PREARM_CHECK) !== 0 });
      await armAndTakeOff(f);
      await f.pilot.startOffboard();
      // With the GCS heartbeat paced on the vehicle clock the link stays "connected" for PX4.
      await reachAndHold(f.telemetry, (t) => (t.modeName === 'Offboard' ? 1 : 0), { min: 1, max: 1 }, '8s', { timeout: '10s', clock: 'vehicle', what: 'Offboard' });

      await f.pilot.injectFailure('SYSTEM_MAVLINK_SIGNAL', 'OFF');
      const silencedAtMs = f.now();
      const received = f.v.link.counters.received;
      // Nothing comes over MAVLink now: wait on the simulator's clock for 15 s of vehicle time.
      await f.world.scheduler.until((silencedAtMs + 15_000) * 1000);
      expect(f.v.link.counters.received - received).toBeLessThanOrEqual(1);

      await f.pilot.injectFailure('SYSTEM_MAVLINK_SIGNAL', 'OK');
      await waitFor(f.telemetry, (t) => (t.mode?.vehicleMs ?? 0) > silencedAtMs + 15_000, { timeout: '1s', clock: 'vehicle', what: 'telemetry again' });
      // Offboard lost after 1 s (Hold); GCS lost COM_DL_LOSS_T after PX4's 2.5–3.75 s heartbeat
      // timeout, Hold for COM_FAIL_ACT_T, then Return: by 13.75 s at the latest.
      expect(f.telemetry.modeName).toBe('Return');
      await waitFor(f.telemetry, (t) => t.landedState === 'ON_GROUND' && !t.armed, { timeout: '60s', clock: 'vehicle', what: 'landed and disarmed' });
    } finally {
      stopGcs();
      await f.close();
    }
  });
});

describe('sim acceptance over MAVLink/UDP: commands and garbage (instance 68)', () => {
  it('answers an unknown command UNSUPPORTED and ignores garbage bytes while it keeps answering', async () => {
    const f = await startFlight({ instance: 68, speed: 'max' });
    try {
      const unknown = await rejectionOf(f.pilot.command(31010)); // MAV_CMD_USER_1: no PX4 module handles it
      expect(unknown).toBeInstanceOf(CommandDenied);
      expect(unknown.result).toBe('UNSUPPORTED');

      const sim = f.rt.endpoint.instances[0]!.link.counters;
      const before = { ...sim };
      const enc = new FrameEncoder({ sysId: 255, compId: 190 });
      const ping = new common.CommandLong();
      ping.targetSystem = f.rt.sysId;
      ping.targetComponent = 1;
      ping.command = common.MavCmd.COMPONENT_ARM_DISARM;
      ping._param1 = 1;
      const badCrc = Buffer.from(enc.encode(ping));
      badCrc[badCrc.length - 1] ^= 0xff;
      const truncated = enc.encode(ping).subarray(0, 9);
      let seed = 7;
      const noise = Buffer.from(Array.from({ length: 2048 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0), seed >>> 24)));
      // Through the client's own socket: a peer that sends junk among its frames.
      for (const b of [noise, badCrc, truncated, noise.subarray(0, 300)]) f.v.link.transport.write(b);
      await waitFor(f.telemetry, () => sim.badCrc > before.badCrc && sim.skippedBytes > before.skippedBytes, { timeout: '2s', clock: 'host', what: 'the sim counting the garbage' });
      expect(sim.received).toBeGreaterThanOrEqual(before.received);
      // The armed command in the bad-CRC frame was not executed.
      await waitFor(f.telemetry, (t) => (t.mode?.vehicleMs ?? 0) > f.now() - 1, { timeout: '1s', clock: 'vehicle', what: 'a fresh HEARTBEAT' });
      expect(f.telemetry.armed).toBe(false);

      const arm = await f.pilot.arm();
      expect(arm.result).toBe('ACCEPTED');
      expect(f.v.link.lost).toBeNull();
    } finally {
      await f.close();
    }
  });

  // PX4's mavlink receiver fixes its UDP partner at the first datagram (client_source_initialized)
  // and never follows another sender: a stray datagram must not take the vehicle's output.
  it('keeps talking to its client after a datagram from another socket (PX4 keeps its first partner)', async () => {
    const f = await startFlight({ instance: 68, speed: 10 });
    const foreign = dgram.createSocket('udp4');
    let hijacked = 0;
    foreign.on('message', () => hijacked++);
    try {
      await new Promise<void>((r) => foreign.bind(0, '127.0.0.1', () => r()));
      await new Promise<void>((r, j) => foreign.send(Buffer.from('not mavlink'), f.rt.ports.apiLocal, '127.0.0.1', (e) => (e ? j(e) : r())));
      await new Promise((r) => setTimeout(r, 300));
      expect(hijacked).toBe(0);
    } finally {
      foreign.close();
      await f.close();
    }
  });
});
