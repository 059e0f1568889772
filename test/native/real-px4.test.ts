import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { common, minimal } from 'node-mavlink';
import { connect } from '../../src/mavlink/index.js';
import { createVehicle } from '../../src/vehicle/vehicle.js';
import { CommandDenied } from '../../src/vehicle/errors.js';
import { waitUntilArmable } from '../../src/vehicle/readiness.js';
import { requestAutopilotVersion } from '../../src/vehicle/autopilot-version.js';
import { PX4_CAPABILITIES } from '../../sitl/sim/mavlink/px4-identity.js';
import { PX4_PARAMS } from '../../sitl/sim/model/params.js';
import { ProtocolVersion } from '../../src/mavlink/protocol-version.js';
import { waitFor, reachAndHold } from '../../src/vehicle/wait.js';
import { liftTeardownAttachments } from '../../src/report/allure-run.js';
import { createNativeTarget, px4Preset, SitlProcess, type NativeStack } from '../../sitl/native/index.js';
import { apiPortFor } from '../../sitl/native/presets.js';
import { runFlightcheck, tmpDir } from '../hil/helpers.js';
import { px4ForTests } from './px4-for-tests.js';
import { describeUnless } from '../support/skip.js';
import { wrapPi } from '../../sitl/sim/model/dynamics.js';

/**
 * Real PX4 v1.16 SITL (SIH) as the oracle for what the framework assumes about it: when it can
 * arm, how it answers a mode change it refuses, where heights are measured from, and the flight
 * logs it writes. PX4 instances 170–191, clear of the other tests' ranges.
 */
const px4 = px4ForTests();
const describePx4 = describeUnless(px4.ok ? null : px4.reason);
const px4Dir = px4.ok ? px4.dir : '';
const dir = tmpDir('real-px4');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** One real PX4 vehicle on the native target (instance, speed), its artifacts under `name`. */
function upPx4(name: string, instance: number, speed: number, params: Record<string, number> = {}): Promise<NativeStack> {
  return createNativeTarget({ preset: px4Preset({ px4Dir }) }).up({ vehicles: 1, speed, seed: 1, instance, params, artifactsDir: path.join(dir, name), heartbeatTimeoutMs: 3000 }) as Promise<NativeStack>;
}

