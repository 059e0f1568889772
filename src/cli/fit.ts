/** Terminal text that fits: what `flightcheck run` prints stays within a width (100 columns by default). */
export const SUMMARY_WIDTH = 100;
/** Live progress on a terminal: the narrowest terminal it must read in. */
export const PROGRESS_WIDTH = 80;

/** Characters as a terminal counts them (code points; the marks used here are one column each). */
export function columns(s: string): number {
  return [...s].length;
}

/** `s` cut to `width` columns, ending in … when cut. */
export function cut(s: string, width: number): string {
  const chars = [...s];
  return chars.length <= width ? s : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/**
 * `head + middle + tail` within `width`: the middle (a name) gives way first, then the tail.
 * The head is what must stay readable (e.g. a vehicle's altitude and mode).
 */
export function fitLine(head: string, middle: string, tail: string, width: number): string {
  const room = width - columns(head) - columns(tail);
  if (room >= columns(middle)) return head + middle + tail;
  if (room >= 12) return head + cut(middle, room) + tail;
  return cut(head + cut(middle, 12) + tail, width);
}

/** Words of `text` in lines of at most `width` columns, each starting with `indent` (a word longer than a line is cut). */
export function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const w = cut(word, width - columns(indent));
    if (line !== indent && columns(line) + 1 + columns(w) > width) {
      lines.push(line);
      line = indent;
    }
    line += (line === indent ? '' : ' ') + w;
  }
  if (line !== indent) lines.push(line);
  return lines;
}
