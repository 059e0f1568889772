// Jest transformer: TypeScript → ESM with esbuild. It only strips types (type-checking is
// `npm run typecheck`), which is what ts-jest's isolatedModules did, at a fraction of the cost:
// no TypeScript compiler is loaded into every test process.
const crypto = require('node:crypto');
const { transformSync, version } = require('esbuild');

module.exports = {
  canInstrument: false,
  getCacheKey(source, filename) {
    return crypto.createHash('sha1').update(version).update('\0').update(filename).update('\0').update(source).digest('hex');
  },
  process(source, filename) {
    const out = transformSync(source, {
      loader: 'ts',
      format: 'esm',
      target: 'node20',
      sourcemap: 'inline',
      sourcefile: filename,
    });
    return { code: out.code };
  },
};
