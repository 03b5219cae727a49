/**
 * Entry point that the extension host loads (extensionTestsPath): runs the mocha suites bundled
 * next to it (out/vscode-test/*.test.js). With SEGLAB_TEST_RESULTS set (code-server, where the
 * host's output is not the runner's), the outcome is also written there as JSON.
 */
import Mocha from 'mocha';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestResults {
  passes: number;
  failures: number;
  /** One line per test: "✔ title" or "✘ title: error". */
  lines: string[];
}

export function run(): Promise<void> {
  // SEGLAB_VSCODE_GREP: only the tests whose full title matches (one scenario while developing it)
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: true, grep: process.env.SEGLAB_VSCODE_GREP });
  for (const file of readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort())
    mocha.addFile(join(__dirname, file));
  const results: TestResults = { passes: 0, failures: 0, lines: [] };
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const file = process.env.SEGLAB_TEST_RESULTS;
      if (file) writeFileSync(file, JSON.stringify(results, null, 2));
      if (failures > 0) reject(new Error(`${failures} extension test(s) failed`));
      else resolve();
    });
    runner.on('pass', (test) => {
      results.passes++;
      results.lines.push(`✔ ${test.fullTitle()}`);
    });
    runner.on('fail', (test, error: Error) => {
      results.failures++;
      results.lines.push(`✘ ${test.fullTitle()}: ${error.stack ?? error.message}`);
    });
  });
}
