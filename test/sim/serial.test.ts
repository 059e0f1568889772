/**
 * The simulator on a serial line, as a Pixhawk on USB: a socat pty pair, the simulator on one end,
 * a client Link on the other. Skipped where socat is not installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { minimal } from 'node-mavlink';
import { Link } from '../../src/mavlink/link.js';
import { SerialTransport } from '../../src/mavlink/transports/serial.js';
import { SimWorld } from '../../sitl/sim/world.js';
import { ackOf, commandLong, sleep } from './helpers.js';
import { describeUnless, socatMissing } from '../support/skip.js';


describeUnless(socatMissing())('sim over a serial line (socat pty pair)', () => {
  let dir: string;
  let socat: ChildProcess;
  let world: SimWorld;
  let client: Link;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sim-serial-'));
    const a = join(dir, 'fc'), b = join(dir, 'host');
    socat = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(existsSync(a) && existsSync(b)); i++) await sleep(20);
    world = await SimWorld.start({ instance: 95, speed: 5, camera: false, transport: { serial: { path: a, baudRate: 921600 } } });
    client = await new Link(new SerialTransport(b, 921600), { heartbeatTimeoutMs: 0 }).open();
  });
  afterAll(async () => {
    await client?.close();
    await world?.close();
    if (socat?.pid) process.kill(socat.pid, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams heartbeats and answers commands on the device', async () => {
    expect(world.vehicle(0).connection).toMatch(/^serial:\/\/.*\/fc:921600$/);
    const hb = await client.next(minimal.Heartbeat, { timeoutMs: 3000, where: (m) => m.sysid === 96 });
    expect(hb.data.autopilot).toBe(minimal.MavAutopilot.PX4);
    expect((await ackOf(client, commandLong(31995, [], { system: 96 }))).result).toBe(3);
    expect(client.counters.badCrc).toBe(0);
  });
});
