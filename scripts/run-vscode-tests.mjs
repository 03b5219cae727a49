// Runs the extension tests (test/vscode, mocha) inside VS Code: builds the extension, bundles the
// tests into out/vscode-test, generates the fixture workspace and launches VS Code on it.
//
// Which VS Code, in this order:
//  1. VSCODE_EXECUTABLE: the Electron executable of an installed desktop VS Code
//     (e.g. /usr/share/code/code), through @vscode/test-electron;
//  2. a desktop VS Code that @vscode/test-electron downloads (needs the internet);
//  3. code-server from the tools folder (.tools, or SEGLAB_TOOLS_DIR; installed when missing):
//     the same suite in code-server's extension host, with the workbench in headless Chromium.
// `--code-server` skips 1 and 2. The Debian packages code-server and Chromium need are installed
// first when missing (scripts/setup-system.sh vscode). The run stops after SEGLAB_VSCODE_TIMEOUT
// seconds (default 20 minutes). Exit codes: 0 passed, 1 tests failed, 2 no VS Code to run them in.
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'out', 'vscode-test');
const testDir = join(root, 'test', 'vscode');
const require = createRequire(import.meta.url);

function fail(message, code = 1) {
  console.error(`test:vscode: ${message}`);
  process.exit(code);
}

if (process.env.VSCODE_EXECUTABLE && !existsSync(process.env.VSCODE_EXECUTABLE)) fail(`VSCODE_EXECUTABLE=${process.env.VSCODE_EXECUTABLE} does not exist`, 2);
// setup-system.sh prints its own one-line reason
if (spawnSync('bash', [join(root, 'scripts', 'setup-system.sh'), 'vscode'], { stdio: 'inherit' }).status !== 0) process.exit(1);

/** Stopped when the run is past its limit or interrupted: the code-server and browser it started. */
let stopRunning = async () => {};
const limitSeconds = Number(process.env.SEGLAB_VSCODE_TIMEOUT) || 20 * 60;
setTimeout(() => {
  console.error(`test:vscode: did not finish within ${limitSeconds} s`);
  void stopRunning().finally(() => process.exit(1));
}, limitSeconds * 1000).unref();

const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) fail('npm run build failed');

rmSync(out, { recursive: true, force: true });
const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };
await esbuild.build({
  ...common,
  entryPoints: readdirSync(testDir)
    .filter((f) => f === 'index.ts' || f === 'fixture.ts' || f.endsWith('.test.ts'))
    .map((f) => join(testDir, f)),
  outdir: out,
  format: 'cjs',
  sourcemap: 'inline',
  external: ['vscode', 'mocha'],
});

const fixtureDir = mkdtempSync(join(tmpdir(), 'seglab-vscode-test-'));
const { workspace, outside } = require(join(out, 'fixture.js')).makeFixture(fixtureDir);
const resultsFile = join(fixtureDir, 'results.json');
// The extension host inherits these (test-electron passes extensionTestsEnv; code-server its own environment).
const testEnv = { SEGLAB_TEST_OUTSIDE: outside, SEGLAB_TEST_RESULTS: resultsFile };

// One line for what went wrong (a code-server or browser that did not start, …), no stack trace.
const codeServerRun = () =>
  inCodeServer().catch(async (error) => {
    await stopRunning();
    fail(`${error instanceof Error ? error.message : error}; fixture and logs kept in ${fixtureDir}`);
  });
const passed = process.argv.includes('--code-server') ? await codeServerRun() : ((await inDesktopVsCode()) ?? (await codeServerRun()));
if (passed === undefined) {
  rmSync(fixtureDir, { recursive: true, force: true });
  fail(
    'no VS Code to run the extension tests in: set VSCODE_EXECUTABLE to the executable of an installed desktop VS Code ' +
      '(e.g. /usr/share/code/code), or allow @vscode/test-electron to download one, or give code-server a Chromium (CHROMIUM_PATH).',
    2,
  );
}
if (!passed) fail(`extension tests failed; fixture and logs kept in ${fixtureDir}`);
rmSync(fixtureDir, { recursive: true, force: true });

