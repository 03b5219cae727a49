// npm test's fresh-machine stage: the first run of `npm run demo` and of the e2e harness, as on a
// new machine. HOME and the XDG folders point at empty temporary folders and the tools folder does
// not exist yet, so code-server is installed (from the machine's npm cache: --prefer-offline
// downloads only what a first real run would) and starts for the first time. The demo comes first
// and installs the tools, as a new user's `npm run demo` would; the e2e harness then runs one
// scenario with another empty HOME and those tools. Each step's time is printed.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../browser/harness';
import { artifactsRoot } from '../e2e/harness';
import { openSegLab, treeRow } from '../e2e/workbench';

const repoRoot = resolve(__dirname, '..', '..');
const temp = mkdtempSync(join(tmpdir(), 'seglab-fresh-'));
after(() => rmSync(temp, { recursive: true, force: true }));
const toolsDir = join(temp, 'tools');
const npmCache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
const DEMO_LIMIT_MS = 20 * 60_000;

/** An empty HOME with the XDG folders inside it; nothing of this machine's user or of an outer `npm run`. */
function freshEnv(name: string): NodeJS.ProcessEnv {
  const home = join(temp, name);
  mkdirSync(home);
  const inherited = Object.entries(process.env).filter(([key]) => !/^(npm_|XDG_|SEGLAB_(DEMO|E2E|TOOLS)_)/i.test(key));
  return {
    ...Object.fromEntries(inherited),
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    SEGLAB_TOOLS_DIR: toolsDir,
    npm_config_cache: npmCache,
    npm_config_prefer_offline: 'true',
  };
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** Echoes a child's output, indented (so its test counts are not read as this file's), and keeps it. */
function follow(child: ChildProcess, label: string): string[] {
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        console.log(`  ${label} | ${line}`);
      }
    });
  }
  return lines;
}

/** Resolves with the first output line matching `pattern`; rejects when the child exits or time runs out. */
function waitForLine(child: ChildProcess, lines: string[], pattern: RegExp, limitMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      const match = lines.map((l) => l.match(pattern)).find((m) => m !== null);
      if (match) finish(() => resolve(match));
    }, 200);
    const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} within ${limitMs / 1000} s`))), limitMs);
    const exited = (code: number | null) =>
      finish(() => reject(new Error(`exited (${code}) before printing ${pattern}; last lines:\n${lines.slice(-10).join('\n')}`)));
    child.once('exit', exited);
    function finish(settle: () => void) {
      clearInterval(check);
      clearTimeout(timer);
      child.off('exit', exited);
      settle();
    }
  });
}

/** Ctrl+C, as a user stops the demo: the signal goes to the child's process group. */
async function interrupt(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGINT');
  const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 20_000);
  await exited;
  clearTimeout(killer);
}

test('npm run demo with an empty HOME and no tools folder prints the URL, and the workbench loads at it', async () => {
  const env = freshEnv('home-demo');
  const started = performance.now();
  const demo = spawn('npm', ['run', 'demo'], {
    cwd: repoRoot,
    env: { ...env, SEGLAB_DEMO_CODE_SERVER: '1' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = follow(demo, 'demo');
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    const [, url] = await waitForLine(demo, lines, /^\s+(http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+)$/, DEMO_LIMIT_MS);
    console.log(`first npm run demo printed its URL after ${seconds(started)}`);
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /vscode-workbench-web-configuration/);
    await page.goto(url);
    // The extension is loaded and has indexed the demo dataset it generated into the empty HOME.
    const view = await openSegLab(page);
    await treeRow(view, 'Microscopy demo')
      .locator('.label-description', { hasText: /60 images · 48 labeled/ })
      .waitFor();
    console.log(`workbench with the SegLab Dataset tree after ${seconds(started)}`);
  } catch (error) {
    mkdirSync(join(artifactsRoot, 'fresh'), { recursive: true });
    await page.screenshot({ path: join(artifactsRoot, 'fresh', 'demo.png') }).catch(() => undefined);
    throw error;
  } finally {
    await browser.close();
    await interrupt(demo);
  }
  assert.ok(existsSync(join(toolsDir, 'installed.json')), 'the demo installed the tools');
  assert.ok(!existsSync(join(env.HOME!, '.config', 'code-server')), "code-server wrote the user's config folder");
});

test('the e2e harness with an empty HOME runs a scenario on the tools the first demo installed', () => {
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/e2e/run.ts', 'test/e2e/datasetTree.test.ts'], {
    cwd: repoRoot,
    env: { ...freshEnv('home-e2e'), SEGLAB_E2E_TIMEOUT: '900' },
    encoding: 'utf8',
  });
  for (const line of `${r.stdout}${r.stderr}`.trimEnd().split('\n')) console.log(`  e2e | ${line}`);
  assert.equal(r.status, 0, 'the e2e run failed (its output is above)');
  assert.match(r.stdout, /^ℹ pass 1$/m, 'the scenario did not run');
  console.log(`e2e scenario on a fresh HOME in ${seconds(started)}`);
});
