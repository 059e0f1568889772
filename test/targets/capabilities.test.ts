import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { common } from 'node-mavlink';
import { NeedsError, parseNeeds, unmetNeeds, FAILURE_UNITS, type Capabilities } from '../../src/targets/capabilities.js';
import { TargetUnavailable } from '../../src/targets/target.js';
import { simTarget } from '../../sitl/sim/target.js';
import { createNativeTarget } from '../../sitl/native/target.js';
import { containersTarget } from '../../sitl/containers/target.js';
import { createHilTarget } from '../../hil/target.js';
import { SIM_FAILURE_UNITS } from '../../sitl/capabilities.js';
import { SimVehicle } from '../../sitl/sim/model/index.js';
import { flightcheck } from '../cli/helpers.js';

/**
 * What each real target says it provides, and the skip reasons a scenario's needs get from it.
 * Only capabilities() is called: nothing is started.
 */

/** A PX4 build directory as the native preset checks it (bin/px4, etc/init.d-posix/rcS). It is never run here. */
const px4Dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-caps-px4-'));
fs.mkdirSync(path.join(px4Dir, 'bin'));
fs.mkdirSync(path.join(px4Dir, 'etc', 'init.d-posix'), { recursive: true });
fs.writeFileSync(path.join(px4Dir, 'bin', 'px4'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
fs.writeFileSync(path.join(px4Dir, 'etc', 'init.d-posix', 'rcS'), '');
afterAll(() => fs.rmSync(px4Dir, { recursive: true, force: true }));

const noRos = { PATH: process.env.PATH ?? '' };

describe('needs', () => {
  it('are validated with a one-line error naming the path', () => {
    expect(() => parseNeeds({ detection: true })).toThrow(new NeedsError('needs: unknown need "detection" (expected detections, failureInjection, ros2, droneCore)'));
    expect(() => parseNeeds({ failureInjection: ['GPS'] }, 'useFlight: needs')).toThrow(/^useFlight: needs\.failureInjection\.0: /);
    expect(() => parseNeeds({ ros2: 'yes' })).toThrow(/^needs\.ros2: /);
    expect(parseNeeds(undefined)).toEqual({});
  });

  it('name every MAV_CMD_INJECT_FAILURE unit MAVLink defines', () => {
    const units = Object.keys(common.FailureUnit).filter((k) => Number.isNaN(Number(k)));
    expect([...FAILURE_UNITS].sort()).toEqual(units.sort());
  });

  it('report every unmet need, one clause each; none for what is provided or not asked', () => {
    const caps: Capabilities = {
      label: 'test target',
      detections: { provided: false, why: 'no camera' },
      failureInjection: { units: ['SYSTEM_BATTERY'], why: 'battery only' },
      ros2: { provided: true },
      droneCore: { provided: false, why: 'not running' },
      vehicles: { max: 1, why: 'one rig' },
    };
    expect(unmetNeeds({}, caps)).toBeNull();
    expect(unmetNeeds({ ros2: true, failureInjection: ['SYSTEM_BATTERY'] }, caps)).toBeNull();
    expect(unmetNeeds({ detections: true, failureInjection: ['SENSOR_GPS', 'SYSTEM_BATTERY', 'SENSOR_BARO'], droneCore: true }, caps, 2)).toBe(
      'this scenario needs 2 vehicles; test target gives at most 1: one rig; test target provides no detections: no camera; test target cannot inject SENSOR_GPS, SENSOR_BARO failures: battery only; test target runs no drone_core: not running',
    );
  });
});

describe('what each target provides', () => {
  it('sim: detections and the failure units its model acts on; no ROS 2, no drone_core', async () => {
    const caps = await simTarget.capabilities();
    expect(unmetNeeds({ detections: true, failureInjection: ['SENSOR_GPS', 'SYSTEM_BATTERY'] }, caps, 8)).toBeNull();
    expect(unmetNeeds({ droneCore: true }, caps)).toMatch(/^sim \(built-in simulator\) runs no drone_core: the built-in simulator speaks MAVLink only/);
    expect(unmetNeeds({ ros2: true }, caps)).toMatch(/^sim \(built-in simulator\) has no ROS 2: /);
    expect(unmetNeeds({ failureInjection: ['SYSTEM_MOTOR'] }, caps)).toMatch(/cannot inject SYSTEM_MOTOR failures/);
  });

  it('the simulator advertises exactly the failure units its model acts on', () => {
    for (const unit of FAILURE_UNITS) {
      const v = new SimVehicle({ sysId: 1, seed: 1, params: { SYS_FAILURE_EN: 1 } });
      const { result } = v.command(common.MavCmd.INJECT_FAILURE, [common.FailureUnit[unit], common.FailureType.OFF, 0, 0, 0, 0, 0], { sysId: 255, compId: 190 });
      expect([unit, result]).toEqual([unit, SIM_FAILURE_UNITS.includes(unit) ? common.MavResult.ACCEPTED : common.MavResult.UNSUPPORTED]);
    }
  });

  it('native with PX4 SITL (SIH): only battery failures, no detections; the reason names why', async () => {
    const caps = await createNativeTarget({ env: { ...noRos, FLIGHT_PX4_DIR: px4Dir } }).capabilities();
    expect(caps.label).toBe('native (PX4 SITL SIH)');
    expect(unmetNeeds({ failureInjection: ['SYSTEM_BATTERY'] }, caps)).toBeNull();
    expect(unmetNeeds({ failureInjection: ['SENSOR_GPS'] }, caps)).toBe(
      'native (PX4 SITL SIH) cannot inject SENSOR_GPS failures: PX4 v1.16 handles MAV_CMD_INJECT_FAILURE for sensors only in simulator_mavlink (the Gazebo Classic / jMAVSim bridge), which SIH does not run; under SIH only the battery simulator acts on one (SYSTEM_BATTERY)',
    );
    expect(unmetNeeds({ detections: true }, caps)).toMatch(/^native \(PX4 SITL SIH\) provides no detections: PX4 SITL has no camera or detector/);
    expect(unmetNeeds({ droneCore: true }, caps)).toMatch(/^native \(PX4 SITL SIH\) runs no drone_core: ROS 2 is not sourced/);
  });

  it('native with the simulator process provides what the simulator does; an unusable preset is TargetUnavailable', async () => {
    const caps = await createNativeTarget({ env: { ...noRos, FLIGHT_NATIVE: 'sim' } }).capabilities();
    expect(caps.label).toBe('native (built-in simulator process)');
    expect(unmetNeeds({ detections: true, failureInjection: ['SENSOR_GPS'] }, caps)).toBeNull();
    await expect(createNativeTarget({ env: { FLIGHT_NATIVE: 'px4' } }).capabilities()).rejects.toBeInstanceOf(TargetUnavailable);
  });

  it('containers: the sim image as the simulator, the px4 preset as PX4 SIH, a compose file assumes nothing', async () => {
    const sim = await containersTarget({ stack: 'sim' }).capabilities();
    expect(unmetNeeds({ detections: true, failureInjection: ['SENSOR_GPS'] }, sim)).toBeNull();
    expect(unmetNeeds({ droneCore: true }, sim)).toMatch(/^containers \(simulator image\) runs no drone_core: .*set FLIGHT_STACK=px4/);
    const px4 = await containersTarget({ stack: 'px4' }).capabilities();
    expect(unmetNeeds({ failureInjection: ['SENSOR_GPS'] }, px4)).toMatch(/^containers \(PX4 SITL SIH \+ XRCE agent \+ drone_core\) cannot inject SENSOR_GPS failures: PX4 v1\.16/);
    expect(unmetNeeds({ failureInjection: ['SYSTEM_BATTERY'] }, px4)).toBeNull();
    const compose = await containersTarget({ stack: 'compose:./stack.yml' }).capabilities();
    expect(unmetNeeds({ failureInjection: ['SYSTEM_BATTERY'] }, compose)).toMatch(/compose file .* cannot inject SYSTEM_BATTERY failures/);
  });

  it('hil: one vehicle per rig, as many as the rack has; without a rig file it cannot run', async () => {
    const rig = await createHilTarget({ rigFile: 'rigs/bench-1.yaml', env: noRos }).capabilities();
    expect(unmetNeeds({}, rig, 1)).toBeNull();
    expect(unmetNeeds({}, rig, 2)).toBe('this scenario needs 2 vehicles; hil (rig bench-1) gives at most 1: --rig gives one rig ("bench-1"); use --rack with enough rigs');
    expect(unmetNeeds({ failureInjection: ['SYSTEM_BATTERY'] }, rig)).toMatch(/^hil \(rig bench-1\) cannot inject SYSTEM_BATTERY failures: on a flight controller/);
    const rack = await createHilTarget({ rackFile: 'rigs/rack.yaml', env: noRos }).capabilities();
    expect(unmetNeeds({}, rack, 2)).toBeNull();
    expect(unmetNeeds({}, rack, 3)).toMatch(/^this scenario needs 3 vehicles; hil \(rack nightly\) gives at most 2/);
    await expect(createHilTarget({ env: noRos }).capabilities()).rejects.toBeInstanceOf(TargetUnavailable);
  });
});

describe('flightcheck targets', () => {
  it('says what each target provides, in the preset this environment chooses', async () => {
    const r = await flightcheck(['targets'], { FLIGHT_PX4_DIR: px4Dir, FLIGHT_NATIVE: 'px4', FLIGHT_RIG: '', FLIGHT_RACK: '' }, 60_000);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').map((l) => l.trim());
    const native = lines.indexOf('provides, as native (PX4 SITL SIH):');
    expect(native).toBeGreaterThan(0);
    expect(lines[native + 1]).toMatch(/^detections: no — PX4 SITL has no camera or detector/);
    expect(lines[native + 2]).toMatch(/^failure injection: SYSTEM_BATTERY — PX4 v1\.16 handles MAV_CMD_INJECT_FAILURE for sensors only in simulator_mavlink/);
    expect(lines).toContain('provides, as sim (built-in simulator):');
    expect(lines).toContain('failure injection: SENSOR_GPS, SYSTEM_BATTERY, SYSTEM_MAVLINK_SIGNAL — the built-in simulator models GPS loss, battery failure and MAVLink signal loss only; GPS loss goes beyond PX4 SIH, which ignores it');
    expect(lines).toContain('provides: unknown here (hil: no rig: run with --rig FILE or --rack FILE (or set FLIGHT_RIG / FLIGHT_RACK))');
  }, 90_000);
});
