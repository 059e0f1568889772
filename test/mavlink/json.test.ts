import { describe, expect, it } from '@jest/globals';
import { REGISTRY, fullPayloadLength } from '../../src/mavlink/registry.js';
import { decodeMessage } from '../../src/mavlink/decode.js';
import { payloadJson } from '../../src/mavlink/json.js';
import { seededRandom } from '../../src/mavlink/random.js';

const jsonSafe = (_k: string, v: unknown) => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' && !Number.isFinite(v) ? null : v);

describe('payloadJson', () => {
  it('writes the JSON of the decoded message (64-bit integers as numbers, non-finite as null) for every message, full and trimmed payloads', () => {
    const rnd = seededRandom(7);
    const specials = [0x7f, 0xff, 0x80, 0x00];
    let checked = 0;
    for (const clazz of Object.values(REGISTRY)) {
      const full = fullPayloadLength(clazz);
      for (let round = 0; round < 12; round++) {
        const buf = Buffer.alloc(full + 8);
        for (let i = 0; i < buf.length; i++) buf[i] = round % 3 === 0 ? specials[Math.floor(rnd() * 4)]! : Math.floor(rnd() * 256);
        const length = round % 4 === 3 ? Math.max(1, Math.floor(rnd() * full)) : full;
        const at = round % 2 ? 3 : 0;
        const expected = JSON.stringify(decodeMessage(clazz.MSG_ID, buf, at, length), jsonSafe);
        expect(payloadJson(clazz.MSG_ID, buf, at, length)).toBe(expected);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
    expect(payloadJson(0xfffff, Buffer.alloc(4), 0, 4)).toBeNull();
  });
});
