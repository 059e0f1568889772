import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { findChromium, openPage, serveDir, type StaticServer } from './browser.js';
import { altitudePlot } from '../../src/report/plots.js';
import { describeUnless } from '../support/skip.js';

const chromium = findChromium();
const maybe = describeUnless('missing' in chromium ? chromium.missing : null);

maybe('headless Chromium helper', () => {
  let dir: string;
  let server: StaticServer;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-browser-'));
    const svg = await altitudePlot({ t: [0, 1, 2, 3, 4], alt: [0, 1, 2, 2.5, 2.5], target: 2.5 });
    // The page builds part of itself in JS, as a report app does: the helper must wait for it.
    fs.writeFileSync(
      path.join(dir, 'index.html'),
      `<!doctype html><html><body><h1>Takeoff</h1><div id="plot">${svg}</div><div id="late"></div>
       <script>setTimeout(() => { document.getElementById('late').textContent = 'budgets: 3 PASS'; }, 300);</script></body></html>`,
    );
    server = await serveDir(dir);
  });

  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves a directory on 127.0.0.1 and 404s what is not there', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await fetch(server.url)).headers.get('content-type')).toContain('text/html');
    expect((await fetch(`${server.url}nope.js`)).status).toBe(404);
    expect((await fetch(`${server.url}..%2f..%2fetc%2fpasswd`)).status).not.toBe(200);
  });

  it('loads a page, waits for script-made content, and reads DOM text, SVG marks and a screenshot', async () => {
    const page = await openPage(server.url, {
      waitFor: "document.getElementById('late').textContent.length > 0",
      screenshot: true,
      width: 800,
      height: 600,
      collect: { svgs: "document.querySelectorAll('svg').length", lines: "document.querySelectorAll('svg .mark-line path').length" },
    });
    expect(page.text).toContain('Takeoff');
    expect(page.text).toContain('budgets: 3 PASS');
    expect(page.values.svgs).toBe(1);
    expect(page.values.lines).toBe(1);
    expect(page.screenshot!.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(page.screenshot!.readUInt32BE(16)).toBe(800); // IHDR width
  }, 30_000);

  it('names the condition and shows the page when it never holds', async () => {
    await expect(openPage(server.url, { waitFor: 'window.neverSet === true', timeoutMs: 1500 })).rejects.toThrow(/never satisfied window\.neverSet === true[\s\S]*Takeoff/);
  }, 30_000);
});
