// `npm test`: every check and every suite, in order, each streamed as it runs. A failing stage
// does not hide the later ones; the run ends with one total line that CI reads.
import { spawn } from 'node:child_process';

const stages = [
  ['lint', 'npm run lint'],
  ['format', 'npm run format:check'],
  ['typecheck', 'npm run typecheck'],
  ['build', 'npm run build'],
  ['unit', 'npm run test:unit'],
  ['python', 'npm run test:py -- -rs'],
  ['python-lint', 'cd backend && black --check . && flake8 && npx pyright'],
  ['tools', 'npm run tools'],
  ['vscode', 'npm run test:vscode'],
  ['e2e', 'npm run test:e2e'],
  ['fresh', 'npm run test:fresh'],
];
const only = process.argv.slice(2);

function run(command) {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, { shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk) => {
        output += chunk;
        (stream === child.stdout ? process.stdout : process.stderr).write(chunk);
      });
    }
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Counts from node's test runner (`ℹ pass N`), mocha (`N passing`) and pytest's closing line. */
function counts(output) {
  const text = output.replace(/\x1b\[[0-9;]*m/g, '');
  const sum = (re) => [...text.matchAll(re)].reduce((total, m) => total + Number(m[1]), 0);
  const pytest = text.split('\n').filter((line) => / in [\d.]+s\b/.test(line) && /\d+ (passed|failed)/.test(line));
  const fromPytest = (word) => pytest.reduce((total, line) => total + Number(line.match(new RegExp(`(\\d+) ${word}`))?.[1] ?? 0), 0);
  return {
    passed: sum(/^ℹ pass (\d+)$/gm) + sum(/^\s*(\d+) passing\b/gm) + fromPytest('passed'),
    failed: sum(/^ℹ fail (\d+)$/gm) + sum(/^\s*(\d+) failing\b/gm) + fromPytest('failed'),
  };
}

/** Skipped tests and why: node's spec reporter (`﹣ name (1.2ms) # reason`) and pytest -rs (`SKIPPED [1] file:line: reason`). */
function skips(output) {
  const text = output.replace(/\x1b\[[0-9;]*m/g, '');
  const node = [...text.matchAll(/^\s*\u{fe63} (.+?) \([\d.]+m?s\) # (.+)$/gmu)].map((m) => `${m[1].trim()}: ${m[2]}`);
  const pytest = [...text.matchAll(/^SKIPPED \[\d+\] (.+)$/gm)].map((m) => m[1]);
  return [...node, ...pytest];
}

let passed = 0;
let failed = 0;
const failedStages = [];
const skipped = [];
for (const [name, command] of stages) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n=== ${name}: ${command}`);
  const { code, output } = await run(command);
  const c = counts(output);
  passed += c.passed;
  failed += c.failed;
  skipped.push(...skips(output).map((s) => `${name}: ${s}`));
  if (code !== 0) {
    failedStages.push(name);
    if (c.failed === 0) failed += 1; // a stage that failed outside any test (lint, build, a crash)
  }
}
if (skipped.length > 0) console.log(`\nSkipped (${skipped.length}), with why:\n${skipped.map((s) => `  ${s}`).join('\n')}`);
if (failedStages.length > 0) console.log(`\nFailed stages: ${failedStages.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failedStages.length > 0 ? 1 : 0);
