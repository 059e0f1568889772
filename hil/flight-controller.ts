import { minimal } from 'node-mavlink';
import { Link } from '../src/mavlink/link.js';
import { withFaults, type LinkFaults } from '../src/mavlink/transports/faults.js';
import { waitForRigDevice, type PortListing, type ResolvedDevice } from './discovery.js';
import type { RigConfig } from './rig-config.js';
import { RigSerialTransport } from './rig-transport.js';
import type { FlightControllerDriver } from './strategy.js';

/** An open link to a rig's flight controller, and the device it runs over. */
export interface RigConnection {
  link: Link;
  device: ResolvedDevice;
  /** HEARTBEAT of the flight controller as first seen. */
  heartbeat: minimal.Heartbeat;
}

export interface FlightControllerOptions {
  /** HEARTBEAT silence after which the link is lost (host clock). */
  heartbeatTimeoutMs: number;
  /** MAVLink 2 signing key; with it, unsigned or mis-signed frames from the vehicle are rejected and counted. */
  signingKey: Buffer | null;
  /** Port listing (tests inject one). */
  list?: () => Promise<PortListing>;
  /** Device watch period (host clock). */
  watchMs?: number;
  /** Software faults on top of the serial line (latency, loss, …), as a scenario asks for. */
  linkFaults?: LinkFaults;
}

/** The link name every error of this rig carries, e.g. LinkLost: `rig "bench-1" (serial /dev/ttyACM0 @ 921600)`. */
export function rigLinkName(rig: RigConfig, device: ResolvedDevice): string {
  return `rig "${rig.name}" (serial ${device.path} @ ${rig.serial.baud})`;
}

/**
 * The flight controller driver: waits for the device, opens it (signed when the rig has a key)
 * and waits for the autopilot's HEARTBEAT with the rig's sys id.
 */
export function flightControllerDriver(rig: RigConfig, opts: FlightControllerOptions): FlightControllerDriver<RigConnection> {
  return {
    async connect(signal) {
      const device = await waitForRigDevice(rig, { timeoutMs: rig.bringUp.deviceTimeout, signal, ...(opts.list ? { list: opts.list } : {}) });
      const serial = new RigSerialTransport({ path: device.path, baudRate: rig.serial.baud, ...(opts.watchMs ? { watchMs: opts.watchMs } : {}) });
      const transport = opts.linkFaults ? withFaults(serial, opts.linkFaults) : serial;
      const link = new Link(transport, {
        name: rigLinkName(rig, device),
        targetSysId: rig.mavlink.sysId,
        heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
        ...(opts.signingKey ? { signing: { key: opts.signingKey, linkId: rig.mavlink.signing?.linkId ?? 1, require: true } } : {}),
      });
      await link.open();
      const others = new Set<number>();
      const offOthers = link.on(minimal.Heartbeat, (m) => {
        if (m.sysid !== rig.mavlink.sysId && m.data.type !== minimal.MavType.GCS) others.add(m.sysid);
      });
      try {
        const lost = new Promise<never>((_, reject) => link.onLost((e) => reject(e)));
        const hb = await Promise.race([
          link.next(minimal.Heartbeat, { timeoutMs: rig.bringUp.heartbeatTimeout, where: (m) => m.sysid === rig.mavlink.sysId && m.compid === rig.mavlink.compId }),
          lost,
        ]);
        if (hb.signed && !opts.signingKey) {
          throw new Error(`the vehicle signs its MAVLink frames but rig "${rig.name}" has no mavlink.signing key: it would drop every command (add mavlink.signing.keyEnv to ${rig.file})`);
        }
        return { link, device, heartbeat: hb.data };
      } catch (err) {
        await link.close();
        const c = link.counters;
        const hints: string[] = [];
        if (c.unsignedRejected > 0) hints.push(`${c.unsignedRejected} unsigned frames rejected: signing is required (key from $${rig.mavlink.signing?.keyEnv}) but the vehicle does not sign`);
        if (c.badSignature > 0) hints.push(`${c.badSignature} frames with a bad signature: the vehicle signs with another key`);
        if (others.size > 0) hints.push(`HEARTBEATs seen from sys ${[...others].join(', ')}, not ${rig.mavlink.sysId}: check mavlink.sysId`);
        if (c.bytesIn > 0 && c.received === 0 && hints.length === 0) hints.push(`${c.bytesIn} bytes but no valid frame: check serial.baud (${rig.serial.baud})`);
        if (c.bytesIn === 0) hints.push('no bytes at all from the device');
        if (link.lost || (err as Error).message.includes('signs its MAVLink')) throw err;
        throw new Error(
          `no HEARTBEAT from sys ${rig.mavlink.sysId} comp ${rig.mavlink.compId} within ${rig.bringUp.heartbeatTimeout} ms (host clock) on ${link.name}${hints.length ? ` (${hints.join('; ')})` : ''}`,
          { cause: err },
        );
      } finally {
        offOthers();
      }
    },
    async disconnect(c) {
      await c.link.close();
    },
    describe(c) {
      const id = c.device.vendorId ? ` USB ${c.device.vendorId}:${c.device.productId ?? '?'}${c.device.serialNumber ? ` serial ${c.device.serialNumber}` : ''}` : '';
      return `HEARTBEAT from sys ${rig.mavlink.sysId} on ${c.device.path}${c.device.realPath !== c.device.path ? ` (${c.device.realPath})` : ''}${id}`;
    },
  };
}
