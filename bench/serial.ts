/**
 * Command-to-ack latency over a real serial line (a socat pty pair, as the hil tests use) against
 * UDP on loopback, in one run: a COMMAND_LONG goes out, a minimal flight controller on the other
 * end answers COMMAND_ACK at once, and the host clock measures the round trip. What differs
 * between the two is the line: the pty, the serial port layer and the baud rate's byte time.
 *
 *   npm run bench -- serial [commands] [--baud 921600]
 *
 * Prints human-readable lines, then one JSON object as the last line. Needs socat.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { common, minimal } from 'node-mavlink';
import { hostNowMs } from '../src/clock/host.js';
import { Link } from '../src/mavlink/link.js';
import { BAUD_RATES } from '../src/mavlink/url.js';
import { SerialTransport } from '../src/mavlink/transports/serial.js';
import type { Transport } from '../src/mavlink/transports/transport.js';
import { UdpTransport } from '../src/mavlink/transports/udp.js';
import { RigSerialTransport } from '../hil/rig-transport.js';

interface Stats { p50: number; p95: number; p99: number; max: number; mean: number; n: number }

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return { p50: r(q(0.5)), p95: r(q(0.95)), p99: r(q(0.99)), max: r(s[s.length - 1]!), mean: r(s.reduce((a, b) => a + b, 0) / s.length), n: s.length };
}

/** The far end: answers every COMMAND_LONG with an ACCEPTED COMMAND_ACK and beats a HEARTBEAT. */
async function responder(transport: Transport): Promise<Link> {
  const link = new Link(transport, { sysId: 1, compId: 1, gcsHeartbeat: false, heartbeatTimeoutMs: 0, name: 'responder' });
  link.on(common.CommandLong, (m) => {
    const ack = new common.CommandAck();
    ack.command = m.data.command;
    ack.result = common.MavResult.ACCEPTED;
    ack.targetSystem = m.sysid;
    ack.targetComponent = m.compid;
    link.send(ack);
  });
  return link.open();
}

async function measure(host: Link, commands: number, warmup: number): Promise<number[]> {
  const out: number[] = [];
  const cmd = new common.CommandLong();
  cmd.targetSystem = 1;
  cmd.targetComponent = 1;
  cmd.command = common.MavCmd.REQUEST_MESSAGE;
  cmd._param1 = minimal.Heartbeat.MSG_ID;
  for (let i = 0; i < warmup + commands; i++) {
    cmd.confirmation = 0;
    const acked = host.next(common.CommandAck, { timeoutMs: 2000, where: (m) => m.data.command === cmd.command });
    const t0 = hostNowMs();
    host.send(cmd);
    await acked;
    if (i >= warmup) out.push(hostNowMs() - t0);
  }
  return out;
}

async function benchSerial(commands: number, warmup: number, baud: number): Promise<number[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flightcheck-bench-serial-'));
  const a = path.join(dir, 'a');
  const b = path.join(dir, 'b');
  const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  const closed = new Promise((r) => socat.once('exit', r));
  socat.once('error', (err) => {
    console.error(`bench serial: cannot start socat (${err.message}): apt-get install socat`);
    process.exit(2);
  });
  try {
    const until = Date.now() + 5000;
    while (!(fs.existsSync(a) && fs.existsSync(b))) {
      if (Date.now() > until) throw new Error('socat did not create the pty pair within 5 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    const far = await responder(new SerialTransport(b, baud));
    const host = await new Link(new RigSerialTransport({ path: a, baudRate: baud }), { gcsHeartbeat: false, heartbeatTimeoutMs: 0, name: `pty ${a}` }).open();
    try {
      return await measure(host, commands, warmup);
    } finally {
      await host.close();
      await far.close();
    }
  } finally {
    socat.kill('SIGTERM');
    await closed;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function benchUdp(commands: number, warmup: number): Promise<number[]> {
  const farT = new UdpTransport({ bindHost: '127.0.0.1', bindPort: 0, followSender: true });
  const far = await responder(farT);
  const host = await new Link(new UdpTransport({ bindHost: '127.0.0.1', bindPort: 0, remote: { host: '127.0.0.1', port: farT.localPort }, followSender: false }), {
    gcsHeartbeat: false,
    heartbeatTimeoutMs: 0,
    name: 'udp loopback',
  }).open();
  try {
    return await measure(host, commands, warmup);
  } finally {
    await host.close();
    await far.close();
  }
}

const { values, positionals } = parseArgs({ args: process.argv.slice(2), options: { baud: { type: 'string', default: '921600' } }, allowPositionals: true });
const commands = Number(positionals[0] ?? 1000);
const baud = Number(values.baud);
if (!Number.isInteger(commands) || commands < 10) {
  console.error(`bench serial: commands: expected a whole number ≥ 10, got "${positionals[0]}"`);
  process.exit(2);
}
if (!(BAUD_RATES as readonly number[]).includes(baud)) {
  console.error(`bench serial: --baud: must be one of ${BAUD_RATES.join(', ')}`);
  process.exit(2);
}
const warmup = Math.min(50, Math.floor(commands / 10));
// Alternate the order across two halves so neither transport always runs on a colder process.
const half = Math.ceil(commands / 2);
const udp1 = await benchUdp(half, warmup);
const serial1 = await benchSerial(half, warmup, baud);
const serial2 = await benchSerial(half, warmup, baud);
const udp2 = await benchUdp(half, warmup);
const serial = stats([...serial1, ...serial2]);
const udp = stats([...udp1, ...udp2]);
const fmt = (s: Stats) => `p50 ${s.p50.toFixed(3)} ms, p95 ${s.p95.toFixed(3)} ms, p99 ${s.p99.toFixed(3)} ms, max ${s.max.toFixed(3)} ms (n=${s.n})`;
console.log(`command → ack, serial (socat pty pair @ ${baud}): ${fmt(serial)}`);
console.log(`command → ack, UDP loopback:                  ${fmt(udp)}`);
console.log(`serial / UDP at p50: ${(serial.p50 / udp.p50).toFixed(2)}x`);
console.log(JSON.stringify({ bench: 'serial', baud, commands, serialMs: serial, udpMs: udp, p50Ratio: Math.round((serial.p50 / udp.p50) * 100) / 100 }));
