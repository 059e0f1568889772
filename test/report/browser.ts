/**
 * Headless Chromium for report checks, driven over the DevTools protocol on a pipe
 * (--remote-debugging-pipe: commands on fd 3, replies on fd 4, NUL-terminated JSON), so no
 * WebSocket client and no debugging port are needed. Pages are served by a static server on
 * 127.0.0.1: Allure's report is a JS app that loads its data with XHR, which file:// refuses.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The Chromium binary (CHROMIUM_PATH wins), or why there is none. */
export function findChromium(): { path: string } | { missing: string } {
  const fromEnv = process.env.CHROMIUM_PATH;
  const list = fromEnv ? [fromEnv] : CANDIDATES;
  for (const p of list) {
    if (!fs.existsSync(p)) continue;
    const r = spawnSync(p, ['--version'], { encoding: 'utf8', timeout: 15_000 });
    if (r.status === 0) return { path: p };
    return { missing: `${p} --version failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}` };
  }
  return { missing: `no Chromium at ${list.join(', ')} (apt-get install chromium, or set CHROMIUM_PATH)` };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.txt': 'text/plain; charset=utf-8', '.csv': 'text/csv',
  '.woff': 'font/woff', '.woff2': 'font/woff2', '.ico': 'image/x-icon',
};

export interface StaticServer {
  /** http://127.0.0.1:<port>/ */
  url: string;
  close(): Promise<void>;
}

/** Serves a directory read-only on 127.0.0.1 at an ephemeral port. */
export async function serveDir(dir: string): Promise<StaticServer> {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = path.join(root, rel);
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface PageResult {
  /** document.body.innerText once `waitFor` held. */
  text: string;
  /** document.documentElement.outerHTML at the same moment. */
  html: string;
  /** Values of the `collect` expressions, by key. */
  values: Record<string, unknown>;
  /** Page texts kept by steps (`keepText`), by name. */
  texts: Record<string, string>;
  /** PNG of the viewport, when asked for. */
  screenshot?: Buffer;
}

export interface OpenOptions {
  /** A JS expression polled until truthy before reading the page (default: document.readyState === 'complete'). */
  waitFor?: string;
  timeoutMs?: number;
  width?: number;
  height?: number;
  screenshot?: boolean;
  /**
   * Then, in order: go to another URL (same browser), run a JS statement in the page (e.g. a
   * click), wait for a condition, and/or keep the page's text under a name (in `texts`).
   */
  steps?: { navigate?: string; run?: string; waitFor?: string; keepText?: string }[];
  /** Extra expressions evaluated in the page at the end (returned by value). */
  collect?: Record<string, string>;
}

/** Loads `url` in a fresh headless Chromium, waits, reads the page, and closes the browser. */
export async function openPage(url: string, opts: OpenOptions = {}): Promise<PageResult> {
  const found = findChromium();
  if ('missing' in found) throw new Error(found.missing);
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const width = opts.width ?? 1280;
  const height = opts.height ?? 900;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-chromium-'));
  const child = spawn(
    found.path,
    [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage', `--user-data-dir=${profile}`, `--window-size=${width},${height}`,
      '--remote-debugging-pipe', 'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true },
  );
  const cdp = new CdpPipe(child);
  const deadline = Date.now() + timeoutMs;
  try {
    const { targetId } = await cdp.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await cdp.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
    const page = (method: string, params: object = {}) => cdp.send<any>(method, params, sessionId);
    await page('Page.enable');
    await page('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
    const nav = await page('Page.navigate', { url });
    if (nav.errorText) throw new Error(`cannot load ${url}: ${nav.errorText}`);
    const evaluate = async (expression: string): Promise<unknown> => {
      const r = await page('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
      if (r.exceptionDetails) throw new Error(`page script failed: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
      return r.result?.value;
    };
    const waitFor = async (condition: string) => {
      for (;;) {
        if (await evaluate(`(() => { try { return !!(${condition}); } catch { return false; } })()`)) return;
        if (Date.now() > deadline) {
          const text = String(await evaluate('document.body ? document.body.innerText : ""')).slice(0, 500);
          throw new Error(`page ${url} never satisfied ${condition} within ${timeoutMs} ms; it shows:\n${text}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await waitFor(opts.waitFor ?? "document.readyState === 'complete'");
    const texts: Record<string, string> = {};
    for (const step of opts.steps ?? []) {
      if (step.navigate) {
        const r = await page('Page.navigate', { url: step.navigate });
        if (r.errorText) throw new Error(`cannot load ${step.navigate}: ${r.errorText}`);
      }
      if (step.run) await evaluate(`(() => { ${step.run}; return true; })()`);
      if (step.waitFor) await waitFor(step.waitFor);
      if (step.keepText) texts[step.keepText] = String(await evaluate('document.body ? document.body.innerText : ""'));
    }
    const values: Record<string, unknown> = {};
    for (const [key, expr] of Object.entries(opts.collect ?? {})) values[key] = await evaluate(expr);
    const result: PageResult = {
      text: String(await evaluate('document.body ? document.body.innerText : ""')),
      html: String(await evaluate('document.documentElement.outerHTML')),
      values,
      texts,
    };
    if (opts.screenshot) {
      const shot = await page('Page.captureScreenshot', { format: 'png' });
      result.screenshot = Buffer.from(shot.data as string, 'base64');
    }
    return result;
  } finally {
    await cdp.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/** The DevTools protocol over Chromium's pipe pair. */
class CdpPipe {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void; method: string }>();
  private buffer = '';
  private stderr = '';
  private exited = false;
  private readonly out: Writable;

  constructor(private readonly child: ChildProcess) {
    this.out = child.stdio[3] as Writable;
    const input = child.stdio[4] as Readable;
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => this.onData(chunk));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-4000);
    });
    this.out.on('error', () => {});
    child.on('exit', (code, signal) => {
      this.exited = true;
      const err = new Error(`chromium exited (${signal ?? code}) before answering:\n${this.stderr.trim().split('\n').slice(-10).join('\n')}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  send<T>(method: string, params: object = {}, sessionId?: string): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`chromium is not running (${method}):\n${this.stderr}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.out.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\0')) >= 0) {
      const msg = JSON.parse(this.buffer.slice(0, end)) as { id?: number; result?: unknown; error?: { message: string } };
      this.buffer = this.buffer.slice(end + 1);
      if (msg.id === undefined) continue;
      const p = this.pending.get(msg.id);
      if (!p) continue;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
      else p.resolve(msg.result);
    }
  }

  /** Browser.close, then SIGKILL to the browser's process group if it has not gone within 5 s. */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.send('Browser.close').catch(() => {});
    const timer = setTimeout(() => {
      try {
        process.kill(-this.child.pid!, 'SIGKILL');
      } catch {
        this.child.kill('SIGKILL');
      }
    }, 5000);
    await gone;
    clearTimeout(timer);
  }
}
