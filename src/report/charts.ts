/**
 * Charts are drawn when the report is built, not while the vehicle flies. A test attaches each
 * chart as its vega-lite spec (the data and the chart's shape, a few kB); `flightcheck report`
 * renders every such attachment to an SVG in allure-results before Allure reads them. Rendering
 * costs more CPU than flying the test on the built-in simulator, and a run that ends without a
 * report (`--no-report`, `npm test`) never needs it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from './plots.js';

/** The content type of an attachment that is a chart still to be drawn. */
export const CHART_TYPE = 'application/vnd.vegalite.v6+json';
export const CHART_EXTENSION = 'json';

interface Attachment {
  name: string;
  source: string;
  type?: string;
}

export interface RenderedCharts {
  rendered: number;
  /** Charts that could not be drawn: left as their spec, named with the reason. */
  failed: { name: string; error: string }[];
}

/**
 * Renders every chart attachment of the results and containers in `allureResults` to SVG, on up
 * to `threads` renderer threads at once, and points the attachments at the SVGs. A chart that
 * fails stays attached as its spec (JSON), its name saying why. Running it again finds nothing to do.
 */
export async function renderCharts(allureResults: string, threads = Math.min(4, os.availableParallelism())): Promise<RenderedCharts> {
  const out: RenderedCharts = { rendered: 0, failed: [] };
  if (!fs.existsSync(allureResults)) return out;
  const files = fs.readdirSync(allureResults).filter((f) => f.endsWith('-result.json') || f.endsWith('-container.json'));
  const jobs: { file: string; doc: unknown; charts: Attachment[] }[] = [];
  for (const f of files) {
    const file = path.join(allureResults, f);
    let doc: unknown;
    try {
      doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      continue; // not ours to judge: Allure reports unreadable results itself
    }
    const charts = chartAttachments(doc);
    if (charts.length > 0) jobs.push({ file, doc, charts });
  }
  const queue = jobs.flatMap((j) => j.charts);
  const worker = async () => {
    for (let a = queue.shift(); a; a = queue.shift()) {
      const specFile = path.join(allureResults, a.source);
      try {
        const svg = await renderSvg(JSON.parse(fs.readFileSync(specFile, 'utf8')) as TopLevelSpec);
        const source = `${a.source.slice(0, -CHART_EXTENSION.length)}svg`;
        fs.writeFileSync(path.join(allureResults, source), svg);
        fs.rmSync(specFile, { force: true });
        a.source = source;
        a.type = 'image/svg+xml';
        out.rendered++;
      } catch (err) {
        const error = (err as Error).message;
        out.failed.push({ name: a.name, error });
        a.name = `${a.name} (chart not drawn: ${error})`;
        a.type = 'application/json';
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(threads, queue.length)) }, worker));
  for (const j of jobs) fs.writeFileSync(j.file, JSON.stringify(j.doc));
  return out;
}

/** Every attachment of type CHART_TYPE anywhere in a result or container (steps nest). */
function chartAttachments(node: unknown, found: Attachment[] = []): Attachment[] {
  if (Array.isArray(node)) {
    for (const n of node) chartAttachments(n, found);
  } else if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.type === CHART_TYPE && typeof o.source === 'string' && typeof o.name === 'string') found.push(o as unknown as Attachment);
    else for (const v of Object.values(o)) if (typeof v === 'object') chartAttachments(v, found);
  }
  return found;
}
