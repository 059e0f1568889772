import { MavLinkProtocolV2 } from 'node-mavlink';
import { decodeMessage } from '../../src/mavlink/decode.js';
import { REGISTRY, fullPayloadLength } from '../../src/mavlink/registry.js';
import { seededRandom } from '../../src/mavlink/random.js';

/**
 * Our decoder replaces node-mavlink's protocol.data on the hot path; it must give the same
 * message for every message class PX4 speaks, for full and trimmed payloads alike.
 */
describe('decodeMessage ≡ node-mavlink protocol.data', () => {
  const protocol = new MavLinkProtocolV2();
  const rand = seededRandom(2024);
  const classes = Object.values(REGISTRY);

  it('covers the whole registry (minimal, standard, common, development)', () => {
    expect(classes.length).toBeGreaterThan(200);
  });

  it('gives identical messages for random payloads of every class, full and trimmed', () => {
    let compared = 0;
    for (const clazz of classes) {
      const full = fullPayloadLength(clazz);
      for (const len of new Set([full, Math.max(0, full - 1), Math.floor(full / 2), 1, 0])) {
        const payload = Buffer.from(Array.from({ length: len }, () => Math.floor(rand() * 256)));
        // Bytes after the payload in the receive buffer must not leak into the message.
        const buf = Buffer.concat([Buffer.from([0xaa, 0xbb]), payload, Buffer.alloc(16, 0xee)]);
        const ours = decodeMessage(clazz.MSG_ID, buf, 2, len);
        const padded = Buffer.alloc(255);
        payload.copy(padded);
        const theirs = protocol.data(padded, clazz);
        expect(ours).toBeInstanceOf(clazz);
        expect(Object.keys(ours!).sort()).toEqual(Object.keys(theirs).sort());
        expect(ours).toEqual(theirs);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(classes.length * 3);
  });

  it('returns null for a message id outside the registry', () => {
    expect(decodeMessage(0xabcdef, Buffer.alloc(10), 0, 10)).toBeNull();
  });

  it('strings stop at the first NUL and keep Latin-1 bytes as node-mavlink does', () => {
    const clazz = REGISTRY[253]!; // STATUSTEXT: severity, text[50], id, chunk_seq
    const payload = Buffer.alloc(54);
    payload[0] = 4;
    payload.write('abc\u00e9', 1, 'latin1');
    payload[6] = 0x41; // after the NUL at 5: ignored
    const ours = decodeMessage(253, payload, 0, payload.length) as unknown as { text: string };
    expect(ours.text).toBe((protocol.data(payload, clazz) as unknown as { text: string }).text);
    expect(ours.text).toBe('abc\u00e9');
  });
});
