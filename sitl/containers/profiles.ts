import os from 'node:os';
import { z } from 'zod';

/**
 * The containers a profile can limit, by what they run (not by bring-up stage): the PX4 SITL, the
 * Micro XRCE-DDS agent, drone_core, and the built-in simulator image.
 */
export const CONTAINER_ROLES = ['px4', 'xrce-agent', 'drone_core', 'sim'] as const;
export type ContainerRole = (typeof CONTAINER_ROLES)[number];

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };
/** Docker refuses a memory limit below 6 MiB. */
const MIN_MEMORY = 6 * 1024 ** 2;

/** A memory size as compose writes it (`512m`, `1g`, binary units) or bytes; parsed to bytes. */
export const MemorySize = z.union([z.number().int(), z.string()]).transform((v, ctx) => {
  let bytes: number;
  if (typeof v === 'number') bytes = v;
  else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v);
    const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
    if (!m || unit === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a size like 512m, 128MiB, 1g or bytes, got "${v}"` });
      return z.NEVER;
    }
    bytes = Math.round(Number(m[1]) * unit);
  }
  if (bytes < MIN_MEMORY) {
    ctx.addIssue({ code: 'custom', message: `${bytes} bytes is below Docker's minimum memory limit (6 MiB)` });
    return z.NEVER;
  }
  return bytes;
});

/**
 * One container's limits, as in a compose file: `cpus` (CFS quota, fractional CPUs), `memory`
 * (`mem_limit`) and `memswap` (`memswap_limit`, memory + swap). memswap defaults to memory: no
 * swap, as on the vehicle, where a process over its limit is killed rather than slowed down.
 */
export const ResourceLimit = z
  .object({
    cpus: z.number().positive().max(1024).optional(),
    memory: MemorySize.optional(),
    memswap: MemorySize.optional(),
  })
  .strict()
  .refine((l) => l.memswap === undefined || (l.memory !== undefined && l.memswap >= l.memory), { message: 'memswap needs memory and must be at least memory (it is memory + swap)', path: ['memswap'] });
export type ResourceLimit = z.infer<typeof ResourceLimit>;

/** A profile: limits per container role; a role left out runs unlimited. Unknown roles are refused (a typo must not silently limit nothing). */
export const ResourceProfile = z
  .object(Object.fromEntries(CONTAINER_ROLES.map((r) => [r, ResourceLimit.optional()])) as Record<ContainerRole, z.ZodOptional<typeof ResourceLimit>>)
  .strict()
  .describe('limits per container role');
export type ResourceProfile = z.infer<typeof ResourceProfile>;
export type ResourceProfileInput = z.input<typeof ResourceProfile>;

const MiB = 1024 ** 2;

/**
 * Built-in profiles. `pi5` is DroneOS on its Raspberry Pi 5, from its compose files: drone_core
 * `cpus: 1.5, mem_limit: 512m, memswap_limit: 512m`, the agent `mem_limit: 128m`. PX4 does not run
 * on the Pi at all (it runs on the Pixhawk), so the Pi gives the SITL that stands in for the
 * Pixhawk nothing to copy: it gets no CPU quota (a quota throttles its simulator and timer
 * threads, and the flight then fails for a reason the vehicle does not have) and 256 MiB without
 * swap, several times what PX4 SITL SIH uses, only so a runaway SITL fails by name instead of
 * taking the host's memory. The built-in simulator, PX4's stand-in in the sim preset, likewise.
 */
export const BUILTIN_PROFILES: Record<string, ResourceProfile> = {
  none: {},
  pi5: {
    px4: { memory: 256 * MiB },
    'xrce-agent': { memory: 128 * MiB },
    drone_core: { cpus: 1.5, memory: 512 * MiB, memswap: 512 * MiB },
    sim: { memory: 512 * MiB },
  },
};

/** The limits one container gets, as applied: bytes, and memswap filled in (= memory: no swap). */
export interface AppliedLimit {
  cpus?: number;
  memory?: number;
  memswap?: number;
}

/** A chosen profile, resolved: what each role gets. */
export interface ResolvedProfile {
  name: string;
  limits: Partial<Record<ContainerRole, AppliedLimit>>;
}

export function knownProfiles(user: Record<string, ResourceProfile> = {}): string[] {
  return [...new Set([...Object.keys(BUILTIN_PROFILES), ...Object.keys(user)])];
}

/** The profile called `name` (a user's profile of that name wins over a built-in one), or null when unknown. */
export function resolveProfile(name: string, user: Record<string, ResourceProfile> = {}): ResolvedProfile | null {
  const profile = user[name] ?? BUILTIN_PROFILES[name];
  if (!profile) return null;
  const limits: ResolvedProfile['limits'] = {};
  for (const role of CONTAINER_ROLES) {
    const l = profile[role];
    if (!l || (l.cpus === undefined && l.memory === undefined)) continue;
    limits[role] = {
      ...(l.cpus !== undefined ? { cpus: l.cpus } : {}),
      ...(l.memory !== undefined ? { memory: l.memory, memswap: l.memswap ?? l.memory } : {}),
    };
  }
  return { name, limits };
}

export function formatBytes(bytes: number): string {
  if (bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3} GiB`;
  if (bytes >= MiB) return `${Number((bytes / MiB).toFixed(1))} MiB`;
  return `${bytes} bytes`;
}

/** `1.5 CPU, 512 MiB (no swap)`. */
export function formatLimit(l: AppliedLimit | undefined): string {
  if (!l || (l.cpus === undefined && l.memory === undefined)) return 'unlimited';
  const parts: string[] = [];
  if (l.cpus !== undefined) parts.push(`${l.cpus} CPU`);
  if (l.memory !== undefined) {
    const swap = (l.memswap ?? l.memory) - l.memory;
    parts.push(`${formatBytes(l.memory)} (${swap === 0 ? 'no swap' : `+ ${formatBytes(swap)} swap`})`);
  }
  return parts.join(', ');
}

/** The host's CPU model: a CPU quota here is a share of this CPU, not of the vehicle's. */
export function hostCpuModel(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model.trim() || 'an unknown CPU'} (${cpus.length} CPUs)`;
}

/** What the stack's info says about the profile (shown in reports). */
export function profileInfo(profile: ResolvedProfile, roles: ContainerRole[]): Record<string, string> {
  if (Object.keys(profile.limits).length === 0) return { resourceProfile: `${profile.name} (no limits)` };
  return {
    resourceProfile: `${profile.name}: limits as on the vehicle; CPU measured on ${hostCpuModel()}, not on the vehicle's CPU`,
    resourceLimits: roles.map((r) => `${r} ${formatLimit(profile.limits[r])}`).join('; '),
  };
}
