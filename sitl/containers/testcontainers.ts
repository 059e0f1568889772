/**
 * testcontainers, loaded only when a containers stack starts and only after its reaper (ryuk) is
 * turned off: ryuk is an image to pull and there may be no registry. Cleanup is ours instead
 * (labels, cleanup hooks, the reaper at the next start).
 */
export async function loadTestcontainers(): Promise<typeof import('testcontainers')> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  return import('testcontainers');
}
