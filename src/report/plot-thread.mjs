// The plot renderer's thread (src/report/plots.ts): vega and vega-lite loaded once and kept warm
// between test files, rendering each vega-lite spec it is sent to an SVG string.
//
// Compiling a spec and building its vega View costs twice the rendering, and every test draws
// the same few charts (altitude, track, a histogram per budget) with other data. So the data
// (every inline `data.values`), the values of the top-level params and the title are taken out of
// the spec, and what is left — the chart's shape — keys a View kept from an earlier chart: it
// gets the new data, params and title and renders again. A new shape compiles once.
import { parentPort } from 'node:worker_threads';
import * as vega from 'vega';
import * as vl from 'vega-lite';

/** Views kept, least recently used dropped first. */
const MAX_VIEWS = 16;
const TITLE = 'plot_title';
const views = new Map();

parentPort.on('message', async ({ spec }) => {
  try {
    parentPort.postMessage({ svg: await render(spec) });
  } catch (err) {
    parentPort.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
});

async function render(spec) {
  const { shape, datasets, signals } = split(spec);
  const key = JSON.stringify(shape);
  let view = views.get(key);
  views.delete(key);
  try {
    if (view) {
      for (const [name, values] of Object.entries(datasets)) view.data(name, values);
      for (const [name, value] of Object.entries(signals)) view.signal(name, value);
      await view.runAsync();
    } else {
      view = new vega.View(vega.parse(vl.compile(withValues(shape, datasets, signals)).spec), { renderer: 'none' });
    }
    const svg = await view.toSVG();
    views.set(key, view);
    if (views.size > MAX_VIEWS) {
      const [oldest, old] = views.entries().next().value;
      views.delete(oldest);
      old.finalize();
    }
    return svg;
  } catch (err) {
    // A View that failed is not kept.
    view?.finalize();
    throw err;
  }
}

/** The spec without its data (each inline `values` becomes a named data set), param values and title. */
function split(spec) {
  const datasets = {};
  const strip = (node) => {
    if (Array.isArray(node)) return node.map(strip);
    if (node === null || typeof node !== 'object') return node;
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === 'data' && v && Array.isArray(v.values)) {
        const name = `d${Object.keys(datasets).length}`;
        datasets[name] = v.values;
        out.data = { name };
      } else out[k] = strip(v);
    }
    return out;
  };
  const { title = '', params = [], ...rest } = spec;
  const signals = { [TITLE]: typeof title === 'string' ? title : String(title?.text ?? '') };
  for (const p of params) signals[p.name] = p.value;
  const shape = {
    ...strip(rest),
    params: params.map(({ value: _value, ...p }) => p),
    // Sized anew on every run: a kept View would otherwise keep the padding its first chart needed.
    autosize: { type: 'pad', resize: true },
  };
  return { shape, datasets, signals };
}

function withValues(shape, datasets, signals) {
  return {
    ...shape,
    datasets,
    params: [...shape.params.map((p) => ({ ...p, value: signals[p.name] })), { name: TITLE, value: signals[TITLE] }],
    title: { text: { expr: TITLE } },
  };
}