describePx4('real PX4 SITL', () => {
  it('denies arming until its preflight checks pass; a ready vehicle is one PX4 says can arm', async () => {
    // PX4 by hand, as the target starts it, to see what a first HEARTBEAT is worth.
    const launch = px4Preset({ px4Dir }).launch({ instance: 170, speed: 1, seed: 1, params: {}, artifactsDir: path.join(dir, 'raw') });
    const proc = SitlProcess.start(launch);
    const link = await connect(`udpout://127.0.0.1:${apiPortFor(170)}`, { targetSysId: 171, heartbeatTimeoutMs: 0, name: 'px4-170' });
    const v = createVehicle(link, { sysId: 171, name: 'drone1' });
    try {
      await waitFor(v.telemetry, (t) => t.mode !== null && t.localPosition !== null, { timeout: '30s', clock: 'host', what: 'first HEARTBEAT and position' });
      expect(v.telemetry.armable).not.toBe(true);
      const early = await v.pilot.arm().then(() => null, (e: unknown) => e as CommandDenied);
      expect(early).toBeInstanceOf(CommandDenied);
      expect(early!.result).toMatch(/TEMPORARILY_REJECTED|DENIED/);
      expect(v.telemetry.armed).toBe(false);
      // What PX4 says it answers is the table the simulator's own list is cut from.
      expect((await requestAutopilotVersion(link, 171)).capabilities).toBe(PX4_CAPABILITIES);
      // PROTOCOL_VERSION on request (MAVSDK and QGroundControl ask at connect): the simulator answers the same.
      const protocol = link.next(ProtocolVersion, { timeoutMs: 3000 });
      const ask = new common.CommandLong();
      Object.assign(ask, { targetSystem: 171, targetComponent: 1, command: 519 as common.MavCmd });
      link.send(ask);
      const pv = (await protocol).data;
      expect([pv.version, pv.minVersion, pv.maxVersion]).toEqual([200, 100, 200]);
      // Its battery simulator has no per-cell voltages: the total goes in the first cell (the simulator does the same).
      const battery = (await link.next(common.BatteryStatus, { timeoutMs: 5000 })).data;
      expect(battery.voltages[0]).toBeGreaterThan(4 * 3500);
      expect(battery.voltages.slice(1)).toEqual(new Array(9).fill(0xffff));
      await waitUntilArmable(v.telemetry, v.name, { timeout: '30s', clock: 'host' });
      const r = await v.pilot.arm();
      expect(v.telemetry.armed).toBe(true);
      expect(r.effectVehicleMs).toBeGreaterThanOrEqual(0);
      await v.pilot.disarm();
      expect(v.telemetry.armed).toBe(false);
    } finally {
      await v.close();
      await link.close();
      await proc.stop();
    }
  }, 90_000);

  it('answers a switch to Offboard without setpoints ACCEPTED, then TEMPORARILY_REJECTED: the pilot reports the refusal', async () => {
    const stack = await upPx4('offboard', 171, 2);
    const v = stack.vehicles[0]!;
    // In the air, in Hold after a takeoff (as the offboard scenario meets it).
    await v.pilot.arm();
    await v.pilot.takeoff();
    await waitFor(v.telemetry, (t) => t.modeName === 'Hold' && t.landedState === 'IN_AIR', { timeout: '30s', clock: 'vehicle', what: 'in Hold after the takeoff' });
    const acks: string[] = [];
    const off = v.link.on(common.CommandAck, (m) => {
      if (m.data.command === common.MavCmd.DO_SET_MODE) acks.push(common.MavResult[m.data.result]!);
    });
    try {
      const err = await v.pilot.setMode('Offboard').then(() => null, (e: unknown) => e as CommandDenied);
      await new Promise((r) => setTimeout(r, 300));
      expect(acks).toEqual(['ACCEPTED', 'TEMPORARILY_REJECTED']);
      expect(err).toBeInstanceOf(CommandDenied);
      expect(err!.result).toBe('TEMPORARILY_REJECTED after ACCEPTED');
      expect(v.telemetry.modeName).toBe('Hold');
    } finally {
      off();
      await stack.down();
    }
  }, 90_000);

  it('measures heights from the home set at arming, as PX4 does: its relative altitude and ours agree through a takeoff', async () => {
    const stack = await upPx4('heights', 172, 4);
    const v = stack.vehicles[0]!;
    const t = v.telemetry;
    try {
      expect(t.altitude).toBe(0); // on the ground, whatever the estimate drifted to
      await v.pilot.arm();
      expect(t.homeSetSinceArming).toBe(true);
      await v.pilot.takeoff();
      const [target, radius] = [await v.pilot.params.get('MIS_TAKEOFF_ALT'), await v.pilot.params.get('NAV_MC_ALT_RAD')];
      await reachAndHold(t, (x) => x.altitude, { target, tolerance: radius }, '2s', { timeout: '40s', clock: 'vehicle', what: 'altitude', unit: 'm' });
      // GLOBAL_POSITION_INT.relative_alt is PX4's own height above home.
      const gap = Math.abs(t.altitude! - t.globalPosition!.relativeAlt);
      expect(gap).toBeLessThan(0.2);
      await v.pilot.land();
      await waitFor(t, (x) => !x.armed, { timeout: '60s', clock: 'vehicle', what: 'landed and disarmed' });
      expect(Math.abs(t.altitude!)).toBeLessThan(0.3);
    } finally {
      await stack.down();
    }
  }, 120_000);

  it('takes goTo\'s yaw (DO_REPOSITION param4) in radians: a reposition with yaw π/2 turns it east', async () => {
    const stack = await upPx4('yaw', 174, 4);
    const v = stack.vehicles[0]!;
    const t = v.telemetry;
    const headingError = () => Math.abs(wrapPi(t.attitude!.yaw - Math.PI / 2));
    try {
      await v.pilot.arm();
      await v.pilot.takeoff();
      await waitFor(t, (x) => x.modeName === 'Hold' && x.landedState === 'IN_AIR', { timeout: '40s', clock: 'vehicle', what: 'in Hold after the takeoff' });
      expect(headingError()).toBeGreaterThan(0.5);
      const p = t.localPosition!;
      await v.pilot.goTo(p.north + 3, p.east, p.down, Math.PI / 2);
      await reachAndHold(t, () => headingError(), { min: 0, max: 0.1 }, '2s', { timeout: '30s', clock: 'vehicle', what: 'heading error to π/2', unit: 'rad' });
    } finally {
      await stack.down();
    }
  }, 120_000);

  it('has every parameter the simulator has, with the simulator\'s default (SITL\'s values, at speed 1)', async () => {
    // Speed 1: PX4's SITL rcS multiplies COM_DL_LOSS_T, COM_RC_LOSS_T and COM_OF_LOSS_T by the speed factor.
    const stack = await upPx4('params', 175, 1);
    const v = stack.vehicles[0]!;
    try {
      const differ: string[] = [];
      for (const info of PX4_PARAMS) {
        if (info.name === 'MAV_SYS_ID') continue; // 1 + the instance, on both
        const px4Value = await v.pilot.params.get(info.name).catch((e: Error) => e.message);
        if (typeof px4Value === 'string' || Math.abs(px4Value - info.default) > 1e-6 * Math.max(1, Math.abs(info.default))) differ.push(`${info.name}: simulator ${info.default}, PX4 ${px4Value}`);
      }
      expect(differ).toEqual([]);
    } finally {
      await stack.down();
    }
  }, 120_000);

  it('keeps the loss time-outs PX4\'s SITL scales by the speed factor at their speed-1 values, under the scenario\'s own', async () => {
    const stack = await upPx4('loss-timeouts', 175, 4, { COM_OF_LOSS_T: 2 });
    const v = stack.vehicles[0]!;
    try {
      // rcS would leave 40, 4, 4 and 20 at speed 4.
      const read = async (names: string[]) => Object.fromEntries(await Promise.all(names.map(async (n) => [n, await v.pilot.params.get(n)] as const)));
      expect(await read(['COM_DL_LOSS_T', 'COM_RC_LOSS_T', 'COM_OF_LOSS_T', 'COM_OBC_LOSS_T'])).toEqual({ COM_DL_LOSS_T: 10, COM_RC_LOSS_T: 1, COM_OF_LOSS_T: 2, COM_OBC_LOSS_T: 5 });
    } finally {
      await stack.down();
    }
  }, 120_000);

  it('attaches the flight log PX4 wrote while armed to the report of the test that flew', async () => {
    const results = path.join(dir, 'results-ulg');
    const r = await runFlightcheck(['scenarios/takeoff', '--target', 'native', '--speed', '4', '--no-report', '--results', results], { FLIGHT_PX4_DIR: px4Dir, FLIGHT_INSTANCE_BASE: '173' }, 150_000);
    if (r.code !== 0) console.log(r.output.slice(-3000));
    // The takeoff scenario's host-clock budgets are not what this test is about (a loaded host may
    // fail its command-ack budget): both tests must have flown, passed or failed.
    const summary = JSON.parse(fs.readFileSync(path.join(results, 'summary.json'), 'utf8')) as { scenarios: { status: string }[] };
    expect(summary.scenarios.map((x) => ['passed', 'failed'].includes(x.status))).toEqual([true, true]);
    const allure = path.join(results, 'allure-results');
    liftTeardownAttachments(allure);
    const attachments = fs
      .readdirSync(allure)
      .filter((f) => f.endsWith('-result.json'))
      .flatMap((f) => (JSON.parse(fs.readFileSync(path.join(allure, f), 'utf8')) as { attachments: { name: string; source: string }[] }).attachments)
      .filter((a) => a.name.includes('.ulg'));
    // One log per arming: each test armed once.
    expect(attachments).toHaveLength(2);
    for (const a of attachments) expect(fs.statSync(path.join(allure, a.source)).size).toBeGreaterThan(10_000);
  }, 180_000);
});

