/**
 * Requests the mavlink module answers itself (PROTOCOL_VERSION, FLIGHT_INFORMATION) and a refused
 * switch to Offboard, as real PX4 v1.16 answers them: one table run in order on one vehicle, from
 * the ground through a flight to after the landing, against the simulator
 * (test/sim/protocol-replies.test.ts) and against real PX4 (test/native/real-px4-protocol.test.ts).
 * `expect` is what real PX4 sent, as transcript lines (see transcriptLine), then the mode the next
 * HEARTBEAT reports.
 */
import { common, minimal } from 'node-mavlink';
import type { MavLinkData } from 'node-mavlink';
import type { Link, Message } from '../../src/mavlink/link.js';
import { ProtocolVersion } from '../../src/mavlink/protocol-version.js';
import { commandLong } from '../sim/helpers.js';

/** Where the vehicle is when a case runs; the table goes through them in this order. */
export type Phase = 'ground' | 'armed' | 'air' | 'landed';
const PHASES: readonly Phase[] = ['ground', 'armed', 'air', 'landed'];

export interface ProtocolCase {
  name: string;
  phase: Phase;
  send: (sys: number) => MavLinkData[];
  /** Host ms to listen before the closing HEARTBEAT (default 400). */
  listenMs?: number;
  expect: string[];
}

const CMD = {
  NAV_LAND: 21, NAV_TAKEOFF: 22, DO_SET_MODE: 176, ARM_DISARM: 400, REQUEST_MESSAGE: 512,
  REQUEST_PROTOCOL_VERSION: 519, REQUEST_FLIGHT_INFORMATION: 528,
} as const;
const FLIGHT_INFORMATION = common.FlightInformation.MSG_ID;
const OTHER_SYS = 42;

const setMode = (main: number, sub = 0) => (s: number) => [commandLong(CMD.DO_SET_MODE, [1, main, sub], { system: s })];
const requestMessage = (id: number) => (s: number) => [commandLong(CMD.REQUEST_MESSAGE, [id], { system: s })];

const PROTOCOL = 'protocol_version 200 min=100 max=200 spec=0';
const HOLD_DISARMED = 'mode 4/3 disarmed';
const HOLD_ARMED = 'mode 4/3 armed';
const NOT_AVAILABLE = 'text 2 Switching to Offboard is currently not available';

