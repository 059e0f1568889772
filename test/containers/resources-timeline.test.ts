import { describe, expect, it } from '@jest/globals';
import type { StartedTestContainer } from 'testcontainers';
import { componentOf, containersResources, containersTimeline, type ContainerStart } from '../../sitl/containers/resources.js';

const start = (name: string, component: string, instance: number, startedHostMs: number, readyHostMs: number): ContainerStart => ({ name, component, instance, image: 'img', startedHostMs, readyHostMs, detail: 'x' });

describe('containers start timeline and resources (no engine needed)', () => {
  it('names a container by its role, else by its stage as the px4 preset words it', () => {
    expect(componentOf({ role: 'drone_core', stage: 'drone_core' })).toBe('drone_core');
    expect(componentOf({ stage: 'px4 heartbeat' })).toBe('px4');
    expect(componentOf({ stage: 'agent session' })).toBe('xrce-agent');
    expect(componentOf({ stage: 'sim heartbeat' })).toBe('sim');
  });

  it('orders stages as they became ready and numbers vehicles from the stack\'s first instance', () => {
    const starts = [start('a-7', 'px4', 7, 0, 1000), start('a-8', 'px4', 8, 0, 1500), start('ag-7', 'xrce-agent', 7, 1000, 1200), start('core-7', 'drone_core', 7, 1300, 2000)];
    expect(containersTimeline(starts).map((s) => [s.stage, s.vehicle, s.readyHostMs])).toEqual([
      ['px4', 0, 1000],
      ['xrce-agent', 0, 1200],
      ['px4', 1, 1500],
      ['drone_core', 0, 2000],
    ]);
  });

  it('reads only running containers, the latest start of each name', () => {
    const starts = [start('p', 'px4', 3, 0, 1), start('g', 'xrce-agent', 3, 1, 2), start('p', 'px4', 3, 5, 6)];
    const running = new Map([['p', { getId: () => 'f'.repeat(64) } as unknown as StartedTestContainer]]);
    const sources = containersResources(starts, (n) => running.get(n));
    expect(sources.map((s) => [s.component, s.vehicle])).toEqual([['px4', 0]]);
    expect(sources[0]!.detail).toContain('ffffffffffff');
  });
});
