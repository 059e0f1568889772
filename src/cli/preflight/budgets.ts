import path from 'node:path';
import type TS from 'typescript';
import { BudgetError, parseBudgets, STATS } from '../../budgets/index.js';
import { closest } from '../../config/did-you-mean.js';

/**
 * The budgets of a scenario file, checked without running it: the `budgets` of each
 * `useFlight({...})` call are read from the source as a literal (objects, arrays, strings,
 * numbers, and constants declared in the same file) and validated as useFlight validates them,
 * each problem with its file:line. Reading the source, rather than importing the file, runs none
 * of its code: no Jest globals, no target, nothing that could start a vehicle. Budgets computed at
 * run time (a call, an import) cannot be read this way; they are still validated when the file
 * loads, as before.
 */
export function checkFileBudgets(ts: typeof TS, sf: TS.SourceFile): string[] {
  const errors: string[] = [];
  const where = (node: TS.Node) => {
    const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    return `${path.relative(process.cwd(), sf.fileName)}:${line + 1}`;
  };
  const visit = (node: TS.Node) => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'useFlight') {
      const arg = node.arguments[0];
      const prop = arg && ts.isObjectLiteralExpression(arg) ? arg.properties.find((p) => p.name && ts.isIdentifier(p.name) && p.name.text === 'budgets') : undefined;
      if (prop && ts.isPropertyAssignment(prop)) {
        const nodes = new Map<string, TS.Node>();
        const value = evaluate(ts, sf, prop.initializer, 'budgets', nodes);
        if (value !== UNKNOWN) {
          try {
            parseBudgets(value);
          } catch (err) {
            if (!(err instanceof BudgetError)) throw err;
            // A misspelt key also makes the real one missing: the typo's line says both.
            const misspelt = new Set(err.issues.flatMap((i) => {
              const k = /Unrecognized keys?: "([^"]+)"/.exec(i.message)?.[1];
              const c = k ? closest(k, BUDGET_WORDS) : null;
              return c ? [`${i.path}.${c}`] : [];
            }));
            for (const issue of err.issues.filter((i) => !(misspelt.has(i.path) && /received undefined/.test(i.message)))) {
              const key = /Unrecognized keys?: "([^"]+)"/.exec(issue.message)?.[1];
              const node = (key && nodes.get(`${issue.path}.${key}#key`)) || nodeFor(issue.path, nodes) || prop;
              errors.push(`${where(node)}: ${issue.path}: ${issue.message}${suggestion(issue, value)}`);
            }
          }
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return errors;
}

const UNKNOWN = Symbol('not a literal');

/** A literal's value; `nodes` gets the node of every property under its path as BudgetError writes paths. */
function evaluate(ts: typeof TS, sf: TS.SourceFile, node: TS.Expression, at: string, nodes: Map<string, TS.Node>, depth = 0): unknown {
  nodes.set(at, node);
  if (depth > 20) return UNKNOWN;
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) return evaluate(ts, sf, node.expression, at, nodes, depth + 1);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken) {
    const v = evaluate(ts, sf, node.operand, at, nodes, depth + 1);
    return typeof v === 'number' ? -v : UNKNOWN;
  }
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (node.kind === ts.SyntaxKind.NullKeyword) return null;
  if (ts.isIdentifier(node)) {
    const init = constInitializer(ts, sf, node.text);
    return init ? evaluate(ts, sf, init, at, nodes, depth + 1) : UNKNOWN;
  }
  if (ts.isArrayLiteralExpression(node)) {
    const out: unknown[] = [];
    for (const e of node.elements) {
      if (ts.isSpreadElement(e)) return UNKNOWN;
      const v = evaluate(ts, sf, e, `${at}[${out.length}]`, nodes, depth + 1);
      if (v === UNKNOWN) return UNKNOWN;
      out.push(v);
    }
    return out;
  }
  if (ts.isObjectLiteralExpression(node)) {
    const out: Record<string, unknown> = {};
    for (const p of node.properties) {
      if (!ts.isPropertyAssignment(p) || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) || ts.isNumericLiteral(p.name))) return UNKNOWN;
      const key = p.name.text;
      const child = `${at}${/^[A-Za-z_][\w-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}`;
      nodes.set(`${child}#key`, p.name);
      const v = evaluate(ts, sf, p.initializer, child, nodes, depth + 1);
      if (v === UNKNOWN) return UNKNOWN;
      out[key] = v;
    }
    return out;
  }
  return UNKNOWN;
}

/** The initializer of a top-level `const name = …` of this file. */
function constInitializer(ts: typeof TS, sf: TS.SourceFile, name: string): TS.Expression | undefined {
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st) || !(st.declarationList.flags & ts.NodeFlags.Const)) continue;
    for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer) return d.initializer;
  }
  return undefined;
}

/** The node an issue points at: an unknown key's own line, else the deepest node on its path. */
function nodeFor(issuePath: string, nodes: Map<string, TS.Node>): TS.Node | undefined {
  for (let p = issuePath; p.length > 0; p = p.replace(/(\.[^.[\]]+|\[[^\]]+\])$/, '')) {
    const n = nodes.get(p);
    if (n) return n;
    if (!/(\.[^.[\]]+|\[[^\]]+\])$/.test(p)) break;
  }
  return undefined;
}

/** Every name a budget declaration may use: fields, stats, limit and band forms, clocks, units. */
const BUDGET_WORDS = ['name', 'metric', 'clock', 'unit', 'limits', 'marginal', 'minSamples', 'description', ...STATS, 'atMost', 'atLeast', 'fraction', 'absolute', 'vehicle', 'host', 'ms', 's', 'm', 'm/s', 'deg', 'Hz', '%', 'count'];

/** "did you mean" for an unknown key ("Unrecognized key: "limts"") or a value outside an enum. */
function suggestion(issue: { path: string; message: string }, value: unknown): string {
  const key = /Unrecognized keys?: "([^"]+)"/.exec(issue.message)?.[1];
  if (key) {
    const c = closest(key, BUDGET_WORDS);
    return c ? ` (did you mean "${c}"?)` : '';
  }
  if (/expected one of/.test(issue.message)) {
    const given = valueAt(value, issue.path);
    const options = [...issue.message.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
    const c = typeof given === 'string' ? closest(given, options) : null;
    return c ? ` (did you mean "${c}"?)` : '';
  }
  return '';
}

function valueAt(value: unknown, formatted: string): unknown {
  const parts = [...formatted.replace(/^budgets/, '').matchAll(/\.([^.[\]]+)|\[("(?:[^"\\]|\\.)*"|\d+)\]/g)].map((m) => (m[1] ?? JSON.parse(m[2]!)) as string | number);
  let v: unknown = value;
  for (const k of parts) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}
