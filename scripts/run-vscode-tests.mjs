// Runs the extension tests (test/vscode, mocha) inside desktop VS Code with @vscode/test-electron:
// builds the extension, bundles the tests into out/vscode-test, generates the fixture workspace
// and launches VS Code on it. VS Code is the one in VSCODE_EXECUTABLE (the Electron binary of an
// installed VS Code, e.g. /usr/share/code/code) or, when that is unset, a download.
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'out', 'vscode-test');
const testDir = join(root, 'test', 'vscode');

function fail(message, code = 1) {
  console.error(`test:vscode: ${message}`);
  process.exit(code);
}

const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) fail('npm run build failed');

rmSync(out, { recursive: true, force: true });
const entries = readdirSync(testDir).filter((f) => f === 'index.ts' || f === 'fixture.ts' || f.endsWith('.test.ts'));
await esbuild.build({
  entryPoints: entries.map((f) => join(testDir, f)),
  outdir: out,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});

let vscodeExecutablePath = process.env.VSCODE_EXECUTABLE;
if (vscodeExecutablePath) {
  if (!existsSync(vscodeExecutablePath)) fail(`VSCODE_EXECUTABLE=${vscodeExecutablePath} does not exist`, 2);
} else {
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({ cachePath: join(root, '.tools', 'vscode-test'), timeout: 30_000 });
  } catch (error) {
    fail(
      `no VS Code to run the extension tests in: downloading it failed (${error instanceof Error ? error.message : error}).\n` +
        'Set VSCODE_EXECUTABLE to the executable of an installed desktop VS Code (e.g. /usr/share/code/code) and run again.',
      2,
    );
  }
}

const fixtureDir = mkdtempSync(join(tmpdir(), 'seglab-vscode-test-'));
const { makeFixture } = createRequire(import.meta.url)(join(out, 'fixture.js'));
const { workspace, outside } = makeFixture(fixtureDir);
console.log(`test:vscode: VS Code ${vscodeExecutablePath}, fixture ${fixtureDir}`);
try {
  await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: root,
    extensionTestsPath: join(out, 'index.js'),
    extensionTestsEnv: { SEGLAB_TEST_OUTSIDE: outside },
    launchArgs: [
      workspace,
      '--disable-extensions',
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
      '--disable-gpu',
      `--user-data-dir=${join(fixtureDir, 'user-data')}`,
    ],
  });
} catch (error) {
  fail(`extension tests failed (${error instanceof Error ? error.message : error}); fixture and VS Code logs kept in ${fixtureDir}`);
}
rmSync(fixtureDir, { recursive: true, force: true });
