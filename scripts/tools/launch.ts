// Starting and stopping code-server (from the tools folder) for the demo and the e2e tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { Tools } from './codeServer';
import { configArgs } from './config';

/** Debian's Chromium, or SEGLAB_CHROMIUM. */
export const CHROMIUM_PATH = process.env.SEGLAB_CHROMIUM ?? '/usr/bin/chromium';
/** Flags that let Chromium run headless as root here without reaching for the network. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** WebGPU headless, on the CPU through SwiftShader (slow: correctness only). */
export const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan'];

export interface CodeServerOptions {
  tools: Tools;
  port: number;
  userDataDir: string;
  extensionsDir: string;
  folder: string;
  /** code-server's stdout and stderr go here; inherited when absent. */
  logFile?: string;
}

export interface RunningCodeServer {
  process: ChildProcess;
  /** The workbench with `folder` open. */
  url: string;
  stop(): Promise<void>;
}

/**
 * User settings that keep the workbench quiet and predictable: no welcome page, tips or updates,
 * and saving as in desktop VS Code (the web build saves a second after each change by default).
 */
export const QUIET_SETTINGS = {
  'files.autoSave': 'off',
  'files.hotExit': 'onExitAndWindowClose',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.colorTheme': 'Default Dark Modern',
};

/** Writes user settings unless the user-data folder has some already. */
export function writeUserSettings(userDataDir: string, settings: Record<string, unknown>, overwrite = false): void {
  const file = join(userDataDir, 'User', 'settings.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(settings, null, 2) + '\n', { flag: overwrite ? 'w' : 'wx' });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const baseArgs = (o: Pick<CodeServerOptions, 'userDataDir' | 'extensionsDir'>) => [
  ...configArgs(o.userDataDir),
  '--user-data-dir',
  o.userDataDir,
  '--extensions-dir',
  o.extensionsDir,
  '--disable-telemetry',
  '--disable-update-check',
];

/** Installs a .vsix into the extensions folder (replacing an older copy). */
export function installExtension(tools: Tools, vsix: string, dirs: Pick<CodeServerOptions, 'userDataDir' | 'extensionsDir'>): void {
  const r = spawnSync(tools.node, [tools.codeServerEntry, ...baseArgs(dirs), '--force', '--install-extension', vsix], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`${vsix}: code-server could not install it (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
}

export async function startCodeServer(o: CodeServerOptions): Promise<RunningCodeServer> {
  const args = [
    o.tools.codeServerEntry,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${o.port}`,
    ...baseArgs(o),
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    o.folder,
  ];
  const log = o.logFile ? openSync(o.logFile, 'a') : undefined;
  // Its own process group, so that stop() also ends the extension host and other children.
  const child = spawn(o.tools.node, args, { detached: true, stdio: log === undefined ? 'inherit' : ['ignore', log, log] });
  // Why it ended before answering: a spawn error (no such executable) or its exit.
  let ended: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (e) => ((ended = e.message), resolve()));
    child.once('exit', (code, signal) => ((ended ??= `exited with ${code ?? signal}`), resolve()));
  });
  const stop = async () => {
    if (ended !== undefined) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    killGroup(child, 'SIGKILL'); // stragglers in the group
  };
  const base = `http://127.0.0.1:${o.port}`;
  try {
    await waitForHttp(`${base}/healthz`, 60_000, () => ended);
  } catch (e) {
    await stop();
    const tail = o.logFile && existsSync(o.logFile) ? readFileSync(o.logFile, 'utf8').trim().split('\n').slice(-5) : [];
    throw new Error(`code-server ${(e as Error).message}${tail.length > 0 ? `; the end of ${o.logFile}:\n${tail.join('\n')}` : ''}`, { cause: e });
  }
  return { process: child, url: `${base}/?folder=${encodeURIComponent(o.folder)}`, stop };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function waitForHttp(url: string, timeoutMs: number, ended: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const why = ended();
    if (why !== undefined) throw new Error(`${why} before answering ${url}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(5_000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`did not answer ${url} within ${timeoutMs / 1000} s`);
}
