import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { common, minimal } from 'node-mavlink';
import { FrameEncoder, FrameSplitter, crcX25, decodePayload, type Frame } from '../../src/mavlink/codec.js';
import { CRC_EXTRA, REGISTRY } from '../../src/mavlink/registry.js';
import { hostNowMs } from '../../src/clock/host.js';
import { LinkLost } from '../../src/mavlink/errors.js';
import { connect } from '../../src/mavlink/index.js';
import { Link } from '../../src/mavlink/link.js';
import { MemoryTransport, registerMemoryEndpoint } from '../../src/mavlink/transports/memory.js';
import { UdpTransport } from '../../src/mavlink/transports/udp.js';

/** Ports for this file: 15300–15319, loopback only. */
const PORT = { udpServer: 15301, udpOut: 15302, tcp: 15303, hb: 15304, lost: 15305, alive: 15306, target: 15307, next: 15308, stall: 15309, garbled: 15310 };

const vehicleEncoder = () => new FrameEncoder({ sysId: 1, compId: 1 });

function vehicleHeartbeat(): minimal.Heartbeat {
  const m = new minimal.Heartbeat();
  m.type = minimal.MavType.QUADROTOR;
  m.autopilot = minimal.MavAutopilot.PX4;
  m.baseMode = 0 as minimal.MavModeFlag;
  m.customMode = 0;
  m.systemStatus = minimal.MavState.STANDBY;
  m.mavlinkVersion = 3;
  return m;
}

function commandLong(command: number): common.CommandLong {
  const m = new common.CommandLong();
  m.targetSystem = 1;
  m.targetComponent = 1;
  m.command = command as common.MavCmd;
  m.confirmation = 0;
  m._param1 = 1; m._param2 = 0; m._param3 = 0; m._param4 = 0; m._param5 = 0; m._param6 = 0; m._param7 = 0;
  return m;
}

/** A fake vehicle: a UDP socket on 127.0.0.1 that records the frames it receives and who sent them. */
class UdpPeer {
  readonly socket = dgram.createSocket('udp4');
  readonly frames: { frame: Frame; hostMs: number; from: number }[] = [];
  private readonly splitter = new FrameSplitter();
  private readonly enc = vehicleEncoder();
  private waiters: (() => void)[] = [];

  async bind(port = 0): Promise<number> {
    this.socket.on('message', (msg, rinfo) => {
      this.splitter.push(msg, (f) => this.frames.push({ frame: { ...f, raw: Buffer.from(f.raw), payload: Buffer.from(f.payload) }, hostMs: performance.now(), from: rinfo.port }));
      for (const w of this.waiters.splice(0)) w();
    });
    await new Promise<void>((resolve) => this.socket.bind(port, '127.0.0.1', resolve));
    return this.socket.address().port;
  }

  send(msg: Parameters<FrameEncoder['encode']>[0], port: number): void {
    this.socket.send(this.enc.encode(msg), port, '127.0.0.1');
  }

