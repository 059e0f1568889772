import { common, minimal } from 'node-mavlink';
import type { MavLinkData } from 'node-mavlink';
import { Link, type Message } from '../../src/mavlink/link.js';
import { UdpTransport } from '../../src/mavlink/transports/udp.js';

/** A client on 127.0.0.1 that sends to the simulator's API port first (udpout style). */
export async function udpClient(port: number, opts: { gcsHeartbeat?: boolean } = {}): Promise<Link> {
  const t = new UdpTransport({ bindHost: '127.0.0.1', bindPort: 0, remote: { host: '127.0.0.1', port }, followSender: false });
  return new Link(t, { gcsHeartbeat: opts.gcsHeartbeat ?? true, heartbeatTimeoutMs: 0, name: `test client → ${port}` }).open();
}

export function commandLong(
  command: number,
  params: number[] = [],
  target: { system: number; component?: number; confirmation?: number },
): common.CommandLong {
  const c = new common.CommandLong();
  c.targetSystem = target.system;
  c.targetComponent = target.component ?? 1;
  c.command = command as common.MavCmd;
  c.confirmation = target.confirmation ?? 0;
  const p = [...params, 0, 0, 0, 0, 0, 0, 0];
  c._param1 = p[0]!;
  c._param2 = p[1]!;
  c._param3 = p[2]!;
  c._param4 = p[3]!;
  c._param5 = p[4]!;
  c._param6 = p[5]!;
  c._param7 = p[6]!;
  return c;
}

/** Sends a command and waits for its COMMAND_ACK (host-time timeout). */
export async function ackOf(link: Link, cmd: common.CommandLong, timeoutMs = 2000): Promise<common.CommandAck> {
  const p = link.next(common.CommandAck, { timeoutMs, where: (m) => (m.data.command as number) === (cmd.command as number) });
  link.send(cmd);
  return (await p).data;
}

/** Collects every message of a class for `ms` of host time. */
export async function collect<T extends MavLinkData>(
  link: Link,
  kind: { MSG_ID: number; new (): T },
  ms: number,
): Promise<Message<T>[]> {
  const out: Message<T>[] = [];
  const off = link.on(kind, (m) => out.push(m));
  await sleep(ms);
  off();
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The int32 carried byte-wise in a PARAM_VALUE float (PX4 encoding). */
export function floatBitsToInt(f: number): number {
  const b = Buffer.alloc(4);
  b.writeFloatLE(f, 0);
  return b.readInt32LE(0);
}

export function intToFloatBits(i: number): number {
  const b = Buffer.alloc(4);
  b.writeInt32LE(i, 0);
  return b.readFloatLE(0);
}

export function gcsHeartbeat(): minimal.Heartbeat {
  const hb = new minimal.Heartbeat();
  hb.type = minimal.MavType.GCS;
  hb.autopilot = minimal.MavAutopilot.INVALID;
  hb.baseMode = 0 as minimal.MavModeFlag;
  hb.customMode = 0;
  hb.systemStatus = minimal.MavState.ACTIVE;
  hb.mavlinkVersion = 3;
  return hb;
}

export function timesyncRequest(ts1: bigint): common.TimeSync {
  const t = new common.TimeSync();
  t.tc1 = 0n;
  t.ts1 = ts1;
  t.targetSystem = 0;
  t.targetComponent = 0;
  return t;
}

/** Vehicle time per host time over `ms`, as a client's telemetry sees it. */
export async function vehicleRate(telemetry: { readonly vehicleTimeMs: number | null }, ms: number): Promise<number> {
  const v0 = telemetry.vehicleTimeMs!;
  const h0 = performance.now();
  await sleep(ms);
  return (telemetry.vehicleTimeMs! - v0) / (performance.now() - h0);
}
