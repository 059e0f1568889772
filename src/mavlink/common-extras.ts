import { MavLinkData, MavLinkPacketField } from 'node-mavlink';

/**
 * common.xml messages PX4 v1.16 streams by default that node-mavlink's message sets lack. Fields
 * in wire order; CRC_EXTRA computed from the definitions as MAVLink's generator does (and checked
 * against real PX4's frames: test/native/real-px4-streams.test.ts).
 */

/** LINK_NODE_STATUS (8): the link's own traffic. PX4 stamps `timestamp` in µs since boot (the spec says ms). */
export class LinkNodeStatus extends MavLinkData {
  static override MSG_ID = 8;
  static override MSG_NAME = 'LINK_NODE_STATUS';
  static override PAYLOAD_LENGTH = 36;
  static override MAGIC_NUMBER = 117;
  static override FIELDS = [
    new MavLinkPacketField('timestamp', 'timestamp', 0, false, 8, 'uint64_t', 'ms'),
    new MavLinkPacketField('tx_rate', 'txRate', 8, false, 4, 'uint32_t', 'bytes/s'),
    new MavLinkPacketField('rx_rate', 'rxRate', 12, false, 4, 'uint32_t', 'bytes/s'),
    new MavLinkPacketField('messages_sent', 'messagesSent', 16, false, 4, 'uint32_t', ''),
    new MavLinkPacketField('messages_received', 'messagesReceived', 20, false, 4, 'uint32_t', ''),
    new MavLinkPacketField('messages_lost', 'messagesLost', 24, false, 4, 'uint32_t', ''),
    new MavLinkPacketField('rx_parse_err', 'rxParseErr', 28, false, 2, 'uint16_t', 'bytes'),
    new MavLinkPacketField('tx_overflows', 'txOverflows', 30, false, 2, 'uint16_t', 'bytes'),
    new MavLinkPacketField('rx_overflows', 'rxOverflows', 32, false, 2, 'uint16_t', 'bytes'),
    new MavLinkPacketField('tx_buf', 'txBuf', 34, false, 1, 'uint8_t', '%'),
    new MavLinkPacketField('rx_buf', 'rxBuf', 35, false, 1, 'uint8_t', '%'),
  ];
  timestamp: bigint = 0n;
  txRate = 0;
  rxRate = 0;
  messagesSent = 0;
  messagesReceived = 0;
  messagesLost = 0;
  rxParseErr = 0;
  txOverflows = 0;
  rxOverflows = 0;
  txBuf = 0;
  rxBuf = 0;
}

/** TIME_ESTIMATE_TO_TARGET (380): seconds to each target, -1 when unknown. */
export class TimeEstimateToTarget extends MavLinkData {
  static override MSG_ID = 380;
  static override MSG_NAME = 'TIME_ESTIMATE_TO_TARGET';
  static override PAYLOAD_LENGTH = 20;
  static override MAGIC_NUMBER = 232;
  static override FIELDS = [
    new MavLinkPacketField('safe_return', 'safeReturn', 0, false, 4, 'int32_t', 's'),
    new MavLinkPacketField('land', 'land', 4, false, 4, 'int32_t', 's'),
    new MavLinkPacketField('mission_next_item', 'missionNextItem', 8, false, 4, 'int32_t', 's'),
    new MavLinkPacketField('mission_end', 'missionEnd', 12, false, 4, 'int32_t', 's'),
    new MavLinkPacketField('commanded_action', 'commandedAction', 16, false, 4, 'int32_t', 's'),
  ];
  safeReturn = -1;
  land = -1;
  missionNextItem = -1;
  missionEnd = -1;
  commandedAction = -1;
}

/** CURRENT_EVENT_SEQUENCE (411): the latest event's sequence number (events protocol). */
export class CurrentEventSequence extends MavLinkData {
  static override MSG_ID = 411;
  static override MSG_NAME = 'CURRENT_EVENT_SEQUENCE';
  static override PAYLOAD_LENGTH = 3;
  static override MAGIC_NUMBER = 106;
  static override FIELDS = [
    new MavLinkPacketField('sequence', 'sequence', 0, false, 2, 'uint16_t', ''),
    new MavLinkPacketField('flags', 'flags', 2, false, 1, 'uint8_t', ''),
  ];
  sequence = 0;
  /** MAV_EVENT_CURRENT_SEQUENCE_FLAGS: 1 = RESET (the sender's event buffer is empty or restarted). */
  flags = 0;
}

export const COMMON_EXTRAS = [LinkNodeStatus, TimeEstimateToTarget, CurrentEventSequence] as const;
