export * from './target.js';
export * from './capabilities.js';
export { loadTarget, targetNames, usePlugin, type FlightcheckPlugin } from '../plugins.js';
