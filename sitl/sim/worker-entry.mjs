// The simulator thread's program loaded through tsx, for when no bundle of it can be written
// (sitl/sim/bundle.ts): outside the test runner's module sandbox, which slows the
// simulation several times, and on the machine's other core.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