  /** Resolves once a frame matching `pred` has arrived. */
  async waitFor(pred: (f: Frame) => boolean, timeoutMs = 2000): Promise<{ frame: Frame; from: number }> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const hit = this.frames.find((x) => pred(x.frame));
      if (hit) return hit;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error('peer: frame not received in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('link over real UDP on 127.0.0.1', () => {
  it('udp server mode (udp://host:port) receives from a vehicle and answers the last sender', async () => {
    const link = await connect(`udp://127.0.0.1:${PORT.udpServer}`, { gcsHeartbeat: false, heartbeatTimeoutMs: 0 });
    const a = new UdpPeer();
    const b = new UdpPeer();
    const aPort = await a.bind();
    const bPort = await b.bind();
    try {
      // Nobody has written yet: a send goes nowhere and is counted, never thrown.
      link.send(commandLong(400));
      expect((link.transport as UdpTransport).unroutable).toBe(1);

      const hb = link.next(minimal.Heartbeat, { timeoutMs: 2000 });
      a.send(vehicleHeartbeat(), PORT.udpServer);
      const got = await hb;
      expect(got).toMatchObject({ sysid: 1, compid: 1, name: 'HEARTBEAT' });
      expect((link.transport as UdpTransport).peer).toEqual({ host: '127.0.0.1', port: aPort });

      link.send(commandLong(400));
      const atA = await a.waitFor((f) => f.msgid === common.CommandLong.MSG_ID);
      expect(atA.frame.sysid).toBe(255);
      expect(atA.frame.compid).toBe(190);

      // Another sender takes over: replies follow it.
      const hb2 = link.next(minimal.Heartbeat, { timeoutMs: 2000 });
      b.send(vehicleHeartbeat(), PORT.udpServer);
      await hb2;
      link.send(commandLong(176));
      const atB = await b.waitFor((f) => f.msgid === common.CommandLong.MSG_ID);
      expect((decodePayload(atB.frame) as common.CommandLong).command).toBe(176);
      expect(b.frames.every((x) => x.from === PORT.udpServer)).toBe(true);
      expect(bPort).not.toBe(aPort);
      expect(a.frames.filter((x) => x.frame.msgid === common.CommandLong.MSG_ID)).toHaveLength(1);
      expect(link.counters).toMatchObject({ received: 2, sent: 3, badCrc: 0 });
    } finally {
      await link.close();
      await a.close();
      await b.close();
    }
  });

  it('udpout sends from an ephemeral port to the given address and receives the replies', async () => {
    const vehicle = new UdpPeer();
    await vehicle.bind(PORT.udpOut);
    const link = await connect(`udpout://127.0.0.1:${PORT.udpOut}`, { heartbeatTimeoutMs: 0 });
    try {
      // The GCS heartbeat goes out at open.
      const first = await vehicle.waitFor((f) => f.msgid === minimal.Heartbeat.MSG_ID);
      const hb = decodePayload(first.frame) as minimal.Heartbeat;
      expect(hb.type).toBe(minimal.MavType.GCS);
      expect(hb.autopilot).toBe(minimal.MavAutopilot.INVALID);
      expect(first.from).toBe((link.transport as UdpTransport).localPort);
      expect(first.from).not.toBe(PORT.udpOut);

      const att = link.next(common.Attitude, { timeoutMs: 2000 });
      const m = new common.Attitude();
      m.timeBootMs = 4242; m.roll = 0; m.pitch = 0; m.yaw = 1; m.rollspeed = 0; m.pitchspeed = 0; m.yawspeed = 0;
      vehicle.send(m, first.from);
      expect((await att).data.timeBootMs).toBe(4242);
    } finally {
      await link.close();
      await vehicle.close();
    }
  });

  it('sends its GCS HEARTBEAT at about 1 Hz (host clock)', async () => {
    const vehicle = new UdpPeer();
    await vehicle.bind(PORT.hb);
    const link = await connect(`udpout://127.0.0.1:${PORT.hb}`, { heartbeatTimeoutMs: 0 });
    try {
      await vehicle.waitFor(() => vehicle.frames.filter((x) => x.frame.msgid === 0).length >= 3, 4000);
      const times = vehicle.frames.filter((x) => x.frame.msgid === 0).map((x) => x.hostMs);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      for (const g of gaps) {
        expect(g).toBeGreaterThan(850);
        expect(g).toBeLessThan(1300);
      }
      const seqs = vehicle.frames.filter((x) => x.frame.msgid === 0).map((x) => x.frame.seq);
      expect(seqs).toEqual(seqs.map((_, i) => (seqs[0]! + i) & 0xff));
    } finally {
      await link.close();
      await vehicle.close();
    }
    // After close nothing more is sent.
    const n = vehicle.frames.length;
    await sleep(50);
    expect(vehicle.frames.length).toBe(n);
  }, 10_000);

  it('declares the link lost after the configured HEARTBEAT silence, naming the link', async () => {
    const link = await connect(`udp://127.0.0.1:${PORT.lost}`, { gcsHeartbeat: false, heartbeatTimeoutMs: 300, name: 'drone1 (udp://:15305)' });
    const vehicle = new UdpPeer();
    await vehicle.bind();
    try {
      const lost = new Promise<{ err: LinkLost; at: number }>((resolve) => link.onLost((err) => resolve({ err, at: hostNowMs() })));
      for (let i = 0; i < 5; i++) {
        vehicle.send(vehicleHeartbeat(), PORT.lost);
        await sleep(50);
      }
      const { err, at } = await lost;
      const lastHb = link.lastHeartbeatAt!;
      expect(err).toBeInstanceOf(LinkLost);
      // A silent line says so: no bytes at all since the vehicle's last frame.
      expect(err.message).toMatch(/^link lost: drone1 \(udp:\/\/:15305\): nothing from the vehicle for \d+ms \(limit 300ms, host clock\); no bytes since \(the last \d+ms ago\)$/);
      expect(err.link).toBe('drone1 (udp://:15305)');
      expect(err.silenceMs).toBeGreaterThan(300);
      expect(at - lastHb).toBeGreaterThan(250);
      expect(at - lastHb).toBeLessThan(300 + 75 + 250); // limit + check period + scheduling slack
      expect(link.lost).toBe(err);
      // Waits on a lost link fail with the same error, at once.
      await expect(link.next(common.Attitude, { timeoutMs: 5000 })).rejects.toBe(err);
      // A listener registered late still hears about it.
      await expect(new Promise((resolve) => link.onLost(resolve))).resolves.toBe(err);
    } finally {
      await link.close();
      await vehicle.close();
    }
  });

  it('a lost link that still delivers bytes says what they were (here: frames with a bad CRC)', async () => {
    const link = await connect(`udp://127.0.0.1:${PORT.garbled}`, { gcsHeartbeat: false, heartbeatTimeoutMs: 300 });
    const vehicle = new UdpPeer();
    await vehicle.bind();
    try {
      const lost = new Promise<LinkLost>((resolve) => link.onLost(resolve));
      vehicle.send(vehicleHeartbeat(), PORT.garbled);
      await link.next(minimal.Heartbeat, { timeoutMs: 2000 });
      // Then only damaged frames, as a line with the wrong baud rate or a noisy radio delivers.
      const garbled = setInterval(() => {
        const frame = Buffer.from(vehicleEncoder().encode(vehicleHeartbeat()));
        frame[frame.length - 1] ^= 0xff;
        vehicle.socket.send(frame, PORT.garbled, '127.0.0.1');
      }, 50);
      const err = await lost.finally(() => clearInterval(garbled));
      expect(err.message).toMatch(/nothing from the vehicle for \d+ms \(limit 300ms, host clock\); since then \d+ bytes, \d+ frames \(0 refused by signing, [1-9]\d* bad CRC\), the last bytes [\d.]+ms ago$/);
      expect(err.detail).toBe(err.message.split('; ')[1]);
    } finally {
      await link.close();
      await vehicle.close();
    }
  });

  it('a pending next() fails with LinkLost when the link is lost', async () => {
    const link = await connect(`udp://127.0.0.1:${PORT.next}`, { gcsHeartbeat: false, heartbeatTimeoutMs: 200 });
    const vehicle = new UdpPeer();
    await vehicle.bind();
    try {
      const hb = link.next(minimal.Heartbeat, { timeoutMs: 2000 });
      vehicle.send(vehicleHeartbeat(), PORT.next);
      await hb;
      await expect(link.next(common.Attitude, { timeoutMs: 5000 })).rejects.toBeInstanceOf(LinkLost);
    } finally {
      await link.close();
      await vehicle.close();
    }
  });

  it('stays up while the vehicle keeps sending heartbeats', async () => {
    const link = await connect(`udp://127.0.0.1:${PORT.alive}`, { gcsHeartbeat: false, heartbeatTimeoutMs: 300 });
    const vehicle = new UdpPeer();
    await vehicle.bind();
    try {
      for (let i = 0; i < 10; i++) {
        vehicle.send(vehicleHeartbeat(), PORT.alive);
        await sleep(100);
      }
      expect(link.lost).toBeNull();
      expect(link.lastHeartbeatAt).not.toBeNull();
    } finally {
      await link.close();
      await vehicle.close();
    }
  });

  it('a blocked event loop here is not a lost link while the vehicle keeps talking', async () => {
    const link = await connect(`udp://127.0.0.1:${PORT.stall}`, { gcsHeartbeat: false, heartbeatTimeoutMs: 300 });
    // The vehicle is another process, so it keeps sending while this one is blocked.
    const frame = vehicleEncoder().encode(vehicleHeartbeat()).toString('hex');
    const sender = spawn(process.execPath, ['-e', `
      const s = require('node:dgram').createSocket('udp4');
      const b = Buffer.from('${frame}', 'hex');
      setInterval(() => s.send(b, ${PORT.stall}, '127.0.0.1'), 50);
      setTimeout(() => process.exit(0), 5000);`]);
    try {
      const until = hostNowMs() + 3000;
      while (link.lastHeartbeatAt === null && hostNowMs() < until) await sleep(20);
      expect(link.lastHeartbeatAt).not.toBeNull();
      const blockUntil = hostNowMs() + 1000; // more than three silence limits
      while (hostNowMs() < blockUntil) {
        // busy: no timers, no I/O in this process
      }
      await sleep(200);
      expect(link.lost).toBeNull();
      // A real silence is still a loss.
      sender.kill('SIGKILL');
      const lost = await new Promise<LinkLost>((resolve) => link.onLost(resolve));
      expect(lost).toBeInstanceOf(LinkLost);
    } finally {
      sender.kill('SIGKILL');
      await link.close();
    }
  });

  it('only the target system keeps the link alive; a GCS heartbeat on the same system id does not', async () => {
    const link = await connect(`udp://127.0.0.1:${PORT.target}`, { gcsHeartbeat: false, heartbeatTimeoutMs: 250, targetSysId: 1 });
    const other = dgram.createSocket('udp4');
    await new Promise<void>((r) => other.bind(0, '127.0.0.1', r));
    const v1 = vehicleEncoder();
    const v2 = new FrameEncoder({ sysId: 2, compId: 1 });
    const gcs = new FrameEncoder({ sysId: 1, compId: 1 });
    const gcsHb = vehicleHeartbeat();
    gcsHb.type = minimal.MavType.GCS;
    gcsHb.autopilot = minimal.MavAutopilot.INVALID;
    try {
      other.send(v1.encode(vehicleHeartbeat()), PORT.target, '127.0.0.1');
      await sleep(50);
      expect(link.lastHeartbeatAt).not.toBeNull();
      const lost = new Promise<LinkLost>((resolve) => link.onLost(resolve));
      // Only system 2 keeps talking: the link to system 1 is lost regardless.
      const timer = setInterval(() => other.send(Buffer.concat([v2.encode(vehicleHeartbeat()), gcs.encode(gcsHb)]), PORT.target, '127.0.0.1'), 50);
      try {
        expect(await lost).toBeInstanceOf(LinkLost);
      } finally {
        clearInterval(timer);
      }
    } finally {
      await link.close();
      await new Promise<void>((r) => other.close(() => r()));
    }
  });
});

