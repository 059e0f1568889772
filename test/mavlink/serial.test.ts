import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { common, minimal } from 'node-mavlink';
import { hostNowMs } from '../../src/clock/host.js';
import { LinkLost } from '../../src/mavlink/errors.js';
import { connect } from '../../src/mavlink/index.js';
import { Link } from '../../src/mavlink/link.js';
import { SerialTransport } from '../../src/mavlink/transports/serial.js';
import { describeUnless, socatMissing } from '../support/skip.js';

/**
 * A real serial line: a socat pty pair, one end for our link, the other for a fake vehicle.
 * Needs socat (apt-get install -y socat); without it these tests are skipped with a notice.
 */
const describeSerial = describeUnless(socatMissing());

interface PtyPair {
  a: string;
  b: string;
  socat: ChildProcess;
  dir: string;
}

/** Starts socat and resolves once both pty links exist and it is moving data. */
async function ptyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fc-pty-'));
  const a = path.join(dir, 'A');
  const b = path.join(dir, 'B');
  const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socat did not start within 5 s:\n${log}`)), 5000);
    socat.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('starting data transfer loop')) {
        clearTimeout(timer);
        resolve();
      }
    });
    socat.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`socat exited (${code}) before starting:\n${log}`));
    });
  });
  return { a, b, socat, dir };
}

async function stop(pair: PtyPair): Promise<void> {
  const s = pair.socat;
  if (s.exitCode === null && s.signalCode === null) {
    const exited = new Promise((r) => s.once('exit', r));
    s.kill('SIGTERM');
    await exited;
  }
  s.stderr?.destroy();
  rmSync(pair.dir, { recursive: true, force: true });
}

function heartbeat(): minimal.Heartbeat {
  const m = new minimal.Heartbeat();
  m.type = minimal.MavType.QUADROTOR;
  m.autopilot = minimal.MavAutopilot.PX4;
  m.baseMode = 0 as minimal.MavModeFlag;
  m.customMode = 0;
  m.systemStatus = minimal.MavState.STANDBY;
  m.mavlinkVersion = 3;
  return m;
}

describeSerial('link over a real serial line (socat pty pair)', () => {
  let pair: PtyPair;
  beforeEach(async () => {
    pair = await ptyPair();
  });
  afterEach(async () => {
    await stop(pair);
  });

  it('round trip at 921600: telemetry in order one way, commands the other', async () => {
    const gcs = await connect(`serial://${pair.a}:921600`, { gcsHeartbeat: false, heartbeatTimeoutMs: 0 });
    const vehicle = await new Link(new SerialTransport(pair.b, 921600), { sysId: 1, compId: 1, gcsHeartbeat: false, heartbeatTimeoutMs: 0 }).open();
    try {
      expect(gcs.transport.description).toBe(`serial ${pair.a} @ 921600`);
      const times: number[] = [];
      gcs.on(common.Attitude, (m) => times.push(m.data.timeBootMs));
      const n = 500;
      const done = new Promise<void>((resolve) => gcs.on(common.Attitude, (m) => m.data.timeBootMs === n - 1 && resolve()));
      for (let i = 0; i < n; i++) {
        const m = new common.Attitude();
        m.timeBootMs = i; m.roll = 0.1; m.pitch = -0.1; m.yaw = i / 100; m.rollspeed = 0; m.pitchspeed = 0; m.yawspeed = 0;
        vehicle.send(m);
      }
      await done;
      expect(times).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(gcs.counters).toMatchObject({ received: n, badCrc: 0, droppedBySeqGap: 0 });

      // Round trip: a command to the vehicle and its ack back, on the host clock.
      vehicle.on(common.CommandLong, (m) => {
        const ack = new common.CommandAck();
        ack.command = m.data.command; ack.result = common.MavResult.ACCEPTED; ack.progress = 0; ack.resultParam2 = 0;
        ack.targetSystem = m.sysid; ack.targetComponent = m.compid;
        vehicle.send(ack);
      });
      const cmd = new common.CommandLong();
      cmd.targetSystem = 1; cmd.targetComponent = 1; cmd.command = common.MavCmd.COMPONENT_ARM_DISARM; cmd.confirmation = 0;
      cmd._param1 = 1; cmd._param2 = 0; cmd._param3 = 0; cmd._param4 = 0; cmd._param5 = 0; cmd._param6 = 0; cmd._param7 = 0;
      const t0 = hostNowMs();
      const ack = gcs.next(common.CommandAck, { timeoutMs: 2000 });
      gcs.send(cmd);
      const got = await ack;
      expect(got.data.command).toBe(common.MavCmd.COMPONENT_ARM_DISARM);
      expect(got.data.targetSystem).toBe(255);
      expect(hostNowMs() - t0).toBeLessThan(500);
    } finally {
      await gcs.close();
      await vehicle.close();
    }
  });

  it('killing socat loses the serial link within 2 s, by the transport closing (no heartbeat watch)', async () => {
    const gcs = await connect(`serial://${pair.a}:921600`, { gcsHeartbeat: false, heartbeatTimeoutMs: 0, name: 'pixhawk (TELEM2)' });
    const vehicle = await new Link(new SerialTransport(pair.b, 921600), { sysId: 1, compId: 1, gcsHeartbeat: false, heartbeatTimeoutMs: 0 }).open();
    let timer: NodeJS.Timeout | undefined;
    try {
      const hb = gcs.next(minimal.Heartbeat, { timeoutMs: 2000 });
      vehicle.send(heartbeat());
      await hb;

      const lost = new Promise<LinkLost>((resolve) => gcs.onLost(resolve));
      const t0 = hostNowMs();
      pair.socat.kill('SIGKILL');
      const err = await Promise.race([lost, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no LinkLost within 2 s')), 2000)))]);
      expect(hostNowMs() - t0).toBeLessThan(2000);
      expect(err).toBeInstanceOf(LinkLost);
      expect(err.message).toMatch(/^link lost: pixhawk \(TELEM2\): serial \/.*\/A( closed)?: /);
    } finally {
      clearTimeout(timer);
      await gcs.close();
      await vehicle.close();
    }
  });

  it('a missing device is a clear error naming the path', async () => {
    await expect(connect(`serial://${pair.dir}/missing:921600`)).rejects.toThrow(new RegExp(`cannot open serial ${pair.dir}/missing: `));
  });
});
