import type { StatusText } from './telemetry.js';

/** The vehicle answered a command with a refusal (DENIED, FAILED, TEMPORARILY_REJECTED, UNSUPPORTED, …). */
export class CommandDenied extends Error {
  override name = 'CommandDenied';
  constructor(
    readonly command: string,
    readonly result: string,
    /** PX4 explains refusals in a STATUSTEXT: the last one near the ack, if any. */
    readonly statusText: StatusText | null,
    readonly tries: number,
    readonly latencyMs: number,
  ) {
    super(
      `${command} ${result === 'DENIED' ? 'denied' : `refused: ${result}`}` +
        (statusText ? ` — "${statusText.text}" (STATUSTEXT ${statusText.severityName})` : ' (no STATUSTEXT from the vehicle around the ack)'),
    );
  }
}

/** The vehicle accepted a command but its effect (armed, a mode, …) did not show in telemetry in time. */
export class CommandNotEffective extends Error {
  override name = 'CommandNotEffective';
  constructor(
    readonly command: string,
    readonly effect: string,
    readonly timeoutMs: number,
    /** The vehicle's state when the wait ran out. */
    readonly state: string,
    /** Times the command was sent and accepted. */
    readonly attempts = 1,
  ) {
    super(`${command} was accepted${attempts > 1 ? ` ${attempts} times` : ''}, but the vehicle was not ${effect} within ${timeoutMs} ms (vehicle clock) of each: ${state}`);
  }
}

/** No COMMAND_ACK after every try. */
export class CommandTimeout extends Error {
  override name = 'CommandTimeout';
  constructor(
    readonly command: string,
    readonly tries: number,
    readonly timeoutMs: number,
    readonly link: string,
    /** Set when the vehicle had answered IN_PROGRESS but never finished. */
    readonly lastProgress: number | null = null,
    /** The clock the last wait ran out on (the first to get there). */
    readonly clock: 'host' | 'vehicle' = 'host',
  ) {
    super(
      lastProgress === null
        ? `${command}: no COMMAND_ACK after ${tries} ${tries === 1 ? 'try' : 'tries'} of ${timeoutMs} ms each (${clock} clock) on ${link}`
        : `${command}: IN_PROGRESS (${lastProgress === 255 ? 'progress unknown' : `${lastProgress}%`}) but no final COMMAND_ACK within ${timeoutMs} ms (${clock} clock) on ${link}`,
    );
  }
}

/** A parameter could not be read or set. */
export class ParamError extends Error {
  override name = 'ParamError';
}

/** A pilot operation that cannot be done in the current state (named in the message). */
export class PilotError extends Error {
  override name = 'PilotError';
}

/**
 * A mission, geofence or rally transfer the vehicle refused or never finished. `result` is the
 * MAV_MISSION_RESULT name of the vehicle's MISSION_ACK (e.g. MAV_MISSION_INVALID_SEQUENCE), or
 * TIMEOUT / LINK_LOST when it did not answer.
 */
export class MissionError extends Error {
  override name = 'MissionError';
  constructor(
    readonly operation: 'upload' | 'download' | 'clear' | 'start' | 'set current',
    readonly planType: 'mission' | 'fence' | 'rally',
    readonly result: string,
    detail?: string,
  ) {
    super(`${planType} ${operation} ${result === 'TIMEOUT' || result === 'LINK_LOST' ? 'failed' : 'refused'}: ${result}${detail ? ` — ${detail}` : ''}`);
  }
}
