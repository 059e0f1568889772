// The simulator thread's program: one world at a time, driven by the sim target's messages.
import { parentPort } from 'node:worker_threads';
import { hostSimWorlds } from './worker.js';

hostSimWorlds(parentPort);
