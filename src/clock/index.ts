export { hostNowMs } from './host.js';
export { ClockName, Duration, parseDuration, formatMs } from './duration.js';