/** true/false: the suite ran and passed or not; undefined: no desktop VS Code. */
async function inDesktopVsCode() {
  let vscodeExecutablePath = process.env.VSCODE_EXECUTABLE;
  if (!vscodeExecutablePath) {
    try {
      vscodeExecutablePath = await downloadAndUnzipVSCode({ cachePath: join(root, '.tools', 'vscode-test'), timeout: 30_000 });
    } catch (error) {
      console.log(`test:vscode: no desktop VS Code (VSCODE_EXECUTABLE unset, download failed: ${error instanceof Error ? error.message : error})`);
      return undefined;
    }
  }
  console.log(`test:vscode: desktop VS Code ${vscodeExecutablePath}, fixture ${fixtureDir}`);
  try {
    await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: root,
      extensionTestsPath: join(out, 'index.js'),
      extensionTestsEnv: testEnv,
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
    return true;
  } catch (error) {
    console.error(`test:vscode: ${error instanceof Error ? error.message : error}`);
    return false;
  }
}

/**
 * code-server is a web workbench: the extension under development and its tests are handed to it
 * through the workbench's development options (as @vscode/test-web does), patched into the page
 * it serves; the tests run in its Node extension host and write their results to resultsFile.
 */
async function inCodeServer() {
  await esbuild.build({
    ...common,
    stdin: { contents: "export * from './codeServer'; export * from './launch';", resolveDir: join(root, 'scripts', 'tools') },
    outfile: join(out, 'tools.mjs'),
    format: 'esm',
  });
  const { toolsPaths, ensureTools, freePort, startCodeServer, writeUserSettings, QUIET_SETTINGS, CHROMIUM_ARGS } = await import(join(out, 'tools.mjs'));
  const tools = ensureTools(toolsPaths(process.env.SEGLAB_TOOLS_DIR ?? join(root, '.tools')));
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) {
    console.log(`test:vscode: code-server is installed but there is no Chromium at ${chromiumPath} (set CHROMIUM_PATH)`);
    return undefined;
  }
  console.log(`test:vscode: running the suite in code-server (${tools.codeServerEntry}), fixture ${fixtureDir}`);

  const userDataDir = join(fixtureDir, 'user-data');
  writeUserSettings(userDataDir, QUIET_SETTINGS);
  Object.assign(process.env, testEnv);
  const server = await startCodeServer({
    tools,
    port: await freePort(),
    userDataDir,
    extensionsDir: join(fixtureDir, 'extensions'),
    folder: workspace,
    logFile: join(fixtureDir, 'code-server.log'),
  });
  const { chromium } = require('playwright-core');
  stopRunning = () => server.stop();
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    timeout: 30_000,
    // The patched page counts as a public address space; without this, Chromium refuses its
    // WebSocket to 127.0.0.1 (local network access checks).
    args: [...CHROMIUM_ARGS, '--disable-features=LocalNetworkAccessChecks'],
  });
  try {
    stopRunning = () => browser.close().finally(() => server.stop());
    const page = await browser.newPage();
    const isWorkbench = (url) => url.pathname === '/' && url.searchParams.has('folder');
    await page.route(isWorkbench, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace(/(id="vscode-workbench-web-configuration" data-settings=")([^"]*)"/, (_, start, settings) => {
        const config = JSON.parse(settings.replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
        const remote = (path) => ({ scheme: 'vscode-remote', authority: config.remoteAuthority, path });
        config.developmentOptions = { ...config.developmentOptions, extensions: [remote(root)], extensionTestsPath: remote(join(out, 'index.js')) };
        return `${start}${JSON.stringify(config).replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`;
      });
      const headers = { ...response.headers() };
      delete headers['content-length'];
      await route.fulfill({ status: response.status(), headers, body });
    });
    await page.goto(server.url);
    // the whole suite's limit: its backend and training scenarios alone take minutes on a busy machine
    const deadline = Date.now() + limitSeconds * 1000;
    while (!existsSync(resultsFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    if (!existsSync(resultsFile)) {
      console.error(`test:vscode: the suite did not finish within ${limitSeconds} s`);
      return false;
    }
    const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
    for (const line of results.lines) console.log(`  ${line}`);
    console.log(`test:vscode: ${results.passes} passing, ${results.failures} failing (code-server)`);
    return results.failures === 0 && results.passes > 0;
  } finally {
    await browser.close();
    await server.stop();
  }
}
