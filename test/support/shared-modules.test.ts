/**
 * The scenarios' Jest environment hands every test file the same node-mavlink and zod (loaded once
 * per worker, see fixtures/jest-environment.cjs) instead of Jest loading them again per file.
 */
import { describe, expect, it } from '@jest/globals';
import { common } from 'node-mavlink';
import { z } from 'zod';

const shared = (globalThis as { __flightcheckSharedModules?: Record<string, { z?: unknown; common?: unknown }> }).__flightcheckSharedModules;

describe('modules shared across test files', () => {
  it('imports of node-mavlink and zod resolve to the copies the environment loaded', () => {
    expect(shared).toBeDefined();
    expect(shared!.zod!.z).toBe(z);
    expect(shared!['node-mavlink']!.common).toBe(common);
  });

  it('work as the packages do: zod parses and reports, node-mavlink builds messages', () => {
    expect(z.object({ n: z.number() }).safeParse({ n: 'x' }).success).toBe(false);
    const m = new common.CommandLong();
    m.command = common.MavCmd.COMPONENT_ARM_DISARM;
    expect(m.command).toBe(400);
  });
});
