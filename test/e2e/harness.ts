// End-to-end harness: the packaged extension in code-server, a fresh demo dataset, and Debian's
// Chromium driven by playwright-core. `withWorkbench(scenario, fn)` gives `fn` a page with the
// dataset open; on failure it leaves a screenshot and code-server's logs in
// .test-artifacts/e2e/<scenario>/ (with the browser console) and prints the path. Everything it
// starts, it stops.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { MARKER_FILE, generateDemoDataset, planDemo, type DemoSummary } from '../../scripts/demo/generate';
import { ensureTools } from '../../scripts/tools/codeServer';
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  QUIET_SETTINGS,
  WEBGPU_ARGS,
  freePort,
  installExtension,
  startCodeServer,
  writeUserSettings,
  type RunningCodeServer,
} from '../../scripts/tools/launch';

export const repoRoot = resolve(__dirname, '..', '..');
export const artifactsRoot = join(repoRoot, '.test-artifacts', 'e2e');

/**
 * Generous but bounded: on 2 cores shared with other builds, a cold workbench took up to 10 s
 * and the extension's first index a few more.
 */
export const TIMEOUT = { workbench: 90_000, ui: 60_000 };

export interface Workbench {
  page: Page;
  dataset: DemoSummary;
  server: RunningCodeServer;
  /** Where this scenario's screenshots and logs go. */
  artifacts: string;
  userDataDir: string;
}

let packaged: string | undefined;
/**
 * This machine's package (`npm run package -- linux-x64` on Linux x64) once per test process;
 * SEGLAB_E2E_VSIX names a ready .vsix to test instead.
 */
export function ensurePackage(): string {
  if (process.env.SEGLAB_E2E_VSIX) return resolve(process.env.SEGLAB_E2E_VSIX);
  if (!packaged) {
    const target = `${process.platform}-${process.arch}`;
    execFileSync('npm', ['run', '--silent', 'package', '--', target], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
    packaged = join(repoRoot, 'out', 'vsix', `seglab-${target}.vsix`);
  }
  return packaged;
}

/**
 * What a scenario has started, stopped on SIGTERM too: test/e2e/run.ts sends it to the whole
 * run when the run is past its time limit.
 */
const running = new Set<() => Promise<void>>();
process.once('SIGTERM', () => {
  void Promise.all([...running].map((stop) => stop())).finally(() => process.exit(143));
});

/** Prints how long each step took, so slow steps show up in the CI log. */
function stopwatch(scenario: string): (step: string) => void {
  let last = performance.now();
  return (step) => {
    const now = performance.now();
    console.log(`[e2e] ${scenario}: ${step} ${((now - last) / 1000).toFixed(1)} s`);
    last = now;
  };
}

/**
 * A copy of the run's demo dataset (SEGLAB_E2E_DEMO, made by run.ts), so that one scenario's
 * edits never reach another; generated here when a test file runs on its own.
 */
async function freshDataset(root: string): Promise<DemoSummary> {
  const template = process.env.SEGLAB_E2E_DEMO;
  if (!template) return generateDemoDataset(root);
  cpSync(template, root, { recursive: true });
  return { root, ...planDemo(JSON.parse(readFileSync(join(root, MARKER_FILE), 'utf8')).count) };
}

export interface WorkbenchOptions {
  /** Launch Chromium with WebGPU on SwiftShader (other scenarios run without WebGPU). */
  webgpu?: boolean;
  /** User settings besides the quiet defaults, in place before the workbench starts. */
  settings?: Record<string, unknown>;
}

export async function withWorkbench(scenario: string, fn: (wb: Workbench) => Promise<void>, options: WorkbenchOptions = {}): Promise<void> {
  const lap = stopwatch(scenario);
  const tools = ensureTools();
  const vsix = ensurePackage();
  lap('tools and package');
  const temp = mkdtempSync(join(tmpdir(), `seglab-e2e-${scenario}-`));
  const artifacts = join(artifactsRoot, scenario);
  const dirs = { userDataDir: join(temp, 'user-data'), extensionsDir: join(temp, 'extensions') };
  const logFile = join(temp, 'code-server.log');
  let server: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const consoleLines: string[] = [];
  const stopAll = async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
  };
  running.add(stopAll);
  try {
    const dataset = await freshDataset(join(temp, 'demo'));
    lap('demo dataset');
    writeUserSettings(dirs.userDataDir, { ...QUIET_SETTINGS, ...options.settings });
    installExtension(tools, vsix, dirs);
    lap('extension installed');
    server = await startCodeServer({ tools, port: await freePort(), ...dirs, folder: dataset.root, logFile });
    lap('code-server up');
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      timeout: 30_000,
      args: [...CHROMIUM_ARGS, ...(options.webgpu ? WEBGPU_ARGS : [])],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(TIMEOUT.ui);
    page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()} (${m.location().url})`));
    page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.stack ?? e.message}`));
    await page.goto(server.url);
    await waitForWorkbench(page);
    lap('workbench');
    await fn({ page, dataset, server, artifacts, userDataDir: dirs.userDataDir });
    lap('scenario');
  } catch (error) {
    await saveFailure(artifacts, page, [logFile, join(dirs.userDataDir, 'logs')]);
    writeFileSync(join(artifacts, 'browser-console.log'), consoleLines.join('\n') + '\n');
    console.error(`[e2e] ${scenario} failed; screenshot and logs in ${artifacts}`);
    throw error;
  } finally {
    running.delete(stopAll);
    await stopAll();
    rmSync(temp, { recursive: true, force: true });
  }
}

/** Replaces the scenario's previous failure artifacts (only when failing: runs may overlap). */
async function saveFailure(dir: string, page: Page | undefined, logs: string[]): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await page?.screenshot({ path: join(dir, 'failure.png') }).catch(() => undefined);
  for (const log of logs) {
    if (existsSync(log)) cpSync(log, join(dir, log.endsWith('.log') ? 'code-server.log' : 'vscode-logs'), { recursive: true });
  }
}

/** The workbench is up when its activity bar is drawn (the extension may still be activating). */
export async function waitForWorkbench(page: Page): Promise<void> {
  await page.locator('.monaco-workbench .activitybar').waitFor({ timeout: TIMEOUT.workbench });
}
