import { formatMs } from '../clock/duration.js';

/** The vehicle stopped talking: no frame from it (HEARTBEAT or telemetry) for longer than the link's silence limit (host clock). */
export class LinkLost extends Error {
  override name = 'LinkLost';
  constructor(
    readonly link: string,
    readonly silenceMs: number,
    readonly limitMs: number,
    cause?: Error,
    /** What arrived after the vehicle's last frame (a silent line, or bytes that were no frame of it). */
    readonly detail?: string,
  ) {
    super(
      cause
        ? `link lost: ${link}: ${cause.message}` + (silenceMs > 0 ? ` (last HEARTBEAT ${formatMs(silenceMs)} before, host clock)` : '')
        : `link lost: ${link}: nothing from the vehicle for ${formatMs(silenceMs)} (limit ${formatMs(limitMs)}, host clock)` + (detail ? `; ${detail}` : ''),
      cause ? { cause } : undefined,
    );
  }
}
