// Runs the simulator on its own thread (the sim target): outside the test runner's module
// sandbox, which slows the simulation several times, and on the machine's other core. The
// simulator is TypeScript, loaded through tsx like the CLI.
import { register } from 'tsx/esm/api';
import { parentPort } from 'node:worker_threads';

register();
const { hostSimWorlds } = await import('./worker.ts');
hostSimWorlds(parentPort);
