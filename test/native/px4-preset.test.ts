import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { createNativeTarget, presetFromEnv, px4Preset, type NativeStack } from '../../sitl/native/index.js';
import { TargetUnavailable } from '../../src/targets/index.js';
import { CLI, pidAlive, tmpDir } from '../hil/helpers.js';

const dir = tmpDir('native-px4');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * A stand-in PX4 build directory: bin/px4 records how it was started (arguments, working
 * directory, environment, the etc link), leaves a flight log where PX4's logger would, and then
 * becomes the built-in simulator on PX4's ports for its instance.
 */
function fakePx4Dir(): string {
  const px4 = path.join(dir, 'build', 'px4_sitl_default');
  fs.mkdirSync(path.join(px4, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(px4, 'etc', 'init.d-posix'), { recursive: true });
  fs.writeFileSync(path.join(px4, 'etc', 'init.d-posix', 'rcS'), '#!/bin/sh\n');
  fs.writeFileSync(
    path.join(px4, 'bin', 'px4'),
    `#!/bin/sh
printf '%s\\n' "$@" > started-args.txt
pwd -P > started-cwd.txt
readlink etc > started-etc.txt
env | grep '^PX4_' | sort > started-env.txt
instance=0
while [ $# -gt 0 ]; do
  if [ "$1" = "-i" ]; then instance="$2"; shift; fi
  shift
done
mkdir -p log/2026-01-02
: > log/2026-01-02/10_20_30.ulg
echo "INFO  [px4] instance: $instance"
exec "${process.execPath}" "${CLI}" sim --instance "$instance" --speed "$PX4_SIM_SPEED_FACTOR"
`,
    { mode: 0o755 },
  );
  return px4;
}

// Real PX4 is flown in real-px4.test.ts; this file checks process handling only, with a stand-in.
describe('native target, PX4 preset: process handling (a stand-in bin/px4)', () => {
  it('chooses the preset from FLIGHT_NATIVE / FLIGHT_PX4_DIR, with a clear reason when it cannot', () => {
    const px4 = fakePx4Dir();
    expect(presetFromEnv({})).toMatchObject({ preset: { name: 'sim' } });
    expect(presetFromEnv({ FLIGHT_PX4_DIR: px4 })).toMatchObject({ preset: { name: 'px4' } });
    expect(presetFromEnv({ FLIGHT_PX4_DIR: px4, FLIGHT_NATIVE: 'sim' })).toMatchObject({ preset: { name: 'sim' } });
    expect(presetFromEnv({ FLIGHT_NATIVE: 'px4' })).toEqual({ unavailable: expect.stringMatching(/FLIGHT_NATIVE=px4 needs FLIGHT_PX4_DIR/) });
    expect(presetFromEnv({ FLIGHT_PX4_DIR: dir })).toEqual({ unavailable: `FLIGHT_PX4_DIR ${dir} has no executable bin/px4 (build with: make px4_sitl_default)` });
    expect(presetFromEnv({ FLIGHT_NATIVE: 'gazebo' })).toEqual({ unavailable: 'FLIGHT_NATIVE=gazebo: expected px4 or sim' });
    expect(() => px4Preset({ px4Dir: px4 }).launch({ instance: 0, speed: 'max', seed: 1, params: {}, artifactsDir: dir })).toThrow(/speed "max" is not possible/);
  });

  it('gives PX4 an absolute rootfs when the artifacts directory is relative (PX4 runs in it and takes it as its data path)', () => {
    const px4 = fakePx4Dir();
    const rel = path.relative(process.cwd(), path.join(dir, 'relative-artifacts'));
    const launch = px4Preset({ px4Dir: px4 }).launch({ instance: 7, speed: 1, seed: 1, params: {}, artifactsDir: rel });
    const rootfs = launch.args[launch.args.indexOf('-w') + 1]!;
    expect(path.isAbsolute(rootfs)).toBe(true);
    expect(rootfs).toBe(path.join(dir, 'relative-artifacts', 'px4-7', 'rootfs'));
    expect(launch.cwd).toBe(rootfs);
  });

  it('an unusable PX4 dir makes the target unavailable before anything starts', async () => {
    await expect(createNativeTarget({ env: { FLIGHT_NATIVE: 'px4' } }).up({ vehicles: 1, speed: 1, seed: 1, instance: 0, params: {}, artifactsDir: dir, heartbeatTimeoutMs: 3000 })).rejects.toBeInstanceOf(TargetUnavailable);
  });

  it('runs bin/px4 -d -i N from a fresh rootfs with the SIH environment, picks up the .ulg, and stops the process', async () => {
    const px4 = fakePx4Dir();
    const artifactsDir = path.join(dir, 'artifacts');
    const rootfs = path.join(artifactsDir, 'px4-45', 'rootfs');
    // A leftover of an earlier run must not leak into this one.
    fs.mkdirSync(rootfs, { recursive: true });
    fs.writeFileSync(path.join(rootfs, 'parameters.bson'), 'old');
    const target = createNativeTarget({ env: { FLIGHT_PX4_DIR: px4 } });
    const stack = (await target.up({ vehicles: 1, speed: 3, seed: 1, instance: 45, params: { MIS_TAKEOFF_ALT: 4 }, artifactsDir, heartbeatTimeoutMs: 3000 })) as NativeStack;
    let pids: number[] = [];
    try {
      pids = stack.pids;
      expect(pids).toHaveLength(1);
      const read = (f: string) => fs.readFileSync(path.join(rootfs, f), 'utf8').trim();
      expect(read('started-args.txt').split('\n')).toEqual(['-d', '-i', '45', '-w', rootfs, path.join(px4, 'etc')]);
      expect(read('started-cwd.txt')).toBe(fs.realpathSync(rootfs));
      expect(read('started-etc.txt')).toBe(path.join(px4, 'etc'));
      expect(read('started-env.txt').split('\n')).toEqual(expect.arrayContaining(['PX4_SIMULATOR=sihsim', 'PX4_SIM_MODEL=sihsim_quadx', 'PX4_SIM_SPEED_FACTOR=3']));
      expect(fs.existsSync(path.join(rootfs, 'parameters.bson'))).toBe(false);

      const v = stack.vehicles[0]!;
      expect(v.sysId).toBe(46);
      expect(v.telemetry.modeName).toBe('Hold');
      // Parameters go over MAVLink to PX4 (its parameter file lives in the rootfs).
      expect(await v.pilot.params.get('MIS_TAKEOFF_ALT')).toBe(4);

      const ulg = path.join(rootfs, 'log', '2026-01-02', '10_20_30.ulg');
      expect(stack.flightLogs()).toEqual([ulg]);
      expect(JSON.parse(JSON.stringify(stack.info))).toMatchObject({ target: 'native', preset: 'px4', px4Dir: px4, px4Model: 'sihsim_quadx', flightLogs: ulg, flightLogDir: path.join(rootfs, 'log') });
      expect(await stack.artifacts()).toEqual([ulg, path.join(artifactsDir, 'px4-45.log')]);
      const logs = await stack.logs();
      expect(logs['px4-45']).toContain(`$ ${path.join(px4, 'bin', 'px4')} -d -i 45`);
      expect(logs['px4-45']).toContain('INFO  [px4] instance: 45');
      expect(Number(stack.info.clockOffsetUncertaintyMs)).toBeGreaterThan(0);
    } finally {
      await stack.down();
      await stack.down();
    }
    expect(pids.map(pidAlive)).toEqual([false]);
    expect(fs.readFileSync(path.join(artifactsDir, 'px4-45.log'), 'utf8')).toContain('flightcheck sim ready');
  }, 60_000);

  it('a process that dies before its first HEARTBEAT fails bring-up with its log, after a retry', async () => {
    const px4 = path.join(dir, 'broken');
    fs.mkdirSync(path.join(px4, 'bin'), { recursive: true });
    fs.mkdirSync(path.join(px4, 'etc', 'init.d-posix'), { recursive: true });
    fs.writeFileSync(path.join(px4, 'etc', 'init.d-posix', 'rcS'), '');
    fs.writeFileSync(path.join(px4, 'bin', 'px4'), '#!/bin/sh\necho "ERROR [px4] Startup script returned with return value: 256"\nexit 1\n', { mode: 0o755 });
    const err = await createNativeTarget({ env: { FLIGHT_PX4_DIR: px4 } })
      .up({ vehicles: 1, speed: 1, seed: 1, instance: 46, params: {}, artifactsDir: path.join(dir, 'broken-artifacts'), heartbeatTimeoutMs: 3000 })
      .then(() => null, (e: unknown) => e as Error & { stage: string; logs: Record<string, string> });
    expect(err?.name).toBe('StackDidNotComeUp');
    expect(err!.stage).toBe('first HEARTBEAT');
    expect(err!.message).toMatch(/px4-46 ended before its first HEARTBEAT \(exit code 1\)/);
    expect(Object.keys(err!.logs)).toEqual(['px4-46 (start 1)', 'px4-46 (start 2)']);
    expect(err!.logs['px4-46 (start 2)']).toContain('Startup script returned with return value: 256');
  }, 30_000);
});
