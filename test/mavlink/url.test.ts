import { ConnectionUrlError, formatConnection, parseConnectionUrl } from '../../src/mavlink/url.js';

function errorOf(url: string): ConnectionUrlError {
  try {
    parseConnectionUrl(url);
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectionUrlError);
    return e as ConnectionUrlError;
  }
  throw new Error(`expected "${url}" to be rejected`);
}

describe('parseConnectionUrl: accepted forms', () => {
  it.each([
    ['udp://:14540', { kind: 'udp', host: '0.0.0.0', port: 14540 }],
    ['udp://127.0.0.1:14540', { kind: 'udp', host: '127.0.0.1', port: 14540 }],
    ['udpout://127.0.0.1:14580', { kind: 'udpout', host: '127.0.0.1', port: 14580 }],
    ['tcp://127.0.0.1:5760', { kind: 'tcp', host: '127.0.0.1', port: 5760 }],
    ['serial:///dev/ttyACM0:921600', { kind: 'serial', path: '/dev/ttyACM0', baudRate: 921600 }],
    ['serial:///dev/ttyUSB0', { kind: 'serial', path: '/dev/ttyUSB0', baudRate: 921600 }],
    ['serial:///dev/serial/by-id/usb-Auterion_PX4_FMU_v6X.x_0-if00:57600', { kind: 'serial', path: '/dev/serial/by-id/usb-Auterion_PX4_FMU_v6X.x_0-if00', baudRate: 57600 }],
    ['memory://x', { kind: 'memory', name: 'x' }],
    ['  udp://:14541  ', { kind: 'udp', host: '0.0.0.0', port: 14541 }],
  ])('%s', (url, spec) => {
    expect(parseConnectionUrl(url)).toEqual(spec);
  });

  it('formats a spec back to a URL that parses to the same spec', () => {
    for (const url of ['udp://:14540', 'udpout://127.0.0.1:14580', 'tcp://127.0.0.1:5760', 'serial:///dev/ttyUSB0', 'memory://sim-1']) {
      const spec = parseConnectionUrl(url);
      expect(parseConnectionUrl(formatConnection(spec))).toEqual(spec);
    }
  });
});

describe('parseConnectionUrl: rejections are one line naming the field', () => {
  it.each([
    ['udp://:0', /port/],
    ['udp://:70000', /port/],
    ['udpout://127.0.0.1:abc', /port/],
    ['tcp://127.0.0.1', /port/],
    ['tcp://:5760', /host: missing/],
    ['serial:///dev/ttyACM0:12345', /baudRate: must be one of .*921600/],
    ['serial://dev/ttyACM0:921600', /path: must be an absolute device path/],
    ['serial://ttyUSB0', /path: must be an absolute device path/],
    ['memory://', /name: missing/],
    ['udp://bad host!:14540', /host: not a host name or IPv4 address/],
    ['udp://[::1]:14540', /host: not a host name or IPv4 address/],
    ['udp://:14540:1', /host: not a host name or IPv4 address/],
  ])('%s', (url, pattern) => {
    const e = errorOf(url);
    expect(e.message).toMatch(pattern);
    expect(e.message).toContain(url);
    expect(e.message).not.toContain('\n');
  });

  it('names an unknown scheme and lists the known ones', () => {
    const e = errorOf('http://127.0.0.1:14540');
    expect(e.message).toMatch(/unknown scheme "http"/);
    expect(e.message).toMatch(/udp, udpout, tcp, serial or memory/);
  });

  it('rejects a string that is not a URL at all, with examples', () => {
    const e = errorOf('14540');
    expect(e.message).toMatch(/expected scheme:\/\/…, e\.g\. udp:\/\/:14540/);
  });

  it('port messages say what the range is', () => {
    for (const url of ['udp://:0', 'udp://:70000', 'udpout://127.0.0.1:abc', 'tcp://127.0.0.1:1.5']) {
      expect(errorOf(url).message).toBe(`invalid connection URL "${url}": port: must be a port number 1..65535`);
    }
  });
});
