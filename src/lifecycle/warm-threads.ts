import { Worker } from 'node:worker_threads';

/**
 * Worker threads kept loaded between uses, by kind (the simulator, the chart renderer): loading
 * their modules costs more than the work they then do for one test file. An idle thread does not
 * keep the process alive and leaves the pool if it dies.
 *
 * Jest gives every test file fresh module instances, so a pool in this module would last one
 * file; the flightcheck Jest environment (fixtures/jest-environment.cjs) puts one holder on every
 * file's global, shared by all the files a Jest worker process runs. Elsewhere the holder is this
 * process's global.
 */
type Holder = Record<string, Worker[]>;

/** Loaded threads of one kind kept for the next use; more than this are ended. */
const MAX_IDLE = 2;

function holder(): Holder {
  const g = globalThis as { __flightcheckWarmThreads?: Holder };
  return (g.__flightcheckWarmThreads ??= {});
}

/**
 * A loaded idle thread of this kind, else a new one running `entry` (a function when finding the
 * program costs something: it is called only when no thread is idle).
 */
export function takeThread(kind: string, entry: URL | (() => URL)): Worker {
  const worker = holder()[kind]?.pop();
  if (!worker) return spawn(typeof entry === 'function' ? entry() : entry);
  forgetListeners(worker);
  worker.ref();
  return worker;
}

function spawn(entry: URL): Worker {
  return new Worker(entry, { stdout: false, stderr: false });
}

/** Hands a thread back, idle and clean (its user's listeners removed); it must be able to serve the next user. */
export function returnThread(kind: string, worker: Worker): void {
  const idle = (holder()[kind] ??= []);
  forgetListeners(worker);
  if (idle.length >= MAX_IDLE) {
    void worker.terminate();
    return;
  }
  const drop = () => {
    const i = idle.indexOf(worker);
    if (i >= 0) idle.splice(i, 1);
  };
  worker.on('error', drop);
  worker.on('exit', drop);
  worker.unref();
  idle.push(worker);
}

/** The listeners of its last user (not all: Worker keeps internal ones that ref its port). */
function forgetListeners(worker: Worker): void {
  for (const event of ['message', 'error', 'exit', 'messageerror', 'online']) worker.removeAllListeners(event);
}
