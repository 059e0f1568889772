/**
 * The px4 preset's per-vehicle values and the agent's session line, without Docker: what PX4's rcS
 * does for instance N (client key N+1, namespace px4_N, the port from PX4_UXRCE_DDS_PORT) and what
 * the real agent v2.4.2 prints (colour codes included, as it writes them without a terminal).
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { configFromEnv, fillTemplate, formatSwVersion, LogBook, px4Vars, stripAnsi } from '../../sitl/containers/index.js';
import type { UpOptions } from '../../src/targets/target.js';

const up = (instance: number): UpOptions => ({ vehicles: 2, speed: 4, seed: 1, instance, params: {}, artifactsDir: '/tmp/unused', heartbeatTimeoutMs: 3000 });

/** One line of the real agent at -v 4, byte for byte (PX4 instance 22: client key 0x17). */
const REAL_SESSION_LINE =
  '\x1b[35m[1796588739.169160]\x1b[m info     | \x1b[34mSessionManager.hpp\x1b[m | \x1b[37mestablish_session       \x1b[m | \x1b[32msession established\x1b[m    | client_key: 0x00000017, address: 127.0.0.1:37076\n';
/** The line the agent prints just before it (its format; the time stamp made up): a client created, no session yet. */
const REAL_CREATE_LINE =
  '\x1b[35m[1796588739.169090]\x1b[m info     | \x1b[34mRoot.cpp          \x1b[m | \x1b[37mcreate_client           \x1b[m | \x1b[32mcreate\x1b[m                 | client_key: 0x00000017, session_id: 0x81\n';

describe('px4 preset: per-vehicle values', () => {
  it('gives vehicle k of instance base i what PX4 uses for instance i+k', () => {
    expect(px4Vars(up(0), 0)).toMatchObject({ instance: 0, sysId: 1, droneName: 'drone1', px4Namespace: '/fmu/', agentPort: 8888, clientKey: '00000001', speed: 4 });
    expect(px4Vars(up(21), 1)).toMatchObject({ instance: 22, sysId: 23, droneName: 'drone2', px4Namespace: '/px4_22/fmu/', agentPort: 8910, clientKey: '00000017' });
    expect(px4Vars(up(250), 4).clientKey).toBe('000000FF');
  });

  it('starts PX4 in a working directory of its own with the image ROMFS, and points its XRCE client at the agent of its instance', () => {
    const px4 = configFromEnv({}, { stack: 'px4' }).px4;
    const vars = px4Vars(up(21), 0);
    expect(px4.px4Command.map((w) => fillTemplate(w, vars))).toEqual(['px4', '-i', '21', '-d', '-w', '/px4/rootfs', '/opt/px4/etc']);
    expect(fillTemplate(px4.px4Env.PX4_UXRCE_DDS_PORT!, vars)).toBe('8909');
    expect(px4.agentCommand.map((w) => fillTemplate(w, vars))).toEqual(['MicroXRCEAgent', 'udp4', '-p', '8909', '-v', '4']);
    expect(px4.px4Env).toMatchObject({ PX4_SYS_AUTOSTART: '10040', PX4_SIMULATOR: 'sihsim', PX4_SIM_MODEL: 'sihsim_quadx', HEADLESS: '1', PX4_SIM_SPEED_FACTOR: '{speed}' });
  });
});

describe('px4 preset: the agent session line', () => {
  const pattern = (instance: number) => new RegExp(fillTemplate(configFromEnv({}, { stack: 'px4' }).px4.agentSessionPattern, px4Vars(up(instance), 0)), 'i');

  it("matches the real agent's session line of this PX4's client key, not its create line nor another PX4's session", () => {
    expect(pattern(22).test(stripAnsi(REAL_SESSION_LINE))).toBe(true);
    expect(pattern(22).test(stripAnsi(REAL_CREATE_LINE))).toBe(false);
    expect(pattern(21).test(stripAnsi(REAL_SESSION_LINE))).toBe(false);
    expect(pattern(2).test(stripAnsi(REAL_SESSION_LINE))).toBe(false);
  });

  it('strips the colour codes from container output, also when a code is cut between two chunks', async () => {
    const book = new LogBook(null);
    const stream = new PassThrough();
    book.follow('agent', stream);
    const cut = REAL_SESSION_LINE.indexOf('\x1b[32m') + 3; // inside "\x1b[32m"
    const seen = book.waitForLine('agent', pattern(22), AbortSignal.timeout(2000));
    stream.write(REAL_CREATE_LINE + REAL_SESSION_LINE.slice(0, cut));
    stream.write(REAL_SESSION_LINE.slice(cut));
    expect(await seen).toBe('[1796588739.169160] info     | SessionManager.hpp | establish_session        | session established    | client_key: 0x00000017, address: 127.0.0.1:37076');
    expect(book.get('agent')).not.toContain('\x1b');
    expect(book.get('agent').split('\n')).toHaveLength(3);
    await book.close();
  });
});

describe('AUTOPILOT_VERSION', () => {
  it("reads PX4's version word", () => {
    expect(formatSwVersion(0x011000ff)).toBe('1.16.0');
    expect(formatSwVersion(0x011100c0)).toBe('1.17.0-rc');
    expect(formatSwVersion(0x01100100)).toBe('1.16.1-dev');
  });
});
