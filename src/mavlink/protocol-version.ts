import { MavLinkData, MavLinkPacketField } from 'node-mavlink';

/**
 * PROTOCOL_VERSION (300, minimal.xml), which node-mavlink's message sets lack. PX4 sends it in
 * answer to MAV_CMD_REQUEST_PROTOCOL_VERSION (Mavlink::send_protocol_version: version 200, min 100,
 * max 200), and MAVSDK and QGroundControl ask for it when they connect. CRC_EXTRA 217, computed
 * from the definition as MAVLink's generator does.
 */
export class ProtocolVersion extends MavLinkData {
  static override MSG_ID = 300;
  static override MSG_NAME = 'PROTOCOL_VERSION';
  static override PAYLOAD_LENGTH = 22;
  static override MAGIC_NUMBER = 217;
  static override FIELDS = [
    new MavLinkPacketField('version', 'version', 0, false, 2, 'uint16_t', ''),
    new MavLinkPacketField('min_version', 'minVersion', 2, false, 2, 'uint16_t', ''),
    new MavLinkPacketField('max_version', 'maxVersion', 4, false, 2, 'uint16_t', ''),
    new MavLinkPacketField('spec_version_hash', 'specVersionHash', 6, false, 1, 'uint8_t[]', '', 8),
    new MavLinkPacketField('library_version_hash', 'libraryVersionHash', 14, false, 1, 'uint8_t[]', '', 8),
  ];
  /** Current MAVLink version × 100 (200 for MAVLink 2). */
  version = 0;
  minVersion = 0;
  maxVersion = 0;
  /** First 8 bytes of the message definitions' git hash. */
  specVersionHash: number[] = new Array(8).fill(0);
  /** First 8 bytes of the MAVLink library's git hash. */
  libraryVersionHash: number[] = new Array(8).fill(0);
}
