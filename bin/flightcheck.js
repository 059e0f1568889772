#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so the package works straight from a checkout (no build step).
import { register } from 'tsx/esm/api';

register();
// The composition root: the built-in targets are plugins, registered here as a user's own would be.
const { useBuiltinPlugins } = await import('../fixtures/plugins.ts');
useBuiltinPlugins();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