describe('link over TCP', () => {
  it('frames split across TCP segments decode, sends arrive, and a server close loses the link', async () => {
    const received: Buffer[] = [];
    let serverSide: net.Socket | null = null;
    const server = net.createServer((s) => {
      serverSide = s;
      s.on('data', (d) => received.push(d));
    });
    await new Promise<void>((r) => server.listen(PORT.tcp, '127.0.0.1', r));
    const link = await connect(`tcp://127.0.0.1:${PORT.tcp}`, { gcsHeartbeat: false, heartbeatTimeoutMs: 0, name: 'tcp-link' });
    try {
      await new Promise<void>((r) => (serverSide ? r() : server.once('connection', () => r())));
      const enc = vehicleEncoder();
      const bytes = Buffer.concat(Array.from({ length: 20 }, () => enc.encode(vehicleHeartbeat())));
      const all: number[] = [];
      link.on(minimal.Heartbeat, (m) => all.push(m.seq));
      // Dribble the stream in odd-sized writes.
      for (let i = 0; i < bytes.length; i += 7) {
        serverSide!.write(bytes.subarray(i, i + 7));
        if (i % 70 === 0) await sleep(1);
      }
      for (let i = 0; i < 100 && all.length < 20; i++) await sleep(10);
      expect(all).toEqual(Array.from({ length: 20 }, (_, i) => i));

      link.send(commandLong(400));
      for (let i = 0; i < 100 && received.length === 0; i++) await sleep(10);
      const got: Frame[] = [];
      new FrameSplitter().push(Buffer.concat(received), (f) => got.push(f));
      expect(got.map((f) => f.msgid)).toEqual([common.CommandLong.MSG_ID]);

      const lost = new Promise<LinkLost>((resolve) => link.onLost(resolve));
      serverSide!.destroy();
      const err = await lost;
      expect(err).toBeInstanceOf(LinkLost);
      expect(err.message).toMatch(/^link lost: tcp-link: tcp 127\.0\.0\.1:15303 closed by the peer/);
    } finally {
      await link.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('a refused connection is a clear error naming the address', async () => {
    await expect(connect('tcp://127.0.0.1:15319')).rejects.toThrow(/cannot connect tcp 127\.0\.0\.1:15319: ECONNREFUSED/);
  });
});

describe('link over memory', () => {
  it('a memory pair carries messages both ways', async () => {
    const [a, b] = MemoryTransport.pair('pair');
    const gcs = await new Link(a, { gcsHeartbeat: false, heartbeatTimeoutMs: 0 }).open();
    const vehicle = await new Link(b, { sysId: 1, compId: 1, gcsHeartbeat: false, heartbeatTimeoutMs: 0 }).open();
    try {
      const cmd = vehicle.next(common.CommandLong, { timeoutMs: 1000 });
      gcs.send(commandLong(400));
      expect((await cmd).sysid).toBe(255);
      const hb = gcs.next(minimal.Heartbeat, { timeoutMs: 1000 });
      vehicle.send(vehicleHeartbeat());
      expect((await hb).sysid).toBe(1);
      expect(gcs.lastHeartbeatAt).not.toBeNull();
    } finally {
      await gcs.close();
      await vehicle.close();
    }
  });

  it('memory://NAME connects to a registered endpoint, and the peer closing loses the link', async () => {
    const server = registerMemoryEndpoint('link-test');
    await server.open();
    const link = await connect('memory://link-test', { gcsHeartbeat: false, heartbeatTimeoutMs: 0 });
    try {
      const lost = new Promise<LinkLost>((resolve) => link.onLost(resolve));
      await server.close();
      const err = await lost;
      expect(err.message).toMatch(/^link lost: memory:\/\/link-test: memory:\/\/link-test \(b\): peer closed$/);
      expect(err.cause).toBeInstanceOf(Error);
    } finally {
      await link.close();
    }
    await expect(connect('memory://link-test')).rejects.toThrow(/no in-memory endpoint "link-test"/);
  });

  it('closing a link is not a loss, and it stops its heartbeat and silence timers', async () => {
    const [a, b] = MemoryTransport.pair('close');
    await b.open();
    const seen: Buffer[] = [];
    b.onData((c) => seen.push(c));
    const link = await new Link(a, { heartbeatTimeoutMs: 100 }).open();
    // A vehicle heartbeat arms the silence watch.
    const enc = vehicleEncoder();
    b.write(enc.encode(vehicleHeartbeat()));
    await sleep(10);
    expect(seen).toHaveLength(1); // the GCS heartbeat at open
    const lost: LinkLost[] = [];
    link.onLost((e) => lost.push(e));
    await link.close();
    await sleep(250);
    expect(lost).toEqual([]);
    expect(link.lost).toBeNull();
    link.send(vehicleHeartbeat());
    expect(link.counters.sent).toBe(1);
  });

  it('cut up: nothing we send reaches the vehicle (counted) while its messages still arrive; restore resumes at once with a GCS heartbeat', async () => {
    const [a, b] = MemoryTransport.pair('cut-up');
    const vehicle = await new Link(b, { sysId: 1, compId: 1, gcsHeartbeat: false, heartbeatTimeoutMs: 0 }).open();
    const got: string[] = [];
    vehicle.on('*', (m) => got.push(m.name));
    const gcs = await new Link(a, { heartbeatTimeoutMs: 0 }).open();
    try {
      await sleep(10);
      expect(got).toEqual(['HEARTBEAT']); // the GCS heartbeat at open
      const restore = gcs.cut('up');
      expect(gcs.isCut('up')).toBe(true);
      gcs.send(commandLong(400));
      gcs.sendGcsHeartbeat();
      const hb = gcs.next(minimal.Heartbeat, { timeoutMs: 1000 });
      vehicle.send(vehicleHeartbeat());
      expect((await hb).sysid).toBe(1);
      await sleep(10);
      expect(got).toEqual(['HEARTBEAT']);
      expect(gcs.counters).toMatchObject({ sent: 1, cutUp: 2, cutDownBytes: 0 });
      restore();
      restore(); // twice is a no-op
      await sleep(10);
      expect(got).toEqual(['HEARTBEAT', 'HEARTBEAT']);
      gcs.send(commandLong(400));
      await sleep(10);
      expect(got).toEqual(['HEARTBEAT', 'HEARTBEAT', 'COMMAND_LONG']);
      expect(gcs.counters).toMatchObject({ sent: 3, cutUp: 2 });
    } finally {
      await gcs.close();
      await vehicle.close();
    }
  });

  it('cut down: what arrives is dropped unread and counted, so the heartbeat watch declares the link lost', async () => {
    const [a, b] = MemoryTransport.pair('cut-down');
    await b.open();
    const link = await new Link(a, { gcsHeartbeat: false, heartbeatTimeoutMs: 100 }).open();
    try {
      const enc = vehicleEncoder();
      b.write(enc.encode(vehicleHeartbeat()));
      await sleep(10);
      expect(link.counters.received).toBe(1);
      const lost = new Promise<LinkLost>((resolve) => link.onLost(resolve));
      link.cut('down');
      const beat = setInterval(() => b.write(enc.encode(vehicleHeartbeat())), 20);
      try {
        expect((await lost).name).toBe('LinkLost');
      } finally {
        clearInterval(beat);
      }
      expect(link.counters.received).toBe(1);
      expect(link.counters.cutDownBytes).toBeGreaterThan(0);
      expect(link.counters.cutDownBytes % enc.encode(vehicleHeartbeat()).length).toBe(0);
    } finally {
      await link.close();
    }
  });

  it('a listener that throws does not stop the frames after it, and the error is reported', () => {
    const [a] = MemoryTransport.pair('throw');
    const errors: { err: unknown; seq: number }[] = [];
    const link = new Link(a, { gcsHeartbeat: false, heartbeatTimeoutMs: 0, onListenerError: (err, msg) => errors.push({ err, seq: msg.seq }) });
    const seen: number[] = [];
    link.on(minimal.Heartbeat, (m) => {
      if (m.seq === 0) throw new Error('consumer bug');
      seen.push(m.seq);
    });
    const enc = vehicleEncoder();
    link.ingest(Buffer.concat([enc.encode(vehicleHeartbeat()), enc.encode(vehicleHeartbeat()), enc.encode(vehicleHeartbeat())]));
    expect(seen).toEqual([1, 2]);
    expect(link.counters.received).toBe(3);
    expect(errors).toEqual([{ err: new Error('consumer bug'), seq: 0 }]);
  });

  it('every byte and frame lands in exactly one counter: a CRC-valid id without a decoder is noDecoder, not lost', () => {
    // MAVLink 2 frame of any id, CRC-checked with the id's CRC_EXTRA (as a vehicle with a newer dialect sends it).
    const raw = (msgid: number, seq: number, payload: Buffer): Buffer => {
      const f = Buffer.alloc(10 + payload.length + 2);
      f[0] = 0xfd; f[1] = payload.length; f[4] = seq; f[5] = 1; f[6] = 1;
      f[7] = msgid & 0xff; f[8] = (msgid >> 8) & 0xff; f[9] = msgid >> 16;
      payload.copy(f, 10);
      f.writeUInt16LE(crcX25(f, 1, 10 + payload.length, CRC_EXTRA[msgid] ?? 0), 10 + payload.length);
      return f;
    };
    const noDecoderId = Number(Object.keys(CRC_EXTRA).find((id) => !REGISTRY[Number(id)]));
    const unknownId = 0xfffff0;
    expect(CRC_EXTRA[unknownId]).toBeUndefined();
    const enc = new FrameEncoder({ sysId: 1, compId: 1 });
    const hb = () => enc.encode(vehicleHeartbeat());
    const good1 = hb();
    const corrupt = hb();
    corrupt[12]! ^= 0x10; // a bit flip in the payload: CRC fails
    const noDecoder = raw(noDecoderId, 200, Buffer.from([1, 2, 3, 4, 5]));
    const unknown = raw(unknownId, 201, Buffer.from([9, 9, 9]));
    const good2 = hb();
    const noise = Buffer.from([0x00, 0x11, 0x22]);
    const last = hb();
    const partial = last.subarray(0, 7);
    const [a] = MemoryTransport.pair('accounting');
    const link = new Link(a, { gcsHeartbeat: false, heartbeatTimeoutMs: 0 });
    const raws: number[] = [];
    link.onRawFrame((f) => raws.push(f.msgid));
    const input = [good1, noise, corrupt, noDecoder, unknown, good2, partial];
    link.ingest(Buffer.concat(input));
    const c = link.counters;
    expect(c).toMatchObject({
      bytesIn: input.reduce((n, b) => n + b.length, 0),
      frames: 3, frameBytes: good1.length + noDecoder.length + good2.length,
      received: 2, noDecoder: 1, decodeErrors: 0, unsignedRejected: 0, badSignature: 0,
      unknownMsgid: 1, unknownMsgidBytes: unknown.length,
      // The corrupted frame is skipped a byte at a time, as is the noise; its start byte was a bad CRC.
      skippedBytes: noise.length + corrupt.length, badCrc: 1,
      pendingBytes: partial.length,
    });
    // The frame without a decoder still reaches raw-frame listeners (recorders keep it).
    expect(raws).toEqual([0, noDecoderId, 0]);
    expect(c.bytesIn).toBe(c.frameBytes + c.unknownMsgidBytes + c.skippedBytes + c.pendingBytes);
    expect(c.frames).toBe(c.received + c.noDecoder + c.decodeErrors + c.unsignedRejected + c.badSignature);
    // The rest of the partial frame arrives: its bytes move from pending to a frame.
    link.ingest(last.subarray(7));
    expect(c).toMatchObject({ frames: 4, received: 3, pendingBytes: 0, frameBytes: good1.length + noDecoder.length + good2.length + last.length });
    expect(c.bytesIn).toBe(c.frameBytes + c.unknownMsgidBytes + c.skippedBytes + c.pendingBytes);
  });

  it('refused signed and unsigned frames are frame outcomes too, and the counters still add up', () => {
    const key = Buffer.alloc(32, 7);
    const [a] = MemoryTransport.pair('accounting-signed');
    const link = new Link(a, { gcsHeartbeat: false, heartbeatTimeoutMs: 0, signing: { key, require: true } });
    const signed = new FrameEncoder({ sysId: 1, compId: 1, signing: { key } });
    const wrongKey = new FrameEncoder({ sysId: 1, compId: 2, signing: { key: Buffer.alloc(32, 8) } });
    const unsigned = new FrameEncoder({ sysId: 1, compId: 3 });
    const first = signed.encode(vehicleHeartbeat());
    link.ingest(Buffer.concat([first, wrongKey.encode(vehicleHeartbeat()), unsigned.encode(vehicleHeartbeat()), first /* a replay */]));
    const c = link.counters;
    expect(c).toMatchObject({ frames: 4, received: 1, badSignature: 2, unsignedRejected: 1, noDecoder: 0, decodeErrors: 0 });
    expect(c.frames).toBe(c.received + c.noDecoder + c.decodeErrors + c.unsignedRejected + c.badSignature);
    expect(c.bytesIn).toBe(c.frameBytes + c.unknownMsgidBytes + c.skippedBytes + c.pendingBytes);
  });
});
