/**
 * Metrics of the stack under test itself — what the vehicle's computer will feel — named
 * `<quantity>:<component>`, so a budget addresses one component across vehicles
 * (`memory_mib:xrce-agent`): CPU (100 = one core) and memory sampled while each test runs, the
 * time each stage of the start order took to be seen ready, and the size of its image.
 */
export const STACK_QUANTITIES = {
  cpu_percent: { unit: '%', what: 'CPU use (100 = one core), sampled while the test runs' },
  memory_mib: { unit: 'MiB', what: 'memory in use (RSS, or the container\'s cgroup), sampled while the test runs' },
  ready_s: { unit: 's', what: 'start → seen ready, for one stage of the start order' },
  image_mib: { unit: 'MiB', what: 'size of the component\'s container image' },
} as const;
export type StackQuantity = keyof typeof STACK_QUANTITIES;

export function stackMetric(quantity: StackQuantity, component: string): string {
  return `${quantity}:${component}`;
}

/** The quantity and component of a stack metric's name; null for any other metric. */
export function parseStackMetric(metric: string): { quantity: StackQuantity; component: string } | null {
  const i = metric.indexOf(':');
  if (i <= 0 || i === metric.length - 1) return null;
  const quantity = metric.slice(0, i);
  return quantity in STACK_QUANTITIES ? { quantity: quantity as StackQuantity, component: metric.slice(i + 1) } : null;
}
