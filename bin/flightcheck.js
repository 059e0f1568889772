#!/usr/bin/env node
// The CLI. Installed from the registry it runs the compiled code (dist/, built by `npm run build`);
// in a checkout of flightcheck, where the sources are, it runs them through tsx, so an edit is
// never shadowed by an older build.
import fs from 'node:fs';

const checkout = fs.existsSync(new URL('../src/cli/main.ts', import.meta.url));
if (checkout) (await import('tsx/esm/api')).register();
const load = (p) => import(new URL(checkout ? `../${p}.ts` : `../dist/${p}.js`, import.meta.url).href);

// The composition root: the built-in targets are plugins, registered here as a user's own are
// (from flightcheck.config.ts). A config that does not load is one line per problem, exit 2.
const { useProjectPlugins } = await load('fixtures/plugins');
try {
  await useProjectPlugins();
} catch (err) {
  if (err?.name !== 'ConfigError') throw err;
  for (const line of err.message.split('\n')) console.error(`flightcheck: ${line}`);
  process.exit(2);
}
const { main } = await load('src/cli/main');
process.exitCode = await main(process.argv.slice(2));
