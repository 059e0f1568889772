/**
 * The host clock, in milliseconds: monotonic within a process (performance.now) and anchored to
 * the process start's wall time, so stamps taken by two processes on one host can be compared
 * (a detector process stamping a frame, the test process receiving it).
 */
export function hostNowMs(): number {
  return performance.timeOrigin + performance.now();
}