describePx4('real PX4 SITL, two CI shards on one machine', () => {
  it('fly at once without sharing a PX4 instance (ports, /tmp/px4_lock-N)', async () => {
    const shard = (i: number) =>
      runFlightcheck(
        ['scenarios/takeoff', 'scenarios/land-and-return', '--shard', `${i}/2`, '--target', 'native', '--speed', '4', '--workers', '1', '--no-report', '--results', path.join(dir, `shard-${i}`)],
        { FLIGHT_PX4_DIR: px4Dir, FLIGHT_INSTANCE_BASE: '176' },
        240_000,
      );
    const runs = await Promise.all([shard(1), shard(2)]);
    const summaries = runs.map((r, i) => {
      if (r.code !== 0) console.log(r.output.slice(-3000));
      return JSON.parse(fs.readFileSync(path.join(dir, `shard-${i + 1}`, 'summary.json'), 'utf8')) as {
        scenarios: { scenario: string; status: string; info: Record<string, string>; budgets: { name: string; clock: string; outcome: string; reason: string }[] }[];
      };
    });
    // Every scenario of both shards flew to its end. Two PX4 at 4× and two Jest workers on two
    // cores may miss a host-clock budget (PX4's command-ack latency): said here, not counted
    // against what this test is about; any other failure is.
    const outcome = (sc: (typeof summaries)[number]['scenarios'][number]) => {
      if (sc.status === 'passed') return 'flew';
      const failed = sc.budgets.filter((b) => b.outcome === 'FAIL');
      if (sc.status === 'failed' && failed.length > 0 && failed.every((b) => b.clock === 'host')) {
        console.log(`two shards: ${sc.scenario}: ${failed.map((b) => `${b.name} ${b.reason}`).join('; ')} (host clock, loaded host)`);
        return 'flew';
      }
      return `${sc.status}${failed.length > 0 ? `: ${failed.map((b) => `${b.name} (${b.clock})`).join(', ')}` : ''}`;
    };
    expect(summaries.map((s) => s.scenarios.map(outcome))).toEqual([['flew', 'flew'], ['flew', 'flew']]);
    // Shard 1 flew instance 176, shard 2 the block after it (8 per worker).
    expect(summaries.map((s) => s.scenarios[0]!.info.instance)).toEqual(['176', '184']);
  }, 260_000);
});
