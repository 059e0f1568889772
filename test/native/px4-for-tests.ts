import { localPx4 } from '../../sitl/native/bundle.js';

/** Real PX4 SITL for tests (FLIGHT_PX4_DIR, else the bundle beside the repository), or why not. */
export const px4ForTests = () => localPx4();

/** Prints why the real-PX4 tests are skipped, once per file, where Jest shows it. */
export function announcePx4Skip(file: string, reason: string): void {
  process.stderr.write(`\n[native PX4] ${file}: SKIPPED — ${reason}\n`);
}
