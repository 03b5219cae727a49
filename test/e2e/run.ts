// `npm run test:e2e [-- files…]`: prepares what every scenario shares once (Debian's Chromium and
// build tools, code-server in the tools folder, the packaged linux-x64 .vsix, a fresh demo
// dataset), then runs the scenario files one at a time with node's test runner, within an overall
// limit (SEGLAB_E2E_TIMEOUT seconds, default 45 minutes). Each scenario copies the dataset, so
// none sees another's edits. Failures end with one line, no stack trace.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDemoDataset } from '../../scripts/demo/generate';
import { ensureTools } from '../../scripts/tools/codeServer';
import { limitFromEnv, runWithDeadline } from '../../scripts/tools/deadline';
import { SetupFailed, ensureSystemPackages } from '../../scripts/tools/system';
import { ensurePackage, repoRoot } from './harness';

const started = performance.now();
const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const files = process.argv.slice(2);
const selected =
  files.length > 0
    ? files
    : readdirSync(join(repoRoot, 'test', 'e2e'))
        .filter((f) => f.endsWith('.test.ts'))
        .sort()
        .map((f) => join('test', 'e2e', f));

async function main(): Promise<number> {
  ensureSystemPackages('e2e');
  ensureTools();
  console.log(`[e2e] code-server ready (${seconds()})`);
  const vsix = ensurePackage();
  console.log(`[e2e] packaged ${vsix} (${seconds()})`);
  const demo = mkdtempSync(join(tmpdir(), 'seglab-e2e-demo-'));
  let status: number;
  try {
    await generateDemoDataset(demo);
    console.log(`[e2e] demo dataset in ${demo} (${seconds()})`);
    const limit = limitFromEnv('SEGLAB_E2E_TIMEOUT', 45 * 60) - (performance.now() - started) / 1000;
    const result = await runWithDeadline(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', '--test-timeout=300000', ...selected],
      // Without NODE_TEST_CONTEXT: inherited from an outer test runner, it makes this one skip its files.
      { cwd: repoRoot, env: { ...process.env, NODE_TEST_CONTEXT: undefined, SEGLAB_E2E_VSIX: vsix, SEGLAB_E2E_DEMO: demo } },
      Math.max(1, Math.round(limit)),
      'e2e',
    );
    status = result.code;
  } finally {
    rmSync(demo, { recursive: true, force: true });
  }
  console.log(`[e2e] ${status === 0 ? 'passed' : 'FAILED'} in ${seconds()}`);
  return status;
}

main().then(
  (status) => process.exit(status),
  (error: unknown) => {
    if (!(error instanceof SetupFailed)) console.error(`[e2e] ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  },
);
