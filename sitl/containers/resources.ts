import type { StartedTestContainer } from 'testcontainers';
import { cgroupSource, type ResourceSource, type StartStage } from '../../src/resources/index.js';
import { imageSize } from './docker.js';

/** How one container of a stack started (host clock, ms), kept after it stops: the start timeline. */
export interface ContainerStart {
  name: string;
  /** 'px4', 'xrce-agent', 'drone_core', 'sim': the container's role, else read from its stage. */
  component: string;
  instance: number;
  image: string;
  startedHostMs: number;
  /** When its wait strategy saw it ready (PX4's HEARTBEAT, the agent's session line, …). */
  readyHostMs: number;
  /** The wait it passed ('px4 heartbeat', 'agent session', …) and how many starts it took. */
  detail: string;
}

/** Stage words of the presets → the component (the container roles' names). */
const STAGE_COMPONENT: Record<string, string> = { agent: 'xrce-agent' };

/** The component a container is counted under: its role, else its stage's first word ('px4 heartbeat' → 'px4'). */
export function componentOf(spec: { role?: string; stage: string }): string {
  if (spec.role) return spec.role;
  const word = spec.stage.split(/\s+/)[0]!;
  return STAGE_COMPONENT[word] ?? word;
}

/** Vehicle index of an instance: the stack's vehicles are its lowest instance + k. */
function vehicleOf(starts: ContainerStart[]): (instance: number) => number {
  const base = Math.min(...starts.map((s) => s.instance));
  return (instance) => instance - base;
}

/** The start timeline of a stack's containers, in the order they became ready. */
export function containersTimeline(starts: ContainerStart[]): StartStage[] {
  const vehicle = vehicleOf(starts);
  return [...starts]
    .sort((a, b) => a.readyHostMs - b.readyHostMs)
    .map((s) => ({ stage: s.component, vehicle: vehicle(s.instance), startedHostMs: s.startedHostMs, readyHostMs: s.readyHostMs, detail: `${s.name}: ${s.detail}` }));
}

/** A cgroup source for each running container (by its id), named by component and vehicle. */
export function containersResources(starts: ContainerStart[], running: (name: string) => StartedTestContainer | undefined): ResourceSource[] {
  const vehicle = vehicleOf(starts);
  // The latest start of each name: a container restarted under its name is the running one.
  const latest = new Map(starts.map((s) => [s.name, s]));
  return [...latest.values()].flatMap((s) => {
    const c = running(s.name);
    return c ? [cgroupSource(c.getId(), s.component, vehicle(s.instance))] : [];
  });
}

/** Bytes of each image the stack started (`docker image inspect --format {{.Size}}`); absent images are left out. */
export async function imageSizesOf(starts: ContainerStart[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const image of new Set(starts.map((s) => s.image))) {
    const size = await imageSize(image);
    if (size !== null && Number.isFinite(size)) out[image] = size;
  }
  return out;
}
