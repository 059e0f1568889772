// The plot renderer's thread (src/report/plots.ts): vega and vega-lite loaded once and kept warm
// between test files, rendering each vega-lite spec it is sent to an SVG string.
import { parentPort } from 'node:worker_threads';
import * as vega from 'vega';
import * as vl from 'vega-lite';

parentPort.on('message', async ({ spec }) => {
  let view;
  try {
    view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
    parentPort.postMessage({ svg: await view.toSVG() });
  } catch (err) {
    parentPort.postMessage({ error: err instanceof Error ? err.message : String(err) });
  } finally {
    view?.finalize();
  }
});
