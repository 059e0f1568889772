/** `flightcheck sim`: argument validation and a start/stop cycle (instance 51, API port 14631). */
import { describe, expect, it, jest } from '@jest/globals';
import { minimal } from 'node-mavlink';
import { UdpTransport } from '../../src/mavlink/transports/udp.js';
import { SimCliError, parseSimArgs, runSim } from '../../sitl/sim/cli.js';
import { udpClient } from './helpers.js';

describe('parseSimArgs', () => {
  it('maps flags to world options', () => {
    expect(
      parseSimArgs(['--instance', '3', '--speed', 'max', '--vehicles', '2', '--seed', '9', '--param', 'MIS_TAKEOFF_ALT=5', '--param', 'COM_DISARM_LAND=-1', '--object', 'person:10,-2,0:0.5', '--gcs']),
    ).toMatchObject({
      instance: 3, speed: 'max', vehicles: 2, seed: 9, transport: 'udp', gcsLink: true, detectionsUdp: true,
      params: { MIS_TAKEOFF_ALT: 5, COM_DISARM_LAND: -1 },
      objects: [{ label: 'person', position: { north: 10, east: -2, down: 0 }, size: 0.5 }],
    });
    expect(parseSimArgs(['--serial', '/dev/ttyACM0:921600', '--speed', '10'])).toMatchObject({
      transport: { serial: { path: '/dev/ttyACM0', baudRate: 921600 } }, speed: 10,
    });
    expect(parseSimArgs([])).toMatchObject({ instance: 0, speed: 1, vehicles: 1, gcsLink: true });
    expect(parseSimArgs(['--no-gcs'])).toMatchObject({ gcsLink: false });
  });

  it('takes a scenario world as JSON, its objects beside the --object ones', () => {
    const world = { detector: { pipeline: 'parallel' }, objects: [{ label: 'car', position: { north: 5, east: 0, down: 0 } }] };
    expect(parseSimArgs(['--object', 'person:10,-2,0', '--world-json', JSON.stringify(world)])).toMatchObject({
      detector: { pipeline: 'parallel' },
      objects: [{ label: 'person', position: { north: 10, east: -2, down: 0 } }, { label: 'car', position: { north: 5, east: 0, down: 0 } }],
    });
  });

  it.each([
    [['--speed', 'fast'], /--speed: expected a positive number or "max"/],
    [['--speed', '0'], /--speed/],
    [['--instance', '-1'], /--instance/],
    [['--vehicles', '0'], /--vehicles: must be ≥ 1/],
    [['--serial', 'ttyUSB0'], /--serial: expected PATH:BAUD/],
    [['--serial', '/dev/ttyUSB0:12345'], /--serial: baud must be one of/],
    [['--serial', '/dev/ttyUSB0:921600', '--vehicles', '2'], /--serial carries one vehicle/],
    [['--param', 'MIS_TAKEOFF_ALT'], /--param: expected NAME=VALUE/],
    [['--object', 'person@1,2,3'], /--object: expected LABEL:NORTH,EAST,DOWN/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--world-json', '{camera'], /--world-json: not valid JSON/],
    [['--world-json', '[1]'], /--world-json: expected a JSON object/],
  ])('rejects %j with one clear line', (argv, message) => {
    let err: unknown;
    try {
      parseSimArgs(argv as string[]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SimCliError);
    expect((err as Error).message).toMatch(message as RegExp);
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('runSim', () => {
  it('prints one ready line, serves MAVLink, and closes everything on SIGTERM', async () => {
    const lines: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    try {
      const done = runSim(['--instance', '51', '--speed', '5']);
      while (lines.length === 0) await new Promise((r) => setTimeout(r, 10));
      expect(lines[0]).toMatch(/^flightcheck sim ready .*sys 52: udp 14631→14549, gcs 18621→14550, detections→19591$/);
      const client = await udpClient(14631);
      const hb = await client.next(minimal.Heartbeat, { timeoutMs: 2000 });
      expect(hb.sysid).toBe(52);
      await client.close();
      process.emit('SIGTERM');
      await done;
    } finally {
      log.mockRestore();
    }
    // The simulator's port is free again: we can bind it ourselves.
    const t = new UdpTransport({ bindHost: '127.0.0.1', bindPort: 14631, followSender: true });
    await t.open();
    await t.close();
  });

  it('fails with one line when a parameter is unknown to the model', async () => {
    await expect(runSim(['--instance', '51', '--param', 'NOT_A_PARAM=1'])).rejects.toThrow(/^flightcheck sim: .*NOT_A_PARAM/);
  });
});
