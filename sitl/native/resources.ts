import { processSource, type ResourceSource } from '../../src/resources/index.js';
import type { SitlProcess } from './process.js';

/** The running SITL process of each vehicle as a resource source, named by the preset ('px4', 'sim'). */
export function nativeResources(component: string, processes: (SitlProcess | null)[]): ResourceSource[] {
  return processes.flatMap((p, vehicle) => (p && p.exited === null ? [processSource(p.pid, component, vehicle)] : []));
}
