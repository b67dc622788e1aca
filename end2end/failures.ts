import type { FullResult, Reporter, TestCase, TestError, TestResult } from '@playwright/test/reporter';
import { existsSync, readFileSync } from 'node:fs';
import { SERVER_LOG, type LogLine } from './tests/server-log';

/** Lines of an error message shown per failure, and server log lines shown in all. */
const ERROR_LINES = 8;
const LOG_LINES = 30;
/** An answer this slow (ms) is shown beside the warnings. */
const SLOW_MS = 1000;

// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');
const firstLines = (error: TestError) =>
  plain(error.message ?? error.value ?? '').split('\n').slice(0, ERROR_LINES).join('\n');

/**
 * The last thing a failed run prints: the server's warnings and errors, then each failure's
 * first lines. CI shows only the end of a run's output, where the list reporter's own
 * summary names the failed tests but not why they failed: the failures come last.
 */
export default class FailureSummary implements Reporter {
  private failures: string[] = [];

  onTestEnd(test: TestCase, result: TestResult) {
    if (result.status === test.expectedStatus || result.status === 'skipped') {
      return;
    }
    const where = `${test.location.file.split('/').slice(-2).join('/')}:${test.location.line}`;
    const errors = result.errors.map(firstLines).join('\n');
    this.failures.push(`${test.titlePath().filter(Boolean).join(' › ')} (${where}, ${result.status})\n${errors}`);
  }

  /** An error outside any test: the server that did not start, a test file that did not load. */
  onError(error: TestError) {
    this.failures.push(`outside the tests\n${firstLines(error)}`);
  }

  onEnd(result: FullResult) {
    if (this.failures.length === 0 && result.status === 'passed') {
      return;
    }
    const log = existsSync(SERVER_LOG) ? readFileSync(SERVER_LOG, 'utf8').split('\n') : [];
    const notable = log.filter((line) => {
      try {
        const { level, fields } = JSON.parse(line) as LogLine & { fields: { ms?: number } };
        return level !== 'INFO' || (fields.status ?? 0) >= 500 || (fields.ms ?? 0) >= SLOW_MS;
      } catch {
        // Not JSON: what the server printed outside its log (a panic, its start or its end).
        return line.trim() !== '';
      }
    });
    const shown = notable.slice(-LOG_LINES).join('\n') || '(none)';
    console.log(`\n== The server's last warnings, errors and slow answers (${SERVER_LOG})\n${shown}`);
    console.log('\n== Why the browser tests failed');
    for (const failure of this.failures) {
      console.log(`\n${failure}`);
    }
  }
}
