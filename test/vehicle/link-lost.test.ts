import { afterEach, describe, expect, it } from '@jest/globals';
import { common } from 'node-mavlink';
import { hostNowMs } from '../../src/clock/host.js';
import { LinkLost } from '../../src/mavlink/errors.js';
import { DEFAULT_HEARTBEAT_TIMEOUT_MS, Link } from '../../src/mavlink/link.js';
import { UdpTransport } from '../../src/mavlink/transports/udp.js';
import { CommandSender } from '../../src/vehicle/command-sender.js';
import { CommandTimeout } from '../../src/vehicle/errors.js';
import { Telemetry } from '../../src/vehicle/telemetry.js';
import { ScriptedPeer, until } from './scripted-peer.js';

/**
 * A vehicle that goes silent, over real UDP sockets on 127.0.0.1 (ports 15500–15509), with the
 * link's default HEARTBEAT timeout: it is named LinkLost within 2 s of its last HEARTBEAT, and a
 * command in flight or sent into the silence fails with that LinkLost, not a CommandTimeout.
 */

let peer: ScriptedPeer | null = null;
let link: Link | null = null;
let telemetry: Telemetry | null = null;

afterEach(async () => {
  telemetry?.detach();
  await peer?.close();
  await link?.close();
  peer = link = telemetry = null;
});

/** A client link with every default (the heartbeat timeout included) and a PX4-like peer beating at 1 Hz. */
async function setup(peerPort: number, clientPort: number): Promise<{ peer: ScriptedPeer; link: Link; sender: CommandSender }> {
  link = await new Link(new UdpTransport({ bindHost: '127.0.0.1', bindPort: clientPort, followSender: true }), { name: `client :${clientPort}` }).open();
  peer = await ScriptedPeer.start({ port: peerPort, clientPort });
  telemetry = new Telemetry(link, { sysId: 1 });
  peer.startHeartbeats(1000);
  await until(() => link!.lastHeartbeatAt !== null, 3000, 'first heartbeat');
  return { peer, link, sender: new CommandSender(link, telemetry, { targetSysId: 1 }) };
}

/** Resolves at the next vehicle HEARTBEAT the link receives (so a test starts right after one: the worst case). */
function nextHeartbeat(l: Link): Promise<number> {
  return new Promise((resolve) => {
    const off = l.onVehicleHeartbeat((t) => {
      off();
      resolve(t);
    });
  });
}

const ARM = common.MavCmd.COMPONENT_ARM_DISARM;

describe('a lost link with the default HEARTBEAT timeout', () => {
  it('the default names a silent vehicle within 2 s', () => {
    expect(DEFAULT_HEARTBEAT_TIMEOUT_MS).toBeGreaterThan(1000); // one 1 Hz HEARTBEAT late is not a loss
    expect(DEFAULT_HEARTBEAT_TIMEOUT_MS).toBeLessThanOrEqual(1900);
  });

  it("a lost HEARTBEAT is not a lost link: the vehicle's telemetry keeps it alive", async () => {
    const { peer, link } = await setup(15508, 15509);
    peer.runClock(1, 50); // LOCAL_POSITION_NED at 20 Hz, as PX4 streams telemetry
    await nextHeartbeat(link);
    peer.stopHeartbeats();
    await new Promise((r) => setTimeout(r, 3000));
    expect(link.lost).toBeNull();
    peer.stopClock();
    const err = await new Promise<LinkLost>((resolve) => link.onLost(resolve));
    expect(err).toBeInstanceOf(LinkLost);
  });

  it('a peer that stops sending HEARTBEATs is LinkLost within 2 s of its last one (host clock, real UDP)', async () => {
    const { peer, link } = await setup(15500, 15501);
    const lastBeat = await nextHeartbeat(link);
    peer.stopHeartbeats();
    const err = await new Promise<LinkLost>((resolve) => link.onLost(resolve));
    const tookMs = hostNowMs() - lastBeat;
    // eslint-disable-next-line no-console
    console.log(`LinkLost ${tookMs.toFixed(0)} ms after the last HEARTBEAT (limit ${link.heartbeatTimeoutMs} ms)`);
    expect(err).toBeInstanceOf(LinkLost);
    expect(err.message).toMatch(/^link lost: client :15501: nothing from the vehicle for 1\.\d+s \(limit 1\.80?s, host clock\); no bytes since \(the last 1\.\d+s ago\)$/);
    expect(tookMs).toBeGreaterThanOrEqual(link.heartbeatTimeoutMs);
    expect(tookMs).toBeLessThanOrEqual(2200);
  });

  it('a command in flight when the vehicle goes silent fails with LinkLost, not CommandTimeout', async () => {
    const { peer, link, sender } = await setup(15502, 15503);
    peer.defaultReply = 'drop';
    const lastBeat = await nextHeartbeat(link);
    // Sent just before the loss: received, never answered; the vehicle's last HEARTBEAT came just before it.
    const result = sender.long(ARM, [1]).catch((e: unknown) => e);
    await until(() => peer.commands.length === 1, 1000, 'command received');
    peer.stopHeartbeats();
    const err = await result;
    const tookMs = hostNowMs() - lastBeat;
    expect(err).toBeInstanceOf(LinkLost);
    expect(err).toBe(link.lost);
    expect(peer.commands.length).toBe(3); // all three tries went out before the verdict
    expect(tookMs).toBeGreaterThanOrEqual(link.heartbeatTimeoutMs);
    expect(tookMs).toBeLessThanOrEqual(2200);
  });

  it('a command sent after the vehicle went silent (before the loss is named) fails with LinkLost', async () => {
    const { peer, link, sender } = await setup(15504, 15505);
    peer.defaultReply = 'drop';
    const lastBeat = await nextHeartbeat(link);
    peer.stopHeartbeats();
    await new Promise((r) => setTimeout(r, 100));
    expect(link.lost).toBeNull();
    const err = await sender.long(ARM, [1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LinkLost);
    const tookMs = hostNowMs() - lastBeat;
    expect(tookMs).toBeGreaterThanOrEqual(link.heartbeatTimeoutMs);
    expect(tookMs).toBeLessThanOrEqual(2200);
    // And one sent once the loss is named fails at once with the same error.
    await expect(sender.long(ARM, [0])).rejects.toBe(err);
  });

  it('a command without an ack while the vehicle keeps beating is still a CommandTimeout, as soon as it is heard', async () => {
    const { peer, sender } = await setup(15506, 15507);
    peer.defaultReply = 'drop';
    const t0 = hostNowMs();
    const err = await sender.long(ARM, [1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandTimeout);
    // 3 tries × 500 ms, then at most until the next 1 Hz HEARTBEAT.
    expect(hostNowMs() - t0).toBeLessThan(2600);
    expect(link!.lost).toBeNull();
  });
});
