// End-to-end harness: the packaged extension in code-server, a fresh demo dataset, and Debian's
// Chromium driven by playwright-core. `withWorkbench(scenario, fn)` gives `fn` a page with the
// dataset open; on failure it leaves a screenshot and code-server's logs in
// .test-artifacts/e2e/<scenario>/ and prints the path. Everything it starts, it stops.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { generateDemoDataset, type DemoSummary } from '../../scripts/demo/generate';
import { ensureTools } from '../../scripts/tools/codeServer';
import { QUIET_SETTINGS, freePort, installExtension, startCodeServer, writeUserSettings, type RunningCodeServer } from '../../scripts/tools/launch';

export const repoRoot = resolve(__dirname, '..', '..');
export const artifactsRoot = join(repoRoot, '.test-artifacts', 'e2e');
const vsixPath = join(repoRoot, 'seglab.vsix');
const chromiumPath = process.env.SEGLAB_CHROMIUM ?? '/usr/bin/chromium';

/** Generous but bounded: a cold code-server start on 2 busy cores takes about 10 s. */
export const TIMEOUT = { workbench: 90_000, ui: 30_000 };

export interface Workbench {
  page: Page;
  dataset: DemoSummary;
  server: RunningCodeServer;
  /** Where this scenario's screenshots and logs go. */
  artifacts: string;
  userDataDir: string;
}

/** Newest modification time under the paths that end up in the .vsix. */
function newestSource(): number {
  let newest = 0;
  const visit = (path: string) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const p of ['src', 'webview', 'media', 'package.json', '.vscodeignore', 'scripts/build.mjs']) visit(join(repoRoot, p));
  return newest;
}

let packaged = false;
/** `npm run package` once per test process, unless seglab.vsix is newer than every source. */
export function ensurePackage(): string {
  if (packaged) return vsixPath;
  if (process.env.SEGLAB_E2E_REUSE_VSIX === '1' && existsSync(vsixPath) && statSync(vsixPath).mtimeMs > newestSource()) {
    console.log(`[e2e] reusing ${vsixPath}`);
  } else {
    execFileSync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  packaged = true;
  return vsixPath;
}

/** Prints how long each step took, so slow steps show up in the CI log. */
function stopwatch(scenario: string): (step: string) => void {
  let last = performance.now();
  return (step) => {
    const now = performance.now();
    console.log(`[e2e] ${scenario}: ${step} ${((now - last) / 1000).toFixed(1)} s`);
    last = now;
  };
}

let template: Promise<DemoSummary> | undefined;
/**
 * A fresh demo dataset: generated once per test run (about 10 s), then copied for each
 * scenario so that one scenario's edits never reach another.
 */
async function freshDataset(root: string): Promise<DemoSummary> {
  if (!template) {
    const dir = mkdtempSync(join(tmpdir(), 'seglab-e2e-demo-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    template = generateDemoDataset(dir);
  }
  const source = await template;
  cpSync(source.root, root, { recursive: true });
  return { ...source, root };
}

export async function withWorkbench(scenario: string, fn: (wb: Workbench) => Promise<void>): Promise<void> {
  const lap = stopwatch(scenario);
  const tools = ensureTools();
  const vsix = ensurePackage();
  lap('tools and package');
  const temp = mkdtempSync(join(tmpdir(), `seglab-e2e-${scenario}-`));
  const artifacts = join(artifactsRoot, scenario);
  rmSync(artifacts, { recursive: true, force: true });
  const dirs = { userDataDir: join(temp, 'user-data'), extensionsDir: join(temp, 'extensions') };
  const logFile = join(temp, 'code-server.log');
  let server: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  try {
    const dataset = await freshDataset(join(temp, 'demo'));
    lap('demo dataset');
    writeUserSettings(dirs.userDataDir, { ...QUIET_SETTINGS, 'files.hotExit': 'onExitAndWindowClose' });
    installExtension(tools, vsix, dirs);
    lap('extension installed');
    server = await startCodeServer({ tools, port: await freePort(), ...dirs, folder: dataset.root, logFile });
    lap('code-server up');
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(TIMEOUT.ui);
    await page.goto(server.url);
    await waitForWorkbench(page);
    lap('workbench');
    await fn({ page, dataset, server, artifacts, userDataDir: dirs.userDataDir });
    lap('scenario');
  } catch (error) {
    await saveFailure(artifacts, page, [logFile, join(dirs.userDataDir, 'logs')]);
    console.error(`[e2e] ${scenario} failed; screenshot and logs in ${artifacts}`);
    throw error;
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    rmSync(temp, { recursive: true, force: true });
  }
}

async function saveFailure(dir: string, page: Page | undefined, logs: string[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await page?.screenshot({ path: join(dir, 'failure.png') }).catch(() => undefined);
  for (const log of logs) {
    if (existsSync(log)) cpSync(log, join(dir, log.endsWith('.log') ? 'code-server.log' : 'vscode-logs'), { recursive: true });
  }
}

/** The workbench is up when its activity bar is drawn and the extension host has started. */
export async function waitForWorkbench(page: Page): Promise<void> {
  await page.locator('.monaco-workbench .activitybar').waitFor({ timeout: TIMEOUT.workbench });
}
