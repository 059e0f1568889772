import { common, minimal } from 'node-mavlink';
import { Link } from '../../src/mavlink/link.js';
import { SerialTransport } from '../../src/mavlink/transports/serial.js';

/**
 * The far end of a serial line acting as a flight controller just enough to be brought up
 * (HEARTBEAT, TIMESYNC, COMMAND_ACK), recording every command that reaches it.
 */
export class FakeFlightController {
  readonly commands: { name: string; command: number; params: number[] }[] = [];
  readonly setpoints: string[] = [];
  private readonly boot = performance.now();
  private timer: NodeJS.Timeout | null = null;

  private constructor(readonly link: Link) {}

  static async open(device: string, baud = 921600, sysId = 1): Promise<FakeFlightController> {
    const link = new Link(new SerialTransport(device, baud), { sysId, compId: 1, gcsHeartbeat: false, heartbeatTimeoutMs: 0, name: 'fake FC' });
    await link.open();
    const fc = new FakeFlightController(link);
    link.on(common.CommandLong, (m) => {
      const d = m.data;
      fc.commands.push({ name: 'COMMAND_LONG', command: d.command, params: [d._param1, d._param2, d._param3, d._param4, d._param5, d._param6, d._param7] });
      const ack = new common.CommandAck();
      ack.command = d.command;
      ack.result = common.MavResult.ACCEPTED;
      ack.targetSystem = m.sysid;
      ack.targetComponent = m.compid;
      link.send(ack);
    });
    link.on(common.CommandInt, (m) => fc.commands.push({ name: 'COMMAND_INT', command: m.data.command, params: [] }));
    link.on(common.SetPositionTargetLocalNed, () => fc.setpoints.push('SET_POSITION_TARGET_LOCAL_NED'));
    link.on(common.TimeSync, (m) => {
      if (m.data.tc1 !== 0n) return;
      const r = new common.TimeSync();
      r.tc1 = BigInt(Math.round((performance.now() - fc.boot) * 1e6));
      r.ts1 = m.data.ts1;
      link.send(r);
    });
    const hb = new minimal.Heartbeat();
    hb.type = minimal.MavType.QUADROTOR;
    hb.autopilot = minimal.MavAutopilot.PX4;
    hb.baseMode = minimal.MavModeFlag.CUSTOM_MODE_ENABLED;
    hb.customMode = (4 << 16) | (3 << 24); // AUTO.LOITER (Hold)
    hb.systemStatus = minimal.MavState.STANDBY;
    hb.mavlinkVersion = 3;
    // A home position, as PX4 streams it once it has a GPS fix (the target waits for one at bring-up).
    const home = new common.HomePosition();
    home.latitude = 473977418;
    home.longitude = 85455939;
    home.altitude = 488000;
    home.q = [1, 0, 0, 0];
    home.timeUsec = 0n;
    fc.timer = setInterval(() => {
      link.send(hb);
      link.send(home);
    }, 100);
    link.send(hb);
    return fc;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.link.close();
  }
}
