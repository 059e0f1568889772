export { hostNowMs } from './host.js';
export { ClockName, Duration, parseDuration, formatMs } from './duration.js';
export { HostStallMonitor, hostStallMonitor, type StallSummary } from './host-stall.js';
