#!/usr/bin/env node
// `npm run docs:api [-- --out FILE]`: docs/api.md, the API reference generated from the package's
// entry points by scripts/api-docs/ (TypeScript, run through tsx as the CLI runs a checkout).
(await import('tsx/esm/api')).register();
const { main } = await import('../scripts/api-docs/main.ts');
process.exitCode = main(process.argv.slice(2));