export const PROTOCOL_CASES: ProtocolCase[] = [
  {
    name: 'REQUEST_PROTOCOL_VERSION to all systems: PROTOCOL_VERSION (MAVLink 2, 1 to 2), then ACCEPTED',
    phase: 'ground',
    send: () => [commandLong(CMD.REQUEST_PROTOCOL_VERSION, [], { system: 0, component: 0 })],
    expect: [PROTOCOL, 'ack 519 ACCEPTED', HOLD_DISARMED],
  },
  {
    name: 'REQUEST_PROTOCOL_VERSION to this system, any component (PX4 ignores the component)',
    phase: 'ground',
    send: (s) => [commandLong(CMD.REQUEST_PROTOCOL_VERSION, [], { system: s, component: 5 })],
    expect: [PROTOCOL, 'ack 519 ACCEPTED', HOLD_DISARMED],
  },
  {
    name: 'REQUEST_PROTOCOL_VERSION to another system is ignored',
    phase: 'ground',
    send: () => [commandLong(CMD.REQUEST_PROTOCOL_VERSION, [], { system: OTHER_SYS })],
    expect: [HOLD_DISARMED],
  },
  {
    name: 'REQUEST_MESSAGE PROTOCOL_VERSION',
    phase: 'ground',
    send: requestMessage(ProtocolVersion.MSG_ID),
    expect: [PROTOCOL, 'ack 512 ACCEPTED', HOLD_DISARMED],
  },
  {
    name: 'FLIGHT_INFORMATION is not streamed unasked',
    phase: 'ground',
    send: () => [],
    listenMs: 2500,
    expect: [HOLD_DISARMED],
  },
  {
    name: 'REQUEST_MESSAGE FLIGHT_INFORMATION before any flight: no times, flight 0',
    phase: 'ground',
    send: requestMessage(FLIGHT_INFORMATION),
    expect: ['flight_information arming=0 takeoff=0 uuid=0', 'ack 512 ACCEPTED', HOLD_DISARMED],
  },
  {
    name: 'REQUEST_FLIGHT_INFORMATION (the legacy command) answers the same',
    phase: 'ground',
    send: (s) => [commandLong(CMD.REQUEST_FLIGHT_INFORMATION, [1], { system: s })],
    expect: ['flight_information arming=0 takeoff=0 uuid=0', 'ack 528 ACCEPTED', HOLD_DISARMED],
  },
  {
    name: 'Offboard without setpoints, disarmed: selected (ACCEPTED twice), as any mode is on the ground',
    phase: 'ground',
    send: setMode(6),
    expect: ['ack 176 ACCEPTED', 'ack 176 ACCEPTED', 'mode 6/0 disarmed'],
  },
  {
    name: 'back to Hold, disarmed: ACCEPTED twice',
    phase: 'ground',
    send: setMode(4, 3),
    expect: ['ack 176 ACCEPTED', 'ack 176 ACCEPTED', HOLD_DISARMED],
  },
  {
    name: 'FLIGHT_INFORMATION once armed: the arming time',
    phase: 'armed',
    send: requestMessage(FLIGHT_INFORMATION),
    expect: ['flight_information arming=set takeoff=0 uuid=0', 'ack 512 ACCEPTED', HOLD_ARMED],
  },
  {
    name: 'Offboard without setpoints, armed on the ground: ACCEPTED, then TEMPORARILY_REJECTED; stays in Hold',
    phase: 'armed',
    send: setMode(6),
    expect: ['ack 176 ACCEPTED', 'ack 176 TEMPORARILY_REJECTED', NOT_AVAILABLE, HOLD_ARMED],
  },
  {
    name: 'FLIGHT_INFORMATION in the air: arming and takeoff times',
    phase: 'air',
    send: requestMessage(FLIGHT_INFORMATION),
    expect: ['flight_information arming=set takeoff=set uuid=0', 'ack 512 ACCEPTED', HOLD_ARMED],
  },
  {
    name: 'Offboard without setpoints in the air: ACCEPTED, then TEMPORARILY_REJECTED; stays in Hold',
    phase: 'air',
    send: setMode(6),
    expect: ['ack 176 ACCEPTED', 'ack 176 TEMPORARILY_REJECTED', NOT_AVAILABLE, HOLD_ARMED],
  },
  {
    name: 'FLIGHT_INFORMATION after the landing and auto-disarm: times cleared, the next flight number',
    phase: 'landed',
    send: requestMessage(FLIGHT_INFORMATION),
    expect: ['flight_information arming=0 takeoff=0 uuid=1', 'ack 512 ACCEPTED', HOLD_DISARMED],
  },
];

/**
 * A vehicle time stamp (µs since boot) as the transcript shows it: 0, or "set" when it lies in
 * the past of the message's own time, else the raw numbers (a wrong time base shows as a mismatch).
 */
function stamp(us: bigint | number, nowMs: number, after = 0): string {
  const t = Number(us);
  if (t === 0) return '0';
  return t >= after && t <= nowMs * 1000 + 1000 ? 'set' : `${t}@${nowMs}ms`;
}

/** One transcript line for a vehicle message, or null when the transcript leaves it out. */
function transcriptLine(m: Message, commands: ReadonlySet<number>): string | null {
  switch (m.msgid) {
    case common.CommandAck.MSG_ID: {
      const d = m.data as common.CommandAck;
      // Only answers to what the case sent: a client's own background requests are not the case's.
      return commands.has(d.command as number) ? `ack ${d.command} ${common.MavResult[d.result]}` : null;
    }
    case ProtocolVersion.MSG_ID: {
      const d = m.data as ProtocolVersion;
      return `protocol_version ${d.version} min=${d.minVersion} max=${d.maxVersion} spec=${d.specVersionHash.some((b) => b !== 0) ? 'set' : 0}`;
    }
    case FLIGHT_INFORMATION: {
      const d = m.data as common.FlightInformation;
      const arming = stamp(d.armingTimeUtc, d.timeBootMs);
      const takeoff = stamp(d.takeoffTimeUtc, d.timeBootMs, Number(d.armingTimeUtc));
      return `flight_information arming=${arming} takeoff=${takeoff} uuid=${d.flightUuid}`;
    }
    case common.StatusText.MSG_ID: {
      const d = m.data as common.StatusText;
      // PX4 ends texts that also go out as events with a tab; the simulator's texts have none.
      const text = String(d.text).replace(/\0+$/, '').replace(/\t$/, '');
      return /currently not available/.test(text) ? `text ${d.severity} ${text}` : null;
    }
    default:
      return null;
  }
}

const ARMED_FLAG = 128;

function modeLine(hb: minimal.Heartbeat): string {
  const main = (hb.customMode >>> 16) & 0xff;
  const sub = (hb.customMode >>> 24) & 0xff;
  return `mode ${main}/${sub} ${(hb.baseMode as number) & ARMED_FLAG ? 'armed' : 'disarmed'}`;
}

