export type { ResourceReading, ResourceSource, ResourceSample, StartStage } from './types.js';
export { resourceKey } from './types.js';
export { processSource } from './proc.js';
export { cgroupSource } from './cgroup.js';
export { ResourceMonitor, type ResourceMonitorOptions } from './monitor.js';
