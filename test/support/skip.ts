import { spawnSync } from 'node:child_process';
import { describe } from '@jest/globals';

/**
 * `describe` where what the block needs is here (`reason` null); elsewhere the block is skipped
 * with the reason in its title ("… — skipped: <reason>"), which fixtures/skip-reporter.cjs
 * lists, with every test it skipped, at the end of `npm test`. Never a silent skip.
 */
export function describeUnless(reason: string | null): (name: string, fn: () => void) => void {
  return reason === null ? (name, fn) => describe(name, fn) : (name, fn) => describe.skip(`${name} — skipped: ${reason}`, fn);
}

/** Why tests that need a socat pty pair cannot run here, or null. */
export function socatMissing(): string | null {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0 ? null : 'socat not found (apt-get install -y socat)';
}
