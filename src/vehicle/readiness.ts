import { common } from 'node-mavlink';
import { hostNowMs } from '../clock/host.js';
import type { StatusText, Telemetry } from './telemetry.js';
import { waitFor, WaitTimeout, type Elapsed } from './wait.js';

/**
 * Ready means PX4 says it can arm: its preflight checks pass (SYS_STATUS health bit
 * MAV_SYS_STATUS_PREARM_CHECK, MAVSDK's `is_armable`). A first HEARTBEAT, a position and a home
 * are not enough: PX4 SIH needs a few seconds more after boot, and arming before that is denied
 * ("Arming denied: Resolve system health failures first").
 */

/** Texts of PX4's failing checks: "Preflight Fail: …", "Arming denied: …", and other warnings. */
const CHECK_TEXT = /preflight|arming|fail|denied|not ready|calibrat|unhealthy|missing|check/i;
/** Severity WARNING (4) or worse. */
const WARNING = 4;

export class NotReadyToArm extends Error {
  override name = 'NotReadyToArm';
  constructor(
    readonly vehicle: string,
    readonly reason: string,
    /** PX4's own texts about its failing checks, oldest first (may be empty: PX4 said nothing). */
    readonly checks: StatusText[],
  ) {
    super(
      `${vehicle} not ready to arm: ${reason}` +
        (checks.length > 0
          ? `; PX4 says: ${checks.map((t) => `"${t.text.trim()}" (${t.severityName})`).join('; ')}`
          : '; PX4 sent no text about a failing check'),
    );
  }
}

export interface ReadinessOptions {
  timeout: string | number;
  clock: 'host' | 'vehicle';
  /** Named in the error. */
  what?: string;
  /**
   * Asked when the wait runs out, so PX4 reports its failing checks (MAV_CMD_RUN_PREARM_CHECKS):
   * PX4 sends them once when they change, possibly before anybody listened.
   */
  pilot?: { command(command: number, params?: number[]): Promise<unknown> };
}

/** PX4's recent texts about failing checks, newest last. */
export function failingCheckTexts(telemetry: Telemetry, sinceHostMs = -Infinity, limit = 5): StatusText[] {
  const out: StatusText[] = [];
  const texts = telemetry.statusTexts;
  for (let i = texts.length - 1; i >= 0 && out.length < limit; i--) {
    const t = texts[i]!;
    if (t.hostMs < sinceHostMs) break;
    if (t.severity <= WARNING && CHECK_TEXT.test(t.text)) out.unshift(t);
  }
  return out;
}

/** Resolves once PX4 says it can arm; rejects with NotReadyToArm carrying PX4's failing-check texts. */
export async function waitUntilArmable(telemetry: Telemetry, name: string, opts: ReadinessOptions): Promise<Elapsed> {
  const startedHostMs = hostNowMs();
  try {
    return await waitFor(telemetry, (t) => t.armable === true, {
      timeout: opts.timeout,
      clock: opts.clock,
      what: opts.what ?? `${name} ready to arm (SYS_STATUS PREARM_CHECK)`,
    });
  } catch (err) {
    if (!(err instanceof WaitTimeout)) throw err;
    if (opts.pilot) {
      await opts.pilot.command(common.MavCmd.RUN_PREARM_CHECKS).catch(() => null);
      await new Promise((r) => setTimeout(r, 300));
    }
    const reason =
      telemetry.armable === null
        ? `no SYS_STATUS received within ${err.message.replace(/^.* within /, '')}`
        : `its preflight checks did not pass within ${err.message.replace(/^.* within /, '')}`;
    // Texts since shortly before the wait: older ones may describe checks that passed since.
    throw new NotReadyToArm(name, reason, failingCheckTexts(telemetry, startedHostMs - 30_000));
  }
}
