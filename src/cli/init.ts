import fs from 'node:fs';
import path from 'node:path';

/**
 * `flightcheck init`: a project ready to fly in the current folder — the config, a one-line
 * jest.config.ts, a tsconfig, one scenario, a CI workflow and the .gitignore entries — after which
 * `npx flightcheck run` passes on the built-in simulator. A file that is already there is kept
 * (and said so), never overwritten.
 */
export const INIT_FILES: Record<string, string> = {
  'flightcheck.config.ts': `import { defineConfig } from 'flightcheck/config';

export default defineConfig({
  // plugins: ['./targets/my-stack.ts'],  // targets of your own (see flightcheck's README)
  scenarios: ['scenarios/'],
});
`,
  'jest.config.ts': `/** @jest-config-loader esbuild-register */
export default { preset: 'flightcheck' };
`,
  'tsconfig.json': `${JSON.stringify(
    {
      compilerOptions: { target: 'ES2023', lib: ['ES2023'], module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'], strict: true, skipLibCheck: true, noEmit: true },
      include: ['scenarios', 'flightcheck.config.ts', 'jest.config.ts'],
    },
    null,
    2,
  )}\n`,
  'scenarios/takeoff.test.ts': `import { describe, it } from '@jest/globals';
import { landAndDisarm, takeOff, useFlight } from 'flightcheck';

const flight = useFlight({
  budgets: {
    time_to_altitude: {
      metric: 'time_to_altitude', clock: 'vehicle', unit: 's', limits: { max: '10s' },
      description: 'arm → within NAV_MC_ALT_RAD of MIS_TAKEOFF_ALT (PX4 v1.16 SIH: 6–8 s)',
    },
  },
});

describe('takeoff', () => {
  it('climbs to MIS_TAKEOFF_ALT, holds it and lands', async () => {
    const v = flight.vehicle();
    const held = await takeOff(flight, v);
    flight.measure('time_to_altitude', held.reached.vehicleMs! / 1000);
    await landAndDisarm(flight, v);
  });
});
`,
  '.github/workflows/flightcheck.yml': `name: flightcheck
on: [push, pull_request]
jobs:
  scenarios:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with: { node-version: 20 }
      - run: npm ci
      - run: npx tsc --noEmit
      - run: npx flightcheck run --no-report
      - uses: actions/upload-artifact@v4
        if: always()
        with: { name: flight-results, path: flight-results }
`,
};

const GITIGNORE = ['node_modules/', 'flight-results*/'];

export async function initCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`usage: flightcheck init\n\nWrites, where absent: ${Object.keys(INIT_FILES).join(', ')}, .gitignore entries, and "type": "module" in package.json.`);
    return 0;
  }
  const dir = process.cwd();
  for (const [file, text] of Object.entries(INIT_FILES)) {
    const at = path.join(dir, file);
    if (fs.existsSync(at)) {
      console.log(`kept     ${file} (already there)`);
      continue;
    }
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.writeFileSync(at, text);
    console.log(`wrote    ${file}`);
  }
  const ignore = path.join(dir, '.gitignore');
  const lines = fs.existsSync(ignore) ? fs.readFileSync(ignore, 'utf8').split('\n') : [];
  const missing = GITIGNORE.filter((l) => !lines.includes(l));
  if (missing.length > 0) {
    fs.appendFileSync(ignore, `${lines.length > 0 && lines[lines.length - 1] !== '' ? '\n' : ''}${missing.join('\n')}\n`);
    console.log(`added    ${missing.join(' ')} to .gitignore`);
  }
  // The config and the scenarios are ES modules.
  const pkgFile = path.join(dir, 'package.json');
  const pkg = fs.existsSync(pkgFile) ? (JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as Record<string, unknown>) : { name: path.basename(dir), private: true };
  if (pkg.type === undefined) {
    pkg.type = 'module';
    fs.writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
    console.log('set      "type": "module" in package.json');
  } else if (pkg.type !== 'module') {
    console.log(`note     package.json says "type": "${String(pkg.type)}": the scenarios and the config are ES modules (rename them .mts, or set "type": "module")`);
  }
  console.log('\nnext: npx flightcheck run   (the scenarios on the built-in simulator, with a report)');
  return 0;
}
