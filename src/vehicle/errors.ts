import type { StatusText } from './telemetry.js';

/** The vehicle answered a command with a refusal (DENIED, FAILED, TEMPORARILY_REJECTED, UNSUPPORTED, …). */
export class CommandDenied extends Error {
  override name = 'CommandDenied';
  constructor(
    /** The command, e.g. 'MAV_CMD_DO_SET_MODE'. */
    readonly command: string,
    /** MAV_RESULT by name, e.g. 'TEMPORARILY_REJECTED'. */
    readonly result: string,
    /** PX4 explains refusals in a STATUSTEXT: the last one near the ack, if any. */
    readonly statusText: StatusText | null,
    /** Transmissions until the refusal. */
    readonly tries: number,
    /** Host clock, first send to the refusal. */
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
    /** The command accepted. */
    readonly command: string,
    /** The effect waited for, e.g. 'armed'. */
    readonly effect: string,
    /** How long it was waited for after each acceptance (vehicle clock). */
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
    /** The command sent. */
    readonly command: string,
    /** Transmissions, every one unanswered. */
    readonly tries: number,
    /** The wait for each answer. */
    readonly timeoutMs: number,
    /** The link it was sent on. */
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
    /** What was being done. */
    readonly operation: 'upload' | 'download' | 'clear' | 'start' | 'set current',
    /** Which plan. */
    readonly planType: 'mission' | 'fence' | 'rally',
    /** MAV_MISSION_RESULT by name, or TIMEOUT / LINK_LOST. */
    readonly result: string,
    detail?: string,
  ) {
    super(`${planType} ${operation} ${result === 'TIMEOUT' || result === 'LINK_LOST' ? 'failed' : 'refused'}: ${result}${detail ? ` — ${detail}` : ''}`);
  }
}
