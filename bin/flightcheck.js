#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so the package works straight from a checkout (no build step).
import { register } from 'tsx/esm/api';

register();
// The composition root: the built-in targets are plugins, registered here as a user's own are
// (from flightcheck.config.ts). A config that does not load is one line per problem, exit 2.
const { useProjectPlugins } = await import('../fixtures/plugins.ts');
try {
  await useProjectPlugins();
} catch (err) {
  if (err?.name !== 'ConfigError') throw err;
  for (const line of err.message.split('\n')) console.error(`flightcheck: ${line}`);
  process.exit(2);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
