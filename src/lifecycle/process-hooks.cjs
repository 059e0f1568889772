'use strict';
/**
 * Process-wide stop handlers for code that runs inside Jest's test contexts, and the watchdog that
 * stops a process whose parent died.
 *
 * Why this exists: a test file's `process` is Jest's copy (jest-util createProcessObject), with
 * events of its own: `process.on('SIGINT')` inside a test context never fires, nor does 'exit'.
 * So src/lifecycle/cleanup.ts, loaded in every test file, registers here instead (the scenarios'
 * Jest environment hands this module to each file as `__flightcheckProcessHooks`), and the real
 * process's signals reach its hooks: stacks go down, vehicles land or stop, recordings close.
 *
 * The watchdog: `flightcheck run` preloads this module into Jest (`--require`, which Jest's
 * workers inherit) with FLIGHT_WATCH_PARENT=1. When the parent is gone (the runner was killed,
 * even by SIGKILL; or Jest, for a worker), nobody reads the verdicts any more and nothing may keep
 * flying: the process runs its stop handlers for at most ORPHAN_GRACE_MS and exits.
 */
const fs = require('node:fs');

const ORPHAN_GRACE_MS = 1200;
const POLL_MS = 200;

/** @type {Set<{ run: (reason: string) => Promise<void> | void, sync?: () => void }>} */
const handlers = new Set();
let installed = false;
/** @type {Promise<void> | null} */
let stopping = null;

function register(run, sync) {
  install();
  const h = { run, sync };
  handlers.add(h);
  return () => {
    handlers.delete(h);
  };
}

/** Runs every handler once, all at once, bounded by boundMs (host clock). */
function stopAll(reason, boundMs) {
  if (!stopping) {
    const list = [...handlers];
    stopping = Promise.allSettled(list.map((h) => Promise.resolve().then(() => h.run(reason)))).then(() => undefined);
  }
  let timer;
  return Promise.race([stopping, new Promise((resolve) => (timer = setTimeout(resolve, boundMs)))]).finally(() => clearTimeout(timer));
}

function install() {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      void stopAll(signal, 15_000).finally(() => process.kill(process.pid, signal));
    });
  }
  process.once('exit', () => {
    for (const h of handlers) h.sync?.();
  });
}

/** The parent's pid as the kernel sees it now (Node's process.ppid is fixed at start). */
function currentParent(original) {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    try {
      process.kill(original, 0);
      return original;
    } catch {
      return -1;
    }
  }
}

let watching = false;
function watchParent() {
  if (watching) return;
  watching = true;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (currentParent(parent) === parent) return;
    clearInterval(timer);
    process.stderr.write(`flightcheck: parent process ${parent} is gone; stopping what this process (${process.pid}) started\n`);
    void stopAll('parent died', ORPHAN_GRACE_MS).finally(() => process.exit(1));
  }, POLL_MS);
  timer.unref();
}

if (process.env.FLIGHT_WATCH_PARENT === '1') watchParent();

module.exports = { register, stopAll, watchParent, ORPHAN_GRACE_MS };
