import type { Target } from './target.js';

type Loader = () => Promise<Target>;

/**
 * Targets register by name with a lazy loader, so a scenario on the sim never loads
 * testcontainers, serialport bindings or rclnodejs.
 */
const loaders = new Map<string, { description: string; load: Loader }>();

export function registerTarget(name: string, description: string, load: Loader): void {
  loaders.set(name, { description, load });
}

export function targetNames(): { name: string; description: string }[] {
  return [...loaders].map(([name, { description }]) => ({ name, description }));
}

export async function loadTarget(name: string): Promise<Target> {
  const entry = loaders.get(name);
  if (!entry) {
    throw new TypeError(`unknown target "${name}": expected one of ${[...loaders.keys()].join(', ')}`);
  }
  return entry.load();
}
