/**
 * A Jest reporter: after the run, every skipped test with why it was skipped, so `npm test` never
 * skips in silence. The reason comes from the skipped test's or a describe block's title
 * ("… — skipped: <reason>", as test/support/skip.ts writes it), else from the scenario record
 * the flight fixture wrote for a test it skipped (its skipReason); a skip that gives none is
 * listed as such.
 */
const fs = require('node:fs');
const path = require('node:path');

const REASON = /\bskipped\s*[:—–-]\s*(.+)$/i;
const NO_REASON = 'no reason given (write it in the title: describe.skip(`… — skipped: ${reason}`), or use test/support/skip.ts)';
const SHOWN_PER_REASON = 5;

/** Scenario records' skip reasons: "<absolute file>::<full test name>" → reason. */
function recordedReasons(resultsDir) {
  const dir = path.join(resultsDir, 'scenarios');
  const out = new Map();
  if (!fs.existsSync(dir)) return out;
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    try {
      const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      if (r.skipReason) out.set(`${path.resolve(r.file)}::${r.test}`, r.skipReason);
    } catch {
      // A record being written by another run: not this run's reason.
    }
  }
  return out;
}

function titleReason(test) {
  for (const title of [test.title, ...[...test.ancestorTitles].reverse()]) {
    const m = REASON.exec(title);
    if (m) return m[1].trim();
  }
  return null;
}

/** Skipped tests grouped by file and reason: [{ file, reason, tests: [fullName] }]. */
function skippedTests(results, rootDir, records) {
  const groups = [];
  for (const file of results.testResults) {
    const skipped = file.testResults.filter((t) => t.status === 'pending' || t.status === 'skipped' || t.status === 'todo');
    if (skipped.length === 0) continue;
    const byReason = new Map();
    skipped.forEach((t) => {
      const reason = t.status === 'todo' ? 'todo: not written yet' : (titleReason(t) ?? records.get(`${path.resolve(file.testFilePath)}::${t.fullName}`) ?? NO_REASON);
      if (!byReason.has(reason)) byReason.set(reason, []);
      byReason.get(reason).push(t.fullName);
    });
    const rel = path.relative(rootDir, file.testFilePath);
    for (const [reason, tests] of byReason) groups.push({ file: rel, reason, tests });
  }
  return groups;
}

function formatSkipped(groups) {
  if (groups.length === 0) return '';
  const total = groups.reduce((n, g) => n + g.tests.length, 0);
  const files = new Set(groups.map((g) => g.file)).size;
  const lines = [`Skipped: ${total} test${total === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}, and why`];
  for (const g of groups) {
    lines.push(`  ${g.file} (${g.tests.length}) — ${g.reason}`);
    for (const t of g.tests.slice(0, SHOWN_PER_REASON)) lines.push(`      ${t}`);
    if (g.tests.length > SHOWN_PER_REASON) lines.push(`      … and ${g.tests.length - SHOWN_PER_REASON} more`);
  }
  return lines.join('\n');
}

class SkipReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const records = recordedReasons(path.resolve(process.env.FLIGHT_RESULTS_DIR ?? 'flight-results'));
    const text = formatSkipped(skippedTests(results, this.rootDir, records));
    if (text) process.stderr.write(`\n${text}\n`);
  }
}

module.exports = SkipReporter;
module.exports.skippedTests = skippedTests;
module.exports.formatSkipped = formatSkipped;
