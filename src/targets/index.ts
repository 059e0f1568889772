import { registerTarget } from './registry.js';

export * from './target.js';
export { registerTarget, loadTarget, targetNames } from './registry.js';

registerTarget('sim', 'the built-in PX4-like simulator, in-process (nothing to install)', async () => (await import('./sim.js')).simTarget);
