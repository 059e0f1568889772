/**
 * docs/api.md is generated from the package's entry points (`npm run docs:api`): regenerated here
 * into a temporary file, it must equal the committed one, and every exported symbol and member
 * must carry a doc comment, so the reference can neither drift from the types nor leave a gap.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { extractApi } from '../../scripts/api-docs/extract.js';
import { ENTRIES } from '../../scripts/api-docs/groups.js';
import { renderApi } from '../../scripts/api-docs/render.js';
import { run, ROOT } from '../cli/helpers.js';

const API_MD = path.join(ROOT, 'docs/api.md');


function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'flightcheck-api-docs-'));
}

describe('the API reference', () => {
  it('is what `npm run docs:api` writes from the entry points now', async () => {
    const dir = tempDir();
    try {
      const out = path.join(dir, 'api.md');
      const r = await run(process.execPath, [path.join(ROOT, 'bin/api-docs.js'), '--out', out], {}, 60_000);
      expect(r.code).toBe(0);
      const fresh = fs.readFileSync(out, 'utf8');
      // Out of date: run `npm run docs:api` and commit docs/api.md.
      expect(fresh === fs.readFileSync(API_MD, 'utf8') ? 'up to date' : 'docs/api.md is out of date: run npm run docs:api').toBe('up to date');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 70_000);

  it('documents every exported symbol and member', () => {
    const model = extractApi(ROOT, ENTRIES.map((e) => e.file));
    expect(model.symbols.length).toBeGreaterThan(50);
    expect(model.undocumented).toEqual([]);
    // Every symbol lands in a group (rendering throws on one that does not).
    expect(renderApi(model)).toContain('## Telemetry');
  }, 60_000);

  it('names what lacks a doc comment: a symbol, a member, a property of a derived type', () => {
    const dir = tempDir();
    try {
      fs.writeFileSync(
        path.join(dir, 'index.ts'),
        [
          '/** Documented. */',
          'export function documented(): void {}',
          'export function bare(): void {}',
          '/** A shape. */',
          'export interface Shape {',
          '  /** Said. */',
          '  said: number;',
          '  unsaid: string;',
          '}',
          '/** Shape, read-only: its properties are listed with their own comments. */',
          'export type Frozen = Readonly<Shape>;',
          '/** A class; its constructor is documented by the class. */',
          'export class Thing {',
          '  constructor(readonly open: number, private hidden: number) {}',
          '  private secret = 1;',
          '  /** Shown. */',
          '  shown(): number { return this.hidden + this.secret; }',
          '}',
        ].join('\n'),
      );
      const model = extractApi(dir, ['index.ts']);
      expect(model.symbols.map((s) => `${s.kind} ${s.name}`)).toEqual(['function documented', 'function bare', 'interface Shape', 'type Frozen', 'class Thing']);
      expect(model.undocumented).toEqual(['bare', 'Shape.unsaid', 'Frozen.unsaid', 'Thing.open']);
      const thing = model.symbols.find((s) => s.name === 'Thing')!;
      expect(thing.members.map((m) => m.signature)).toEqual(['new Thing(open: number, hidden: number)', 'readonly open: number', 'shown(): number']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
