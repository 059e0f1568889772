import { common, development, minimal, standard, MSG_ID_MAGIC_NUMBER } from 'node-mavlink';
import type { MavLinkData, MavLinkDataConstructor } from 'node-mavlink';
import { ProtocolVersion } from './protocol-version.js';
import { COMMON_EXTRAS } from './common-extras.js';

/**
 * The message sets PX4 speaks: minimal + standard + common, plus development (PX4 builds with
 * development.xml, which carries a few messages the others lack).
 */
export const REGISTRY: Record<number, MavLinkDataConstructor<MavLinkData>> = {
  ...development.REGISTRY,
  ...minimal.REGISTRY,
  ...standard.REGISTRY,
  ...common.REGISTRY,
  [ProtocolVersion.MSG_ID]: ProtocolVersion,
  ...Object.fromEntries(COMMON_EXTRAS.map((c) => [c.MSG_ID, c])),
};

/** CRC_EXTRA per message id; an id missing here cannot be checked and is skipped as unknown. */
export const CRC_EXTRA: Record<number, number> = {
  ...MSG_ID_MAGIC_NUMBER,
  [ProtocolVersion.MSG_ID]: ProtocolVersion.MAGIC_NUMBER,
  ...Object.fromEntries(COMMON_EXTRAS.map((c) => [c.MSG_ID, c.MAGIC_NUMBER])),
};

const payloadLengths = new Map<number, number>();

/** The full (untruncated) payload length of a message class, extension fields included. */
export function fullPayloadLength(clazz: MavLinkDataConstructor<MavLinkData>): number {
  let n = payloadLengths.get(clazz.MSG_ID);
  if (n === undefined) {
    n = 0;
    for (const f of clazz.FIELDS) n = Math.max(n, f.offset + f.size * Math.max(1, f.length));
    payloadLengths.set(clazz.MSG_ID, n);
  }
  return n;
}

export function messageName(msgid: number): string {
  return REGISTRY[msgid]?.MSG_NAME ?? `MSG_${msgid}`;
}