/** Sends a case's messages, records the answers for its window, then the mode of the next HEARTBEAT. */
export async function runProtocolCase(link: Link, sys: number, c: ProtocolCase): Promise<string[]> {
  const msgs = c.send(sys);
  const commands = new Set(msgs.filter((m): m is common.CommandLong => m instanceof common.CommandLong).map((m) => m.command as number));
  const lines: string[] = [];
  const off = link.on('*', (m: Message) => {
    if (m.sysid !== sys) return;
    const line = transcriptLine(m, commands);
    if (line !== null) lines.push(line);
  });
  try {
    for (const m of msgs) link.send(m);
    await new Promise((r) => setTimeout(r, c.listenMs ?? 400));
  } finally {
    off();
  }
  const hb = await link.next(minimal.Heartbeat, { timeoutMs: 3000, where: (m) => m.sysid === sys });
  // PX4 sends a STATUSTEXT on a path of its own, unordered against its COMMAND_ACKs (both orders
  // seen on the ground): the answers in the order they came, then the texts.
  const isText = (l: string) => l.startsWith('text ');
  return [...lines.filter((l) => !isText(l)), ...lines.filter(isText), modeLine(hb.data)];
}

/**
 * Brings one vehicle through the table's phases with plain MAVLink commands, so the simulator and
 * PX4 are driven alike: arm, take off to Hold in the air, land and wait for the auto-disarm.
 */
export class PhaseDriver {
  private phase: Phase = 'ground';

  constructor(private readonly link: Link, private readonly sys: number) {}

  async enter(phase: Phase): Promise<void> {
    while (PHASES.indexOf(this.phase) < PHASES.indexOf(phase)) {
      const next = PHASES[PHASES.indexOf(this.phase) + 1]!;
      if (next === 'armed') await this.arm();
      else if (next === 'air') await this.takeOff();
      else await this.landAndDisarm();
      this.phase = next;
    }
  }

  private async ack(command: number, params: number[] = []): Promise<number> {
    const p = this.link.next(common.CommandAck, { timeoutMs: 3000, where: (m) => m.sysid === this.sys && (m.data.command as number) === command });
    this.link.send(commandLong(command, params, { system: this.sys }));
    return (await p).data.result as number;
  }

  private async heartbeat(what: string, ok: (hb: minimal.Heartbeat) => boolean, timeoutMs: number): Promise<void> {
    await this.link.next(minimal.Heartbeat, { timeoutMs, where: (m) => m.sysid === this.sys && ok(m.data) }).catch(() => {
      throw new Error(`vehicle ${this.sys}: not ${what} within ${timeoutMs} ms`);
    });
  }

  /** Arms once the vehicle's preflight checks let it (PX4 SIH needs a few seconds after boot). */
  private async arm(): Promise<void> {
    const until = performance.now() + 30_000;
    while ((await this.ack(CMD.ARM_DISARM, [1])) !== common.MavResult.ACCEPTED) {
      if (performance.now() > until) throw new Error(`vehicle ${this.sys}: arming refused for 30 s`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    await this.heartbeat('armed', (hb) => ((hb.baseMode as number) & ARMED_FLAG) !== 0, 3000);
  }

  /** NAV_TAKEOFF to MIS_TAKEOFF_ALT; done once the navigator has switched to Hold in the air. */
  private async takeOff(): Promise<void> {
    const r = await this.ack(CMD.NAV_TAKEOFF, [NaN, 0, 0, NaN, NaN, NaN, NaN]);
    if (r !== common.MavResult.ACCEPTED) throw new Error(`vehicle ${this.sys}: takeoff ${common.MavResult[r]}`);
    const inAir = this.link.next(common.ExtendedSysState, { timeoutMs: 60_000, where: (m) => m.sysid === this.sys && m.data.landedState === common.MavLandedState.IN_AIR });
    await inAir;
    await this.heartbeat('in Hold after the takeoff', (hb) => modeLine(hb) === 'mode 4/3 armed', 60_000);
  }

  private async landAndDisarm(): Promise<void> {
    const r = await this.ack(CMD.NAV_LAND, [0, 0, 0, NaN, NaN, NaN, NaN]);
    if (r !== common.MavResult.ACCEPTED) throw new Error(`vehicle ${this.sys}: land ${common.MavResult[r]}`);
    await this.heartbeat('landed and disarmed', (hb) => ((hb.baseMode as number) & ARMED_FLAG) === 0, 90_000);
  }
}
