/**
 * Failures as `flightcheck run` prints them: tests that failed with the same text (a target that
 * cannot come up fails every test with one reason) are one entry naming them all, not N copies.
 */
export function groupFailures(messages: readonly string[]): string[] {
  const groups = new Map<string, string[]>();
  for (const m of messages) {
    const nl = m.indexOf('\n');
    const [head, body] = nl < 0 ? [m, ''] : [m.slice(0, nl), m.slice(nl + 1)];
    if (!body) {
      groups.set(m, []);
      continue;
    }
    const heads = groups.get(body) ?? [];
    heads.push(head);
    groups.set(body, heads);
  }
  return [...groups].map(([body, heads]) => (heads.length === 0 ? body : `${heads.join('\n')}\n${body}`));
}
