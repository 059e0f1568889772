'use strict';
/**
 * A Jest reporter that writes the run's journal as it goes: one JSON line when a file starts, when
 * a test starts, when a test ends (its status and failure) and when a file ends (its error, if it
 * could not run). Jest writes its --json results only when the whole run ends; an interrupted run
 * (Ctrl-C, SIGTERM) or a dead Jest leaves this journal, from which `flightcheck run` builds the
 * summary of what finished and what was cut off (src/cli/journal.ts reads it). Each line is written
 * synchronously: whatever happened before the process died is on disk.
 */
const fs = require('node:fs');
const { reporterSettings } = require('../config/run-settings-reporters.cjs');

class JournalReporter {
  constructor(_globalConfig, options = {}) {
    this.fd = fs.openSync(options.file ?? reporterSettings().journal, 'a');
  }

  write(entry) {
    try {
      fs.writeSync(this.fd, `${JSON.stringify({ ...entry, hostMs: Date.now() })}\n`);
    } catch {
      // the journal is best effort: a full disk must not fail the run
    }
  }

  onTestFileStart(test) {
    this.write({ kind: 'file-start', file: test.path });
  }

  onTestCaseStart(test, info) {
    this.write({ kind: 'test-start', file: test.path, test: info.fullName });
  }

  onTestCaseResult(test, r) {
    this.write({ kind: 'test-result', file: test.path, test: r.fullName, title: r.title, ancestorTitles: r.ancestorTitles, status: r.status, duration: r.duration ?? null, failureMessages: r.failureMessages });
  }

  onTestFileResult(test, result) {
    this.write({ kind: 'file-result', file: test.path, error: result.testExecError ? String(result.testExecError.message ?? result.testExecError) : null, failureMessage: result.failureMessage ?? null });
  }

  onRunComplete() {
    this.write({ kind: 'run-complete' });
  }

  getLastError() {
    return undefined;
  }
}

module.exports = JournalReporter;
