/**
 * The budget table open on the test page. The fixture attaches it as HTML after the test (budgets
 * are judged in afterEach), and Allure shows an attachment collapsed, behind a click. Allure
 * shows a test's description open at the top of its page, but takes none from an after-hook: so
 * when the report is prepared, each result's budget table is drawn from its attachment's results
 * into the result's `descriptionHtml`, after the description the test gave (if any).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BudgetResult } from '../budgets/index.js';
import { budgetResultsFromHtml, budgetTablePlain, escapeHtml } from './budget-html.js';

interface Attachment {
  name?: string;
  source: string;
  type?: string;
}
interface Node {
  attachments?: Attachment[];
  steps?: Node[];
}
interface ResultWithDescription extends Node {
  description?: string;
  descriptionHtml?: string;
}

/** Marks a description this module wrote, so preparing the report again leaves it be. */
const MARK = '<!-- flightcheck: budgets -->';

/** The budget tables attached to a result (anywhere in its steps), each with its attachment's name. */
export function budgetTablesOf(result: Node, allureResults: string): { name: string; results: BudgetResult[] }[] {
  const found: { name: string; results: BudgetResult[] }[] = [];
  const visit = (n: Node) => {
    for (const a of n.attachments ?? []) {
      if (a.type !== 'text/html') continue;
      const html = readText(path.join(allureResults, a.source));
      const results = html === null ? null : budgetResultsFromHtml(html);
      if (results) found.push({ name: (a.name ?? 'Budgets').replace(/\.html$/, ''), results });
    }
    for (const s of n.steps ?? []) visit(s);
  };
  visit(result);
  return found;
}

/**
 * Puts each result's budget tables into its descriptionHtml (Allure then shows that instead of
 * the Markdown description, so a description the test gave goes first, as text). Idempotent.
 * Returns how many results show their budgets.
 */
export function showBudgetsOnTestPages(allureResults: string): number {
  if (!fs.existsSync(allureResults)) return 0;
  let shown = 0;
  for (const f of fs.readdirSync(allureResults).filter((n) => n.endsWith('-result.json'))) {
    const file = path.join(allureResults, f);
    const result = readJson(file);
    if (!result) continue; // Allure reports an unreadable result itself
    if (result.descriptionHtml?.includes(MARK)) {
      shown++;
      continue;
    }
    const tables = budgetTablesOf(result, allureResults);
    if (tables.length === 0) continue;
    const given = result.descriptionHtml ?? (result.description ? `<p>${escapeHtml(result.description).replace(/\n/g, '<br>')}</p>` : '');
    result.descriptionHtml = [MARK, given, ...tables.map((t) => budgetTablePlain(t.results, t.name))].filter(Boolean).join('\n');
    fs.writeFileSync(file, JSON.stringify(result));
    shown++;
  }
  return shown;
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function readJson(file: string): ResultWithDescription | null {
  const text = readText(file);
  try {
    return text === null ? null : (JSON.parse(text) as ResultWithDescription);
  } catch {
    return null;
  }
}
