/**
 * Every COPY/ADD source of every images/<name>/Dockerfile exists in the context it is built from:
 * the repository root (images/ros, which the user builds: `docker build -f images/ros/Dockerfile .`),
 * or, where images/<name>/build.sh prepares the context, what `build.sh --context-only DIR` puts
 * there. No Docker needed: a renamed or moved file fails here, not in a user's image build.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ROOT } from '../containers/docker-env.js';

/** The sources of each COPY/ADD (not `COPY --from=<stage>`), continuation lines joined. */
export function copySources(dockerfile: string): string[] {
  const lines = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const sources: string[] = [];
  for (const line of lines) {
    const m = /^(COPY|ADD)\s+(.*)$/i.exec(line);
    if (!m) continue;
    let rest = m[2]!.trim();
    const flags: string[] = [];
    while (rest.startsWith('--')) {
      const [flag, ...more] = rest.split(/\s+/);
      flags.push(flag!);
      rest = more.join(' ');
    }
    if (flags.some((f) => f.startsWith('--from='))) continue;
    const words = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
    sources.push(...words.slice(0, -1));
  }
  return sources;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flightcheck-dockerfiles-'));
const images = fs
  .readdirSync(path.join(ROOT, 'images'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && fs.existsSync(path.join(ROOT, 'images', d.name, 'Dockerfile')))
  .map((d) => d.name)
  .sort();

/** The context each image is built from, or why it cannot be prepared here. */
const contexts = new Map<string, { dir: string } | { skip: string }>();
for (const name of images) {
  const script = path.join(ROOT, 'images', name, 'build.sh');
  if (!fs.existsSync(script)) {
    contexts.set(name, { dir: ROOT });
    continue;
  }
  const dir = path.join(tmp, name);
  const out = execFileSync(script, ['--context-only', dir], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  // A build script with nothing to build from (a bundle absent here) says so and prepares nothing.
  contexts.set(name, fs.existsSync(path.join(dir, 'Dockerfile')) ? { dir } : { skip: out.trim() || `${name}/build.sh prepared no context` });
}

describe('images/*/Dockerfile', () => {
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('finds the images to check', () => {
    expect(images).toEqual(expect.arrayContaining(['px4-sitl', 'ros', 'sim', 'xrce-agent']));
  });

  for (const name of images) {
    const ctx = contexts.get(name)!;
    if ('skip' in ctx) {
      process.stderr.write(`[images] ${name}/Dockerfile: COPY sources not checked — ${ctx.skip}\n`);
      it.skip(`${name}: skipped — ${ctx.skip}`, () => {});
      continue;
    }
    it(`${name}: every COPY/ADD source is in its build context (${ctx.dir === ROOT ? 'the repository root' : `${name}/build.sh --context-only`})`, () => {
      const sources = copySources(fs.readFileSync(path.join(ROOT, 'images', name, 'Dockerfile'), 'utf8'));
      expect(sources.length).toBeGreaterThan(0);
      const missing = sources.filter((s) => !fs.existsSync(path.join(ctx.dir, s)));
      expect(missing).toEqual([]);
    });
  }
});

describe('copySources', () => {
  it('reads sources of COPY and ADD in both forms, across continuation lines, and leaves out copies from a stage', () => {
    const text = [
      'FROM x AS a',
      'COPY --chown=1:1 a.txt b/ /dst/',
      'ADD ["c d.tar.xz", "/opt/"]',
      'COPY --from=a /built /built',
      'COPY e \\',
      '  f ./',
      '# COPY g /nowhere',
    ].join('\n');
    expect(copySources(text)).toEqual(['a.txt', 'b/', 'c d.tar.xz', 'e', 'f']);
  });
});
