/**
 * flight.noFasterThan(): a host-clock measurement runs with vehicle time capped, the flying around
 * it at the file's speed.
 */
import { describe, expect, it } from '@jest/globals';
import { useFlight } from '../../fixtures/index.js';
import { vehicleRate } from './helpers.js';

const flight = useFlight({ speed: 'max', world: { camera: false } });

const rate = (ms: number) => vehicleRate(flight.vehicle().telemetry, ms);

describe('flight.noFasterThan', () => {
  it('caps the vehicle clock while its function runs, then the file runs at its own speed again', async () => {
    const inside = await flight.noFasterThan(5, () => rate(600));
    expect(inside).toBeGreaterThan(3);
    expect(inside).toBeLessThan(6.5);
    expect(await rate(300)).toBeGreaterThan(10);
  });

  it('never speeds a file up: a cap above the speed, or max, leaves it as it is', async () => {
    expect(await flight.noFasterThan('max', () => rate(300))).toBeGreaterThan(10);
    await expect(flight.noFasterThan(0, async () => 1)).rejects.toThrow(/speed/);
  });
});
